"""One-time tokens mailed in links, stored only as their hash: taking one deletes it, so it works once."""
from datetime import datetime, timezone

from ..db import get_db


def add(token_hash, purpose, user_id, expires_at):
    """Keep a token's hash for this purpose and account until it expires."""
    get_db().tokens.insert_one({"_id": token_hash, "purpose": purpose, "user": user_id,
                                "expires_at": expires_at, "created_at": datetime.now(timezone.utc)})


def peek(token_hash, purpose):
    """The token's record, left in place; None if there is none."""
    return get_db().tokens.find_one({"_id": token_hash, "purpose": purpose})


def take(token_hash, purpose):
    """Delete the token's record and return it; None if it was taken already (or never existed).
    One atomic delete, so two clicks racing cannot both use it."""
    return get_db().tokens.find_one_and_delete({"_id": token_hash, "purpose": purpose})


def drop(user_id, purpose):
    """Forget every token of this purpose for this account (a newer one replaces them)."""
    get_db().tokens.delete_many({"user": user_id, "purpose": purpose})
