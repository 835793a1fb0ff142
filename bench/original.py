"""The original site's vote algorithm, re-implemented for comparison only; the site never uses it.

Per vote it finds the user, the talk and the user's votes, inserts or removes one, recounts the
talk's votes with a count, then saves the whole talk document back."""
import os
import uuid
from datetime import datetime, timezone

from flask import Flask, jsonify, request
from pymongo import MongoClient


def vote(db, user_id, talk_id):
    """Toggle one vote the original way; return (action, count) or None for an unknown id."""
    user = db.users.find_one({"_id": user_id})
    talk = db.sessions.find_one({"_id": talk_id})
    if user is None or talk is None:
        return None
    existing = list(db.votes.find({"user": user_id, "session": talk_id}))
    if existing:
        db.votes.delete_one({"_id": existing[0]["_id"]})
        action = "delete vote"
    else:
        db.votes.insert_one({"_id": str(uuid.uuid4()), "user": user_id, "session": talk_id,
                             "created_at": datetime.now(timezone.utc)})
        action = "create vote"
    talk["votes"] = db.votes.count_documents({"session": talk_id})
    db.sessions.replace_one({"_id": talk_id}, talk)
    return action, talk["votes"]


def create_app():
    """A one-route app serving the original algorithm at the same URL as ours."""
    app = Flask(__name__)
    db = MongoClient(os.environ["MONGO_URI"], connect=False)[os.environ.get("LT_DB_NAME", "lightning_talks")]

    @app.route("/api/vote/action/", methods=["GET", "POST"])
    def action():
        result = vote(db, request.values.get("user", ""), request.values.get("session", ""))
        if result is None:
            return jsonify(success=False, text="unknown user or talk"), 404
        return jsonify(success=True, action=result[0], votes=result[1])

    return app


application = create_app() if os.environ.get("MONGO_URI") else None
