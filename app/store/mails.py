"""Decision emails to speakers: one record per (talk, decision), claimed before sending."""
import uuid
from datetime import datetime, timezone

from pymongo.errors import DuplicateKeyError

from ..db import get_db


def claim(talk_id, decision, to, by):
    """Reserve this talk's message for this decision; False if it was sent (or is being sent) already."""
    try:
        get_db().mails.insert_one({
            "_id": str(uuid.uuid4()), "talk": talk_id, "decision": decision, "to": to, "by": by,
            "claimed_at": datetime.now(timezone.utc), "sent_at": None,
        })
    except DuplicateKeyError:
        return False
    return True


def mark_sent(talk_id, decision, subject, body):
    """Record that the server accepted the message, and what it said."""
    # Only the claimer writes its record, so a whole-document replace is safe; it also keeps the
    # date a date on nx-27017, which stores a datetime given to $set as a string.
    mails = get_db().mails
    record = mails.find_one({"talk": talk_id, "decision": decision})
    mails.replace_one({"_id": record["_id"]}, {**record, "subject": subject, "body": body,
                                           "sent_at": datetime.now(timezone.utc)})


def unclaim(talk_id, decision):
    """Give the claim back after a failed send, so a later send retries it."""
    get_db().mails.delete_one({"talk": talk_id, "decision": decision, "sent_at": None})


def sent():
    """Every record, as {(talk, decision): record}."""
    return {(m["talk"], m["decision"]): m for m in get_db().mails.find({}, {"_id": 0})}
