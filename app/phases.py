"""Which phase the site is in: pitching, then voting, then closed."""
import time
from datetime import datetime, timezone

from flask import current_app

from .config import PHASES
from .errors import ApiError
from .store import overrides

# An organizer's switch reaches the other workers within this many seconds; each vote need not ask.
OVERRIDE_CACHE_SECONDS = 1.0
CLOSED_TEXT = {
    "pitching": "Pitching is closed.",
    "voting": "Voting is not open.",
}


def from_schedule(config, now):
    """The phase the configured dates give at `now`, or None without a schedule."""
    closes, opens = config["VOTING_CLOSES"], config["VOTING_OPENS"]
    if closes and now >= closes:
        return "closed"
    if opens and now >= opens:
        return "voting"
    if config["PITCHING_OPENS"] or opens or closes:
        return "pitching"
    return None


def resolve(config, override, now):
    """LT_PHASE forces; else the organizer's override; else the schedule; else pitching."""
    return config["PHASE"] or override or from_schedule(config, now) or "pitching"


def _override():
    """The organizer's phase, read at most once a second per app."""
    now = time.monotonic()
    cached = current_app.extensions.get("phase_override")
    if cached is None or now >= cached[1]:
        cached = (overrides.phase_override(), now + OVERRIDE_CACHE_SECONDS)
        current_app.extensions["phase_override"] = cached
    return cached[0]


def current():
    """The phase in force now."""
    config = current_app.config
    override = None if config["PHASE"] else _override()
    return resolve(config, override, datetime.now(timezone.utc))


def counts_shown(phase):
    """Whether vote counts are public in `phase`: always, or with LT_SHOW_COUNTS=after only once closed."""
    return current_app.config["SHOW_COUNTS"] == "always" or phase == "closed"


def require(phase):
    """Refuse the action with a 403 unless the site is in `phase`."""
    now = current()
    if now != phase:
        raise ApiError(f"{CLOSED_TEXT[phase]} The site is now in the {now} phase.", 403)


def switch(phase, by):
    """Set the organizer's override; 'schedule' hands control back to the dates."""
    if phase == "schedule":
        overrides.set_phase_override(None, by)
    elif phase in PHASES:
        overrides.set_phase_override(phase, by)
    else:
        raise ApiError(f"Unknown phase {phase!r}: use one of {', '.join(PHASES)} or schedule.")
    current_app.extensions.pop("phase_override", None)  # this worker sees its own switch at once
    return current()
