"""Attendee accounts. A user's _id is their secret credential and never leaves this layer publicly."""
import uuid
from datetime import datetime, timezone

from pymongo.errors import DuplicateKeyError
from werkzeug.security import check_password_hash, generate_password_hash

from ..db import get_db

# Hash of a password nobody has, checked when the email is unknown so that both paths cost the same.
_NOBODY = generate_password_hash(uuid.uuid4().hex)


def find(user_id):
    """The user with this _id, or None."""
    return get_db().users.find_one({"_id": user_id}, {"password_hash": 0})


def by_email(email):
    """The user with this (normalized) email, or None."""
    return get_db().users.find_one({"email": email})


def authenticate(email, password):
    """The user if the password is right, else None."""
    user = by_email(email)
    if not check_password_hash(user["password_hash"] if user else _NOBODY, password):
        return None
    return user


def register(email, password, name, signals):
    """Create an account and return it, or None if the email was taken meanwhile."""
    user = {
        "_id": str(uuid.uuid4()),
        "email": email,
        "name": name,
        "password_hash": generate_password_hash(password),
        "created_at": datetime.now(timezone.utc),
        "signup": signals,
    }
    try:
        get_db().users.insert_one(user)
    except DuplicateKeyError:
        return None
    return user


def insert_many(users):
    """Bulk insert prepared accounts (demo data)."""
    if users:
        get_db().users.insert_many(users, ordered=False)


def count():
    """How many accounts there are."""
    return get_db().users.estimated_document_count()
