"""Which phase the site is in: pitching, then voting, then closed."""
from datetime import datetime, timezone

from flask import current_app

from .config import PHASES
from .errors import ApiError
from .store import overrides

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


def current():
    """The phase in force now."""
    config = current_app.config
    override = None if config["PHASE"] else overrides.phase_override()
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
    return current()
