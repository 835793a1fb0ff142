"""Fixed-window rate limits on logins (attendees' and organizers'), registrations and mailed links: 429 and Retry-After."""
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


# Wrong passwords are counted per email *and* address: a guesser is stopped at their address, while
# the owner elsewhere still logs in (docs/security.md says why not per email alone).
LOGIN_FAILS_PER_EMAIL = Limit("login-email-ip", "LOGIN_FAILS_PER_EMAIL", 900,
                              "Too many wrong passwords for this email from your network.")
LOGIN_FAILS_PER_IP = Limit("login-ip", "LOGIN_FAILS_PER_IP", 900,
                           "Too many wrong passwords from your network.")
LOGIN_PROBES_PER_IP = Limit("probe-ip", "LOGIN_PROBES_PER_IP", 900,
                            "Too many logins with unknown emails from your network.")
DASHBOARD_FAILS_PER_IP = Limit("dashboard-ip", "DASHBOARD_FAILS_PER_IP", 900,
                               "Too many wrong dashboard passwords from your network.")
REGISTRATIONS_PER_IP = Limit("register-ip", "REGISTRATIONS_PER_IP", 3600,
                             "Too many new accounts from your network.")
# Anyone may ask for a link to be mailed to any address: these keep that from flooding a mailbox.
MAILS_PER_EMAIL = Limit("mail-email", "MAILS_PER_EMAIL", 3600, "Too many emails asked for this address.")
MAILS_PER_IP = Limit("mail-ip", "MAILS_PER_IP", 3600, "Too many emails asked for from your network.")


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
