"""Votes: one document per (user, talk), and the talk's count kept in step with $inc.

A vote counts unless its `counted` is False (a quarantined voter's); a talk's count always
equals its counted vote documents."""
import uuid
from datetime import datetime, timezone

from pymongo.errors import DuplicateKeyError, PyMongoError

from ..db import get_db
from . import journal, talks

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


def _move(talk_id, delta, mark):
    """Move the talk's count by delta and return it; journal the talk if a recount ran since `mark` was read."""
    if not delta:
        return talks.votes_of(talk_id)
    count, mark_now = talks.add_votes(talk_id, delta)
    if mark is not None and mark_now != mark:
        journal.note(talk_id)  # the recount may have counted our document and now our $inc as well
    return count


def cast(user_id, talk_id, want=None, signals=None, counted=True, mark=None):
    """Set (want=True/False) or toggle (want=None) a vote; return (voted, the talk's new count).
    A quarantined voter's vote is stored with counted=False and leaves the count alone.

    The vote document and the count are two writes: if either fails, or this process dies between
    them, the talk is journaled and recounted once the database answers again (see recount).
    `mark` is talks.votable's, read before the first write."""
    journal.intend(talk_id)  # should this process die before settle()
    try:
        if want is not True:  # A toggle tries removal first: whether it removed one says which way to go.
            removed = _remove(user_id, talk_id)
            if removed is not None or want is False:
                return False, _move(talk_id, -_weight(removed), mark)
        added = _add(user_id, talk_id, signals or {}, counted)
        return True, _move(talk_id, int(added and counted), mark)
    except PyMongoError:
        journal.note(talk_id)  # the document may be written and the count not moved
        raise
    finally:
        journal.settle()


def recount(talk_id):
    """Set one talk's count from its counted votes unless the count moved meanwhile; True if done.

    Each pass reads the count's `seq`, counts the documents, then sets the count only if `seq` is
    unchanged, so no vote that finished in between is lost. The one race left is a vote in flight:
    its document written before the aggregation and its $inc landing after the set, counting it
    twice. Every set moves the talk's recount mark, and that vote read the mark before its first
    write, so it sees the mark move and journals the talk for another pass (cast, _move). Not
    covered: a cast without a mark, and set_counted's flips (an organizer's, rare), racing a recount."""
    seq = talks.count_version(talk_id)
    if seq is False:
        return True  # no such talk: nothing to recount
    pipeline = [{"$match": {"session": talk_id, **COUNTED}}, {"$group": {"_id": None, "n": {"$sum": 1}}}]
    rows = list(get_db().votes.aggregate(pipeline))
    return talks.set_count_if(talk_id, seq, rows[0]["n"] if rows else 0)


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
    concurrent unvote reads `counted` as it deletes, so counts stay exact under any traffic; a
    flip cut off by a database failure is journaled like a vote. Returns how many votes changed."""
    db = get_db()
    other_state = {"counted": False} if counted else COUNTED
    flipped = 0
    for vote in list(db.votes.find({"user": {"$in": list(user_ids)}, **other_state}, {"session": 1})):
        try:
            if db.votes.update_one({"_id": vote["_id"], **other_state}, {"$set": {"counted": counted}}).modified_count:
                talks.add_votes(vote["session"], 1 if counted else -1)
                flipped += 1
        except PyMongoError:
            journal.note(vote["session"])
            raise
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
