"""Rate-limit counters, shared by every worker; a TTL index lets MongoDB delete old windows."""
from pymongo import ReturnDocument

from ..db import get_db


def hits(key):
    """How many hits this window's key has had."""
    doc = get_db().ratelimits.find_one({"_id": key}, {"n": 1})
    return doc["n"] if doc else 0


def hit(key, expires_at):
    """Count one hit on this window's key and return the new total."""
    doc = get_db().ratelimits.find_one_and_update(
        {"_id": key}, {"$inc": {"n": 1}, "$setOnInsert": {"expires_at": expires_at}},
        {"n": 1}, upsert=True, return_document=ReturnDocument.AFTER,
    )
    return doc["n"]
