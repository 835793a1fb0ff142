"""/api/session/: the public list of talks; pitching a talk, and its speaker changing or withdrawing it."""
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
def action():
    """Pitch a talk (the default action), or `update`/`withdraw` one's own, while pitching is open."""
    values = params.fields()
    user = auth.attendee(values)
    phases.require("pitching")
    verification.require(user, "pitch")
    what = params.text(values, "action", required=False, max_length=20) or "create"
    if what not in ACTIONS:
        raise ApiError(f"Unknown action {what!r}: use create, update or withdraw.", field="action")
    reply, status = ACTIONS[what](values, user)
    bake.rebake_soon()  # The page lists pitched talks while pitching; a flood of pitches shares re-bakes.
    return jsonify(success=True, **reply), status


def _title_and_description(values):
    return (params.text(values, "title", max_length=talks.MAX_TITLE),
            params.text(values, "description", max_length=talks.MAX_DESCRIPTION, multiline=True))


def _create(values, user):
    title, description = _title_and_description(values)
    most = current_app.config["PITCHES_PER_USER"]
    if not users.take_pitch_slot(user["_id"], most):
        raise ApiError(f"You have pitched {most} talks, the most one account may.", 403)
    return {"action": "create", "session": talks.create(user, title, description)}, 201


def _own_talk(values, user):
    """The id of the talk named by `session`, if `user` pitched it; 404 or 403 otherwise."""
    talk_id = params.identifier(values, "session", no_such_talk())
    speaker = talks.speaker_of(talk_id)
    if speaker is None:
        raise no_such_talk()
    if speaker != user["_id"]:
        raise ApiError("Only the speaker can change or withdraw this talk.", 403)
    return talk_id


def _update(values, user):
    talk_id = _own_talk(values, user)
    if not talks.update(talk_id, user["_id"], *_title_and_description(values)):
        raise no_such_talk()
    return {"action": "update", "session": talk_id}, 200


def _withdraw(values, user):
    talk_id = _own_talk(values, user)
    if not talks.withdraw(talk_id, user["_id"]):
        raise no_such_talk()
    return {"action": "withdraw", "session": talk_id}, 200


ACTIONS = {"create": _create, "update": _update, "withdraw": _withdraw}


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
