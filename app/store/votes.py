"""Votes: one document per (user, talk), and the talk's count kept in step with $inc."""
import uuid
from datetime import datetime, timezone

from pymongo.errors import DuplicateKeyError

from ..db import get_db
from . import talks


def _add(user_id, talk_id, signals):
    """Insert the vote; the unique index makes a concurrent duplicate a no-op. True if added."""
    try:
        get_db().votes.insert_one({
            "_id": str(uuid.uuid4()),
            "user": user_id,
            "session": talk_id,
            "created_at": datetime.now(timezone.utc),
            "signals": signals,
        })
    except DuplicateKeyError:
        return False
    return True


def _remove(user_id, talk_id):
    """Delete the vote if there is one. True if this call removed it."""
    return get_db().votes.delete_one({"user": user_id, "session": talk_id}).deleted_count == 1


def cast(user_id, talk_id, want=None, signals=None):
    """Set (want=True/False) or toggle (want=None) a vote; return (voted, the talk's new count)."""
    if want is None:
        want = not _remove(user_id, talk_id)
        if not want:
            return False, talks.add_votes(talk_id, -1)
    changed = _add(user_id, talk_id, signals or {}) if want else _remove(user_id, talk_id)
    if changed:
        return want, talks.add_votes(talk_id, 1 if want else -1)
    return want, talks.votes_of(talk_id)


def talks_voted_by(user_id):
    """The _ids of the talks this user votes for now, read from the votes themselves."""
    return [v["session"] for v in get_db().votes.find({"user": user_id}, {"session": 1}).sort("created_at", 1)]


def counts_by_talk():
    """How many vote documents each talk has, in one aggregation."""
    pipeline = [{"$group": {"_id": "$session", "n": {"$sum": 1}}}]
    return {row["_id"]: row["n"] for row in get_db().votes.aggregate(pipeline)}


def insert_many(votes):
    """Bulk insert prepared votes (demo data); counts are set by a tally afterwards."""
    if votes:
        get_db().votes.insert_many(votes, ordered=False)


def count():
    """How many votes there are."""
    return get_db().votes.estimated_document_count()
