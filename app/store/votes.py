"""Votes: one document per (user, talk); a vote counts unless its `counted` is False (a quarantined voter's).

How a talk's count is kept equal to its counted vote documents is app/counts/ledger.py's business."""
import contextlib
import uuid
from datetime import datetime, timezone

from pymongo.errors import DuplicateKeyError

from ..db import get_db
from . import one_of

# Votes stored before quarantine existed have no `counted` field, and count.
COUNTED = {"counted": {"$ne": False}}
# A vote's _id follows from its voter and talk, so that taking a vote back is a delete by _id: the
# embedded server answers a delete by other fields that matches nothing by scanning every vote.
_IDS = uuid.UUID("5b0e8a3c-1f6d-4c2e-9a7b-2d4f6e8a0c1b")


def vote_id(user_id, talk_id):
    """The _id of this user's vote for this talk."""
    return str(uuid.uuid5(_IDS, f"{user_id} {talk_id}"))


def add(user_id, talk_id, signals, counted):
    """Insert the vote; its _id (and the unique index) makes a concurrent duplicate a no-op. True if added."""
    try:
        get_db().votes.insert_one({
            "_id": vote_id(user_id, talk_id),
            "user": user_id,
            "session": talk_id,
            "created_at": datetime.now(timezone.utc),
            "signals": signals,
            "counted": counted,
        })
    except DuplicateKeyError:
        return False
    return True


def remove(user_id, talk_id):
    """Delete the vote if there is one; return it whole (so it can be put back), or None."""
    return get_db().votes.find_one_and_delete({"_id": vote_id(user_id, talk_id)})


def under_old_ids():
    """The votes stored before their _id followed from voter and talk: [{_id, user, session}]."""
    return [vote for vote in get_db().votes.find({}, {"user": 1, "session": 1})
            if vote["_id"] != vote_id(vote["user"], vote["session"])]


def rekey(vote):
    """Store a vote again under the _id its voter and talk give. False if the voter voted for the talk
    again between its delete and its insert (the unique index allows one of the two), so that it counts once."""
    old = get_db().votes.find_one_and_delete({"_id": vote["_id"]})
    if old is None:
        return True  # taken back meanwhile
    try:
        get_db().votes.insert_one({**old, "_id": vote_id(old["user"], old["session"])})
    except DuplicateKeyError:
        return False
    return True


def put_back(vote):
    """Store a removed vote again, as it was; a vote the user cast meanwhile wins."""
    with contextlib.suppress(DuplicateKeyError):
        get_db().votes.insert_one(vote)


def talks_voted_by(user_id):
    """The _ids of the talks this user votes for now, read from the votes themselves."""
    return [v["session"] for v in get_db().votes.find({"user": user_id}, {"session": 1}).sort("created_at", 1)]


def counts_by_talk(talk_ids=None):
    """How many counted vote documents each talk has (of these talks, or of all), in one aggregation."""
    match = COUNTED if talk_ids is None else {"session": one_of(talk_ids), **COUNTED}
    pipeline = [{"$match": match}, {"$group": {"_id": "$session", "n": {"$sum": 1}}}]
    return {row["_id"]: row["n"] for row in get_db().votes.aggregate(pipeline)}


def _not_yet(counted):
    """The votes not in the `counted` state."""
    return {"counted": False} if counted else COUNTED


def of_users_to_flip(user_ids, counted):
    """These users' votes that are not yet in the `counted` state: [{_id, session}]."""
    return list(get_db().votes.find({"user": {"$in": list(user_ids)}, **_not_yet(counted)}, {"session": 1}))


def flip(vote_id, counted):
    """Put one vote in the `counted` state if it is still in the other one; True if it changed.
    A concurrent unvote reads `counted` as it deletes, so exactly one of the two moves the count."""
    result = get_db().votes.update_one({"_id": vote_id, **_not_yet(counted)}, {"$set": {"counted": counted}})
    return result.modified_count == 1


def per_hour():
    """Counted votes per hour (UTC), as [("2026-03-05T14", n)] in time order, in one aggregation."""
    pipeline = [
        {"$match": COUNTED},
        {"$group": {"_id": {"$dateToString": {"date": "$created_at", "format": "%Y-%m-%dT%H"}}, "n": {"$sum": 1}}},
    ]
    return sorted((row["_id"], row["n"]) for row in get_db().votes.aggregate(pipeline))


def distinct_voters():
    """How many accounts have at least one counted vote."""
    pipeline = [{"$match": COUNTED}, {"$group": {"_id": "$user"}}, {"$count": "n"}]
    rows = list(get_db().votes.aggregate(pipeline))
    return rows[0]["n"] if rows else 0


def by_voter():
    """Per account, in one aggregation: its vote times, talks and the fingerprints and IPs it voted from."""
    pipeline = [{"$group": {
        "_id": "$user", "times": {"$push": "$created_at"}, "talks": {"$push": "$session"},
        "fingerprints": {"$addToSet": "$signals.fingerprint"}, "ips": {"$addToSet": "$signals.ip"},
    }}]
    return {row.pop("_id"): row for row in get_db().votes.aggregate(pipeline)}


def of_talk(talk_id):
    """One talk's votes, oldest first: who, when, and whether each counts."""
    return list(get_db().votes.find({"session": talk_id}, {"user": 1, "created_at": 1, "counted": 1}).sort("created_at", 1))


def every(fields=("user", "session", "created_at", "counted")):
    """Every vote, oldest first, with only the given fields (for the exports)."""
    return get_db().votes.find({}, {name: 1 for name in fields}).sort("created_at", 1)


def insert_many(votes):
    """Bulk insert prepared votes (demo data); counts are set by a tally afterwards."""
    if votes:
        get_db().votes.insert_many(votes, ordered=False)


def count():
    """How many votes there are."""
    return get_db().votes.estimated_document_count()
