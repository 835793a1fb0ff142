"""Organizer actions on the phase, talks and accounts: each changes the data, is audited, and re-bakes the homepage."""
from .. import phases
from ..errors import ApiError
from ..homepage import bake
from ..counts import ledger
from ..store import audit, talks, users

TALK_ACTIONS = {  # (field, value): what the audit log calls it
    ("accepted", True): "accept", ("accepted", False): "unaccept",
    ("hidden", True): "hide", ("hidden", False): "unhide",
}


def switch_phase(phase, by):
    """Switch the phase now (or back to the schedule) and re-bake the homepage for it; return the phase in force."""
    now = phases.switch(phase, by)
    audit.record(by, "phase", phase, f"in force: {now}")
    bake.rebake()
    return now


def moderate_talk(talk_id, field, value, by):
    """Accept/unaccept or hide/unhide a talk; the homepage is re-baked so it shows the change at once."""
    talk = talks.find(talk_id)
    if talk is None:
        raise ApiError("No such talk: it may have been removed from the database.", 404)
    if talks.set_moderation(talk_id, field, value):
        audit.record(by, TALK_ACTIONS[field, value], f"talk “{talk['title']}”", f"by {talk['speaker']}")
        bake.rebake()


def quarantine(user_ids, by, reason=""):
    """Stop these accounts' votes counting and take them off the counts now; return how many accounts changed."""
    return _set_quarantine(user_ids, True, by, reason)


def release(user_ids, by):
    """Let these accounts' votes count again, restoring the counts; return how many accounts changed."""
    return _set_quarantine(user_ids, False, by, "")


def _set_quarantine(user_ids, quarantined, by, reason):
    # The flag goes first, so a vote cast meanwhile is already stored as (un)counted.
    changed = users.set_quarantined(user_ids, quarantined)
    flipped = ledger.set_counted(changed, not quarantined)
    contacts = users.contacts(changed)
    action = "quarantine" if quarantined else "release"
    for user_id in changed:
        audit.record(by, action, f"account {contacts[user_id]['email']}", reason)
    if flipped:
        bake.rebake()
    return len(changed)
