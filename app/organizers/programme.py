"""The programme: the accepted talks in the running order the organizers set, and its download."""
from ..errors import ApiError
from ..store import audit, talks

PROGRAMME_FIELDS = ("order", "title", "description", "speaker", "email", "votes", "talk_id")


def running_order(standings):
    """The accepted, visible talks in running order: by the slot an organizer gave them, then (talks
    accepted since, without one) by rank, at the end."""
    accepted = [row for row in standings if row.get("accepted") and row["rank"] is not None]
    slots = {row["_id"]: row["slot"] for row in accepted if row.get("slot")}
    # A talk accepted earlier, unaccepted and accepted again keeps an old slot that may be shared: the
    # rank breaks that tie, and the next move numbers every talk afresh.
    positions = {row["_id"]: i for i, row in enumerate(accepted)}
    return sorted(accepted, key=lambda row: (slots.get(row["_id"], len(accepted) + 1), positions[row["_id"]]))


def move(standings, talk_id, direction, by):
    """Swap a talk with its neighbour before (up) or after (down) it, store the whole order, audit it;
    return its new place (1-based)."""
    order = running_order(standings)
    ids = [row["_id"] for row in order]
    if talk_id not in ids:
        raise ApiError("That talk is not in the programme: only accepted talks have a place.", 404)
    at = ids.index(talk_id)
    to = at - 1 if direction == "up" else at + 1
    if not 0 <= to < len(ids):
        raise ApiError(f"“{order[at]['title']}” is already {'first' if direction == 'up' else 'last'}.", 409)
    ids[at], ids[to] = ids[to], ids[at]
    talks.set_slots(ids)
    audit.record(by, f"move {direction}", f"talk “{order[at]['title']}”", f"now #{to + 1} of {len(ids)}")
    return to + 1


def rows(order):
    """The programme as flat records for the CSV and JSON downloads."""
    return [{"order": place, "title": row["title"], "description": row.get("description", ""), "speaker": row["speaker"],
             "email": row["email"], "votes": row["votes"], "talk_id": row["_id"]}
            for place, row in enumerate(order, start=1)]
