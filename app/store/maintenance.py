"""Whole-database chores: wiping the attendee data for fresh demo data, emptying it all for a clean start."""
from ..db import get_db

ATTENDEE_COLLECTIONS = ("users", "sessions", "votes")


def wipe():
    """Delete every user, talk and vote, keeping the indexes and the settings."""
    db = get_db()
    for name in ATTENDEE_COLLECTIONS:
        db[name].delete_many({})


def counts():
    """{collection: number of documents} for every collection, sorted by name."""
    db = get_db()
    return {name: db[name].count_documents({}) for name in sorted(db.list_collection_names())}


def empty():
    """Delete every document of every collection (settings, audit log and mail records too), keeping the indexes."""
    db = get_db()
    for name in db.list_collection_names():
        db[name].delete_many({})
