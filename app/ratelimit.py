"""Fixed-window rate limits on logins (attendees' and organizers', wrong and right) and registrations: 429 and
Retry-After."""
import math
import time
from datetime import datetime, timezone
from typing import NamedTuple

from flask import current_app

from .errors import ApiError
from .store import ratelimits


class Limit(NamedTuple):
    """At most `setting`'s number of hits per `window` seconds for one key."""

    name: str
    setting: str
    window: int
    text: str


LOGIN_FAILS_PER_EMAIL = Limit("login-email", "LOGIN_FAILS_PER_EMAIL", 900,
                              "Too many wrong passwords for this email.")
LOGIN_FAILS_PER_IP = Limit("login-ip", "LOGIN_FAILS_PER_IP", 900,
                           "Too many wrong passwords from your network.")
DASHBOARD_FAILS_PER_IP = Limit("dashboard-ip", "DASHBOARD_FAILS_PER_IP", 900,
                               "Too many wrong dashboard passwords from your network.")
LOGINS_PER_IP = Limit("logins-ip", "LOGINS_PER_IP", 900, "Too many logins from your network.")
REGISTRATIONS_PER_IP = Limit("register-ip", "REGISTRATIONS_PER_IP", 3600,
                             "Too many new accounts from your network.")


def _window(limit, key):
    now = time.time()
    start = int(now // limit.window * limit.window)
    retry_after = max(1, math.ceil(start + limit.window - now))
    return f"{limit.name}:{key}:{start}", retry_after, datetime.fromtimestamp(start + limit.window, timezone.utc)


def _refuse(limit, retry_after):
    minutes = math.ceil(retry_after / 60)
    raise ApiError(f"{limit.text} Try again in {minutes} minute{'s' if minutes > 1 else ''}.", 429,
                   {"Retry-After": str(retry_after)})


def check(limit, key):
    """Refuse with 429 if this key has used up its window; count nothing."""
    window_key, retry_after, _ = _window(limit, key)
    if ratelimits.hits(window_key) >= current_app.config[limit.setting]:
        _refuse(limit, retry_after)


def spend(limit, key):
    """Count one hit; refuse with 429 if that goes over the limit."""
    window_key, retry_after, expires_at = _window(limit, key)
    if ratelimits.hit(window_key, expires_at) > current_app.config[limit.setting]:
        _refuse(limit, retry_after)
