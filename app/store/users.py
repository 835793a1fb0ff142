"""Attendee accounts. A user's _id is their secret credential and never leaves this layer publicly."""
import uuid
from datetime import datetime, timezone

from flask import current_app
from pymongo.errors import DuplicateKeyError
from werkzeug.security import check_password_hash, generate_password_hash

from ..db import get_db


def hash_password(password):
    """The salted hash of a password, by the configured method (LT_PASSWORD_HASH)."""
    return generate_password_hash(password, current_app.config["PASSWORD_HASH"])


def find(user_id):
    """The user with this _id, or None."""
    return get_db().users.find_one({"_id": user_id}, {"password_hash": 0})


def by_email(email):
    """The user with this (normalized) email, or None."""
    return get_db().users.find_one({"email": email})


def password_matches(user, password):
    """Whether this is the account's password (a deliberately slow scrypt check)."""
    return check_password_hash(user["password_hash"], password)


def register(email, password, name, signals, unverified=False):
    """Create an account and return it, or None if the email was taken meanwhile.
    An `unverified` one carries verified=False until its owner clicks the mailed link."""
    user = {
        "_id": str(uuid.uuid4()),
        "email": email,
        "name": name,
        "password_hash": hash_password(password),
        "created_at": datetime.now(timezone.utc),
        "signup": signals,
    }
    if unverified:
        user["verified"] = False
    try:
        get_db().users.insert_one(user)
    except DuplicateKeyError:
        return None
    return user


def take_pitch_slot(user_id, most):
    """Count one more pitch for this account unless it has pitched `most`; True if counted.
    One atomic update, so parallel pitches cannot slip past the limit together."""
    users = get_db().users
    # Accounts from before the count start from 0. (Not one `$or` query: nx-27017 then matches other accounts.)
    users.update_one({"_id": user_id, "pitches": {"$exists": False}}, {"$set": {"pitches": 0}})
    return users.update_one({"_id": user_id, "pitches": {"$lt": most}}, {"$inc": {"pitches": 1}}).matched_count == 1


def is_verified(user):
    """Whether the account's email is confirmed; accounts made without verification count as confirmed."""
    return user.get("verified", True) is not False


def mark_verified(user_id):
    """Record that the owner of the email clicked its link (the mark is dropped, as on accounts that never needed it)."""
    get_db().users.update_one({"_id": user_id}, {"$unset": {"verified": ""}})


def set_password(user_id, password):
    """Replace the account's password."""
    get_db().users.update_one({"_id": user_id}, {"$set": {"password_hash": hash_password(password)}})


def drop_unverified(user_id):
    """Delete this account if it is still unverified (it cannot have voted or pitched); whether it was."""
    return get_db().users.delete_one({"_id": user_id, "verified": False}).deleted_count == 1


def insert_many(users):
    """Bulk insert prepared accounts (demo data)."""
    if users:
        get_db().users.insert_many(users, ordered=False)


def count():
    """How many accounts there are."""
    return get_db().users.estimated_document_count()


def contacts(user_ids=None):
    """Name and email by _id, of these accounts or of every one (for the organizers' lists)."""
    query = {} if user_ids is None else {"_id": {"$in": list(user_ids)}}
    return {u["_id"]: u for u in get_db().users.find(query, {"name": 1, "email": 1})}


def for_screening():
    """Every account with what fraud screening reads: email, signup time and signals, quarantine."""
    return list(get_db().users.find({}, {"name": 1, "email": 1, "created_at": 1, "signup": 1, "quarantined": 1}))


def set_quarantined(user_ids, quarantined):
    """Quarantine these accounts (their votes stop counting) or release them; return the _ids that changed.
    Who and when is in the audit log."""
    ids = [u["_id"] for u in get_db().users.find(
        {"_id": {"$in": list(user_ids)}, "quarantined": {"$ne": True} if quarantined else True}, {"_id": 1})]
    if ids:
        get_db().users.update_many({"_id": {"$in": ids}}, {"$set": {"quarantined": quarantined}})
    return ids
