"""Whole-database chores: wiping the attendee data for fresh demo data."""
from ..db import get_db

ATTENDEE_COLLECTIONS = ("users", "sessions", "votes")


def wipe():
    """Delete every user, talk and vote, keeping the indexes and the settings."""
    db = get_db()
    for name in ATTENDEE_COLLECTIONS:
        db[name].delete_many({})
