"""Site settings an organizer changes at run time, such as the phase override."""
from datetime import datetime, timezone

from ..db import get_db


def phase_override():
    """The phase an organizer set, or None."""
    doc = get_db().settings.find_one({"_id": "phase"})
    return doc["value"] if doc else None


def set_phase_override(phase, by):
    """Store the organizer's phase; None clears it so the schedule decides again."""
    settings = get_db().settings
    if phase is None:
        settings.delete_one({"_id": "phase"})
        return
    settings.replace_one(
        {"_id": "phase"},
        {"_id": "phase", "value": phase, "by": by, "at": datetime.now(timezone.utc)},
        upsert=True,
    )


def edited(name):
    """A group of fields an organizer edited on the dashboard (the event's details, the mail's wording), or {}."""
    doc = get_db().settings.find_one({"_id": name}, {"_id": 0, "by": 0, "at": 0})
    return doc or {}


def set_edited(name, fields, by):
    """Store a group of edited fields whole; None clears it, so the defaults apply again."""
    settings = get_db().settings
    if fields is None:
        settings.delete_one({"_id": name})
        return
    settings.replace_one({"_id": name}, {**fields, "_id": name, "by": by, "at": datetime.now(timezone.utc)}, upsert=True)
