"""/api/vote/action/: toggle or set a user's vote on a talk while voting is open."""
from flask import Blueprint, jsonify

from .. import auth, eligibility, params, phases
from ..accounts import verification
from ..counts import ledger
from .talks import no_such_talk

bp = Blueprint("votes", __name__)


@bp.route("/api/vote/action/", methods=["GET", "POST"], strict_slashes=False)
def vote():
    """Toggle the vote, or set it with vote=1/0 so that a retried request changes nothing."""
    values = params.fields()
    user = auth.attendee(values)
    talk_id = params.identifier(values, "session", no_such_talk())
    want = params.flag(values, "vote")
    phases.require("voting")
    eligibility.require(user["email"], "vote")
    verification.require(user, "vote")
    result = ledger.cast(user, talk_id, want, auth.signals())
    if result is None:
        raise no_such_talk()
    voted, count = result
    reply = {"success": True, "action": "create vote" if voted else "delete vote"}
    if phases.counts_shown("voting"):  # With LT_SHOW_COUNTS=after the count stays secret too.
        reply["votes"] = count
    return jsonify(reply)
