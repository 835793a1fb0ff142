"""One-time links mailed to attendees: random tokens, stored only as a hash, expiring, working once."""
import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from flask import current_app

from ..errors import ApiError
from ..store import tokens, users

LIFETIMES = {
    "verify": timedelta(days=2),       # a new attendee may read their mail the next day
    "reset": timedelta(minutes=30),    # sets a password: short, as the mail may sit in an inbox for years
    "login": timedelta(minutes=30),    # LT_LOGIN=link: signs in, so as short as a reset
}


def _hash(token):
    # The tokens are 256 random bits, so a fast hash is enough: a stolen database gives no usable link.
    return hashlib.sha256(token.encode()).hexdigest()


def issue(purpose, user_id):
    """A fresh link for this account and purpose on LT_SITE_URL; older ones of the purpose stop working.
    The token is in the fragment (#), which browsers never send: it stays out of every server's logs."""
    tokens.drop(user_id, purpose)
    token = secrets.token_urlsafe(32)
    tokens.add(_hash(token), purpose, user_id, datetime.now(timezone.utc) + LIFETIMES[purpose])
    return f"{current_app.config['SITE_URL']}/#{purpose}={token}"


def dead():
    """The refusal for a link that expired, was used, or names an account that is gone."""
    return ApiError("This link has expired or was already used. Ask for a new one.", 410)


def _alive(record):
    """The record if it exists and has not expired (a TTL index deletes it only some time later)."""
    if record is None:
        raise dead()
    expires_at = record["expires_at"]
    if expires_at.tzinfo is None:  # a client without tz_aware gives naive UTC
        expires_at = expires_at.replace(tzinfo=timezone.utc)
    if expires_at <= datetime.now(timezone.utc):
        raise dead()
    return record


def drop_unverified(user_id):
    """Delete an account whose email was never confirmed, and every link of it; True if it was deleted."""
    if not users.drop_unverified(user_id):
        return False
    for purpose in LIFETIMES:
        tokens.drop(user_id, purpose)
    return True


def check(purpose, token):
    """The account id a live token is for, leaving the token usable; 410 if it is dead."""
    return _alive(tokens.peek(_hash(token), purpose))["user"]


def use(purpose, token):
    """The account id a live token is for, spending the token; 410 if it is dead or was just spent."""
    return _alive(tokens.take(_hash(token), purpose))["user"]


def account(purpose, token, spend=True):
    """The account a live token is for, spending the token unless not `spend`; 410 if the token is dead, was
    just spent, or names an account that is gone."""
    user = users.find(use(purpose, token) if spend else check(purpose, token))
    if user is None:
        raise dead()
    return user
