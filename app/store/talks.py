"""Talks (the seed's "sessions" collection): pitches, their vote counts and their fate."""
import uuid
from datetime import datetime, timezone

from pymongo import ReturnDocument

from ..db import get_db

# What a visitor may see of a talk; the speaker's user id, email and the rest stay private.
PUBLIC_FIELDS = {"_id": 1, "title": 1, "description": 1, "speaker": 1, "votes": 1, "accepted": 1, "created_at": 1}
VISIBLE = {"hidden": {"$ne": True}}


def create(user, title, description):
    """Store a new pitch by `user` and return its _id."""
    talk_id = str(uuid.uuid4())
    get_db().sessions.insert_one({
        "_id": talk_id,
        "title": title,
        "description": description,
        "user": user["_id"],
        "speaker": user["name"],
        "votes": 0,
        "accepted": False,
        "hidden": False,
        "created_at": datetime.now(timezone.utc),
    })
    return talk_id


def _public(talk):
    """A talk as the public list shows it."""
    talk["created_at"] = talk["created_at"].isoformat()
    return talk


def public_list():
    """Every visible talk, newest first."""
    cursor = get_db().sessions.find(VISIBLE, PUBLIC_FIELDS).sort([("created_at", -1), ("_id", 1)])
    return [_public(talk) for talk in cursor]


def public_one(talk_id):
    """One visible talk, or None."""
    talk = get_db().sessions.find_one({"_id": talk_id, **VISIBLE}, PUBLIC_FIELDS)
    return _public(talk) if talk else None


def is_visible(talk_id):
    """Whether this talk exists and is shown, so it can be voted on."""
    return get_db().sessions.count_documents({"_id": talk_id, **VISIBLE}, limit=1) == 1


def by_speaker(user_id):
    """The talks this user pitched, newest first, as the public list shows them."""
    cursor = get_db().sessions.find({"user": user_id, **VISIBLE}, PUBLIC_FIELDS).sort("created_at", -1)
    return [_public(talk) for talk in cursor]


def ranking():
    """Every talk with its speaker's id, most votes first (for organizers)."""
    return list(get_db().sessions.find({}).sort([("votes", -1), ("created_at", 1)]))


def add_votes(talk_id, delta):
    """Change a talk's count atomically and return the new count."""
    talk = get_db().sessions.find_one_and_update(
        {"_id": talk_id}, {"$inc": {"votes": delta}}, {"votes": 1}, return_document=ReturnDocument.AFTER
    )
    return talk["votes"] if talk else 0


def votes_of(talk_id):
    """A talk's stored count."""
    talk = get_db().sessions.find_one({"_id": talk_id}, {"votes": 1})
    return talk["votes"] if talk else 0


def counts():
    """Every talk's stored count, by _id."""
    return {t["_id"]: t.get("votes", 0) for t in get_db().sessions.find({}, {"votes": 1})}


def set_count(talk_id, votes):
    """Overwrite a talk's count (tally's repair)."""
    get_db().sessions.update_one({"_id": talk_id}, {"$set": {"votes": votes}})


def insert_many(talks):
    """Bulk insert prepared talks (demo data)."""
    if talks:
        get_db().sessions.insert_many(talks, ordered=False)


def count():
    """How many talks there are."""
    return get_db().sessions.estimated_document_count()
