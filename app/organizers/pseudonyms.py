"""Keyed hashes that stand for an account where its id must not appear: exports, dashboard forms."""
import hashlib
import hmac

from flask import current_app


def pseudonym(purpose, user_id):
    """A stable stand-in for an account, one per purpose; without LT_SECRET_KEY nobody can map it back."""
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"{purpose}:{user_id}".encode(), hashlib.sha256).hexdigest()[:16]


def account_token(user_id):
    """What the dashboard's forms carry for an account, instead of its id (an account's credential)."""
    return pseudonym("dashboard-account", user_id)
