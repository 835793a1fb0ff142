"""/api/session/: the public list of talks, and pitching a new one."""
from flask import Blueprint, current_app, jsonify, request

from .. import auth, params, phases
from ..accounts import verification
from ..errors import ApiError
from ..homepage import bake
from ..store import talks, users

bp = Blueprint("talks", __name__)


def no_such_talk():
    """The refusal for a talk id that names no visible talk."""
    return ApiError("No such talk.", 404)


@bp.route("/api/session/action/", methods=["GET", "POST"], strict_slashes=False)
def pitch():
    """Create a talk by the given user while pitching is open."""
    values = params.fields()
    user = auth.attendee(values)
    phases.require("pitching")
    verification.require(user, "pitch")
    title = params.text(values, "title", max_length=talks.MAX_TITLE)
    description = params.text(values, "description", max_length=talks.MAX_DESCRIPTION, multiline=True)
    most = current_app.config["PITCHES_PER_USER"]
    if not users.take_pitch_slot(user["_id"], most):
        raise ApiError(f"You have pitched {most} talks, the most one account may.", 403)
    talk_id = talks.create(user, title, description)
    bake.rebake_soon()  # The page lists pitched talks while pitching; a flood of pitches shares re-bakes.
    return jsonify(success=True, action="create", session=talk_id), 201


@bp.route("/api/session/", methods=["GET"], strict_slashes=False)
def public_list():
    """Every visible talk, or one with ?_id=; cacheable for a second, with an ETag.
    Counts are left out while LT_SHOW_COUNTS hides them, or hiding them on the page would be cosmetic."""
    talk_id = params.identifier(request.args, "_id", no_such_talk(), required=False)
    phase = phases.current()
    with_counts = phases.counts_shown(phase)
    if talk_id:
        talk = talks.public_one(talk_id, with_counts)
        if talk is None:
            raise no_such_talk()
        body = {"success": True, "session": talk}
    else:
        # Every open page polls this, so a phase the schedule opened gets baked within seconds.
        bake.follow_phase(phase)
        body = {"success": True, "phase": phase, "sessions": talks.public_list(with_counts)}
    response = jsonify(body)
    response.headers["Cache-Control"] = "public, max-age=1"
    response.add_etag()
    return response.make_conditional(request)
