"""Talks (the seed's "sessions" collection): pitches, their vote counts and their fate."""
import uuid
from datetime import datetime, timezone

from pymongo import ReturnDocument

from ..db import get_db
from . import one_of

# How long a talk's fields may be: the API checks them, the pitch form counts down to them.
MAX_TITLE, MAX_DESCRIPTION = 200, 5000
# What a visitor may see of a talk; the speaker's user id, email and the rest stay private.
PUBLIC_FIELDS = {"_id": 1, "title": 1, "description": 1, "speaker": 1, "votes": 1, "accepted": 1, "created_at": 1}
# The same without the count, for while LT_SHOW_COUNTS=after hides it.
PUBLIC_FIELDS_NO_COUNTS = {name: 1 for name in PUBLIC_FIELDS if name != "votes"}
# Shown to visitors: not hidden by organizers, not withdrawn by its speaker (kept, never deleted).
# `$in: [False, None]` rather than `$ne: True` (the same in MongoDB, where None matches a missing field):
# nx-27017's updates match nothing with `$ne` on a missing field, and talks from before withdrawing lack it.
_UNSET = {"$in": [False, None]}
VISIBLE = {"hidden": _UNSET, "withdrawn": _UNSET}
NOT_WITHDRAWN = {"withdrawn": _UNSET}


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


def speaker_of(talk_id):
    """The user id of a visible talk's speaker, or None if there is no such talk."""
    talk = get_db().sessions.find_one({"_id": talk_id, **VISIBLE}, {"user": 1})
    return talk["user"] if talk else None


# The two writes below match on id and speaker only: nx-27017 does not match a missing field with
# $ne in an update's filter (it does in a find), so visibility is checked first, by speaker_of.
def update(talk_id, user_id, title, description):
    """Change the title and description of `user_id`'s talk; True if the talk is theirs."""
    result = get_db().sessions.update_one({"_id": talk_id, "user": user_id},
                                          {"$set": {"title": title, "description": description}})
    return result.matched_count == 1


def withdraw(talk_id, user_id):
    """Take `user_id`'s talk off the list for good; it stays stored, marked withdrawn. True if done."""
    result = get_db().sessions.update_one({"_id": talk_id, "user": user_id},
                                          {"$set": {"withdrawn": True, "withdrawn_at": datetime.now(timezone.utc)}})
    return result.matched_count == 1


def _public(talk):
    """A talk as the public list shows it."""
    talk["created_at"] = talk["created_at"].isoformat()
    talk["accepted"] = bool(talk.get("accepted"))  # nx-27017 stores a boolean set by $set as 1/0
    return talk


def _fields(with_counts):
    return PUBLIC_FIELDS if with_counts else PUBLIC_FIELDS_NO_COUNTS


def public_list(with_counts=True):
    """Every visible talk, newest first; without vote counts unless with_counts."""
    cursor = get_db().sessions.find(VISIBLE, _fields(with_counts)).sort([("created_at", -1), ("_id", 1)])
    return [_public(talk) for talk in cursor]


def public_one(talk_id, with_counts=True):
    """One visible talk, or None."""
    talk = get_db().sessions.find_one({"_id": talk_id, **VISIBLE}, _fields(with_counts))
    return _public(talk) if talk else None


def by_speaker(user_id, with_counts=True):
    """The talks this user pitched, newest first, as the public list shows them."""
    cursor = get_db().sessions.find({"user": user_id, **VISIBLE}, _fields(with_counts)).sort("created_at", -1)
    return [_public(talk) for talk in cursor]


def ranking():
    """Every talk not withdrawn, with its speaker's id, most votes first (for organizers)."""
    return list(get_db().sessions.find(NOT_WITHDRAWN).sort([("votes", -1), ("created_at", 1)]))


def shown(talk):
    """Whether visitors see this talk and may vote for it: neither hidden by organizers nor withdrawn."""
    return not talk.get("hidden") and not talk.get("withdrawn")


# What a vote reads back from the talk it counts on: its visibility is checked on the document, not in the
# update's filter, which costs nx-27017 a third more (0.92 ms of its CPU against 0.71; docs/benchmark.md).
_COUNT_FIELDS = {"votes": 1, "hidden": 1, "withdrawn": 1}


def move_count(talk_id, delta):
    """Change a talk's count atomically, shown or not: (the new count, whether it is shown), or None if there is
    no such talk.

    Every change of a count also moves `seq`, so that a recount can tell it happened (counts.ledger)."""
    talk = get_db().sessions.find_one_and_update(
        {"_id": talk_id}, {"$inc": {"votes": delta, "seq": 1}}, _COUNT_FIELDS, return_document=ReturnDocument.AFTER,
    )
    return (talk["votes"], shown(talk)) if talk else None


def count_of(talk_id):
    """A talk's stored count and whether it is shown, or None if there is no such talk."""
    # find_one, not count_documents: the embedded server answers a count by scanning (20x slower).
    talk = get_db().sessions.find_one({"_id": talk_id}, _COUNT_FIELDS)
    return (talk["votes"], shown(talk)) if talk else None


def counts(talk_ids=None):
    """(stored count, `seq`) by _id, of these talks or of every one; `seq` is None before a count's first change."""
    query = {} if talk_ids is None else {"_id": one_of(talk_ids)}
    return {t["_id"]: (t.get("votes", 0), t.get("seq")) for t in get_db().sessions.find(query, {"votes": 1, "seq": 1})}


def set_count_if(talk_id, seq, votes):
    """Overwrite the count only if it has not changed since `seq` was read; True if done."""
    unchanged = {"seq": seq} if seq is not None else {"seq": {"$exists": False}}
    result = get_db().sessions.update_one({"_id": talk_id, **unchanged}, {"$set": {"votes": votes}, "$inc": {"seq": 1}})
    return result.matched_count == 1


def insert_many(talks):
    """Bulk insert prepared talks (demo data)."""
    if talks:
        get_db().sessions.insert_many(talks, ordered=False)


def count():
    """How many talks there are."""
    return get_db().sessions.estimated_document_count()


def find(talk_id):
    """One talk with every field, hidden or not (for organizers), or None."""
    return get_db().sessions.find_one({"_id": talk_id})


def set_moderation(talk_id, field, value):
    """Set `accepted` or `hidden` on a talk; True if that changed anything. Nothing is ever deleted."""
    if field not in ("accepted", "hidden"):
        raise ValueError(f"not a moderation field: {field}")
    return get_db().sessions.update_one({"_id": talk_id}, {"$set": {field: value}}).modified_count == 1


def set_slots(talk_ids):
    """Number these talks 1, 2, 3... in the programme's running order (the field `slot`)."""
    sessions = get_db().sessions
    for slot, talk_id in enumerate(talk_ids, start=1):
        sessions.update_one({"_id": talk_id}, {"$set": {"slot": slot}})
