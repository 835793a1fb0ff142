"""Organizer actions on the phase, talks and accounts: each changes the data, is audited, and re-bakes the homepage."""
from .. import phases
from ..errors import ApiError
from ..homepage import bake
from ..store import audit, talks, users, votes

TALK_ACTIONS = {  # (field, value): what the audit log calls it
    ("accepted", True): "accept", ("accepted", False): "unaccept",
    ("hidden", True): "hide", ("hidden", False): "unhide",
}


def switch_phase(phase, by, via="dashboard"):
    """Switch the phase now (or back to the schedule), audited with who and from where, and re-bake the
    homepage for it; return the phase in force."""
    before = phases.current()
    now = phases.switch(phase, by)
    audit.record(by, "phase", phase, f"was {before}, in force: {now} (via {via})")
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


def accept_top(plan, chosen_ids, by):
    """Accept the plan's sure talks and the chosen ones of those tied across the line: exactly `seats` of
    them, or all. Each acceptance and the decision as a whole are audited; return the talks accepted now."""
    tied = {row["_id"]: row for row in plan["tied"]}
    if not set(chosen_ids) <= set(tied):
        raise ApiError("Only talks tied across the line can be chosen.")
    chosen = [row for row in plan["tied"] if row["_id"] in chosen_ids]
    if not plan["sure"] and not plan["tied"]:
        raise ApiError("There are no talks to accept yet.", 409)
    if tied and len(chosen) not in (plan["seats"], len(tied)):
        raise ApiError(f"{len(tied)} talks tie on {plan['tied'][0]['votes']} votes for {plan['seats']} place(s): "
                       f"choose {plan['seats']} of them, or all {len(tied)}.")
    accepted = [talk for talk in plan["sure"] + chosen if talks.set_moderation(talk["_id"], "accepted", True)]
    for talk in accepted:
        audit.record(by, "accept", f"talk “{talk['title']}”", f"top {plan['n']}, {talk['votes']} votes")
    left_out = [row["title"] for row in plan["tied"] if row["_id"] not in chosen_ids]
    ties = f"; of the tied, chose {', '.join(r['title'] for r in chosen)}" if tied else ""
    audit.record(by, f"accept top {plan['n']}", f"{len(plan['sure']) + len(chosen)} talks",
                 f"{len(accepted)} newly accepted{ties}" + (f" over {', '.join(left_out)}" if left_out else ""))
    if accepted:
        bake.rebake()
    return accepted


def quarantine(user_ids, by, reason=""):
    """Stop these accounts' votes counting and take them off the counts now; return how many accounts changed."""
    return _set_quarantine(user_ids, True, by, reason)


def release(user_ids, by):
    """Let these accounts' votes count again, restoring the counts; return how many accounts changed."""
    return _set_quarantine(user_ids, False, by, "")


def _set_quarantine(user_ids, quarantined, by, reason):
    # The flag goes first, so a vote cast meanwhile is already stored as (un)counted.
    changed = users.set_quarantined(user_ids, quarantined)
    flipped = votes.set_counted(changed, not quarantined)
    contacts = users.contacts(changed)
    action = "quarantine" if quarantined else "release"
    for user_id in changed:
        audit.record(by, action, f"account {contacts[user_id]['email']}", reason)
    if flipped:
        bake.rebake()
    return len(changed)
