"""/api/vote/action/: toggle or set a user's vote on a talk while voting is open."""
from flask import Blueprint, jsonify

from .. import auth, eligibility, params, phases
from ..accounts import verification
from ..store import talks, votes
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
    mark = talks.votable(talk_id)
    if mark is None:
        raise no_such_talk()
    eligibility.require(user["email"], "vote")
    verification.require(user, "vote")
    # A quarantined account's vote is kept but not counted.
    voted, count = votes.cast(user["_id"], talk_id, want, auth.signals(), counted=not user.get("quarantined"),
                              mark=mark)
    reply = {"success": True, "action": "create vote" if voted else "delete vote"}
    if phases.counts_shown("voting"):  # With LT_SHOW_COUNTS=after the count stays secret too.
        reply["votes"] = count
    return jsonify(reply)
