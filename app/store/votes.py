"""Votes: one document per (user, talk), and the talk's count kept in step with $inc.

A vote counts unless its `counted` is False (a quarantined voter's); a talk's count always
equals its counted vote documents."""
import uuid
from datetime import datetime, timezone

from pymongo.errors import DuplicateKeyError

from ..db import get_db
from . import talks

# Votes stored before quarantine existed have no `counted` field, and count.
COUNTED = {"counted": {"$ne": False}}


def _add(user_id, talk_id, signals, counted):
    """Insert the vote; the unique index makes a concurrent duplicate a no-op. True if added."""
    try:
        get_db().votes.insert_one({
            "_id": str(uuid.uuid4()),
            "user": user_id,
            "session": talk_id,
            "created_at": datetime.now(timezone.utc),
            "signals": signals,
            "counted": counted,
        })
    except DuplicateKeyError:
        return False
    return True


def _remove(user_id, talk_id):
    """Delete the vote if there is one; return it (with its `counted`), or None."""
    return get_db().votes.find_one_and_delete({"user": user_id, "session": talk_id}, {"counted": 1})


def _weight(vote):
    """What a vote adds to its talk's count: 1, or 0 if it is uncounted or there is none."""
    return 0 if vote is None or not vote.get("counted", True) else 1  # nx-27017 stores a $set False as 0


def _move(talk_id, delta):
    """Move the talk's count by delta and return it."""
    return talks.add_votes(talk_id, delta) if delta else talks.votes_of(talk_id)


def cast(user_id, talk_id, want=None, signals=None, counted=True):
    """Set (want=True/False) or toggle (want=None) a vote; return (voted, the talk's new count).
    A quarantined voter's vote is stored with counted=False and leaves the count alone."""
    if want is not True:  # A toggle tries removal first: whether it removed one says which way to go.
        removed = _remove(user_id, talk_id)
        if removed is not None or want is False:
            return False, _move(talk_id, -_weight(removed))
    added = _add(user_id, talk_id, signals or {}, counted)
    return True, _move(talk_id, int(added and counted))


def talks_voted_by(user_id):
    """The _ids of the talks this user votes for now, read from the votes themselves."""
    return [v["session"] for v in get_db().votes.find({"user": user_id}, {"session": 1}).sort("created_at", 1)]


def counts_by_talk():
    """How many counted vote documents each talk has, in one aggregation."""
    pipeline = [{"$match": COUNTED}, {"$group": {"_id": "$session", "n": {"$sum": 1}}}]
    return {row["_id"]: row["n"] for row in get_db().votes.aggregate(pipeline)}


def set_counted(user_ids, counted):
    """Make these users' votes count or not, one vote at a time, moving each talk's count with it.

    Each flip is one atomic update that matches only a vote still in the other state, and a
    concurrent unvote reads `counted` as it deletes, so counts stay exact under any traffic.
    Returns how many votes changed."""
    db = get_db()
    other_state = {"counted": False} if counted else COUNTED
    flipped = 0
    for vote in list(db.votes.find({"user": {"$in": list(user_ids)}, **other_state}, {"session": 1})):
        if db.votes.update_one({"_id": vote["_id"], **other_state}, {"$set": {"counted": counted}}).modified_count:
            talks.add_votes(vote["session"], 1 if counted else -1)
            flipped += 1
    return flipped


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
