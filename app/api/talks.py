"""/api/session/: the public list of talks, and pitching a new one."""
from flask import Blueprint, jsonify, request

from .. import auth, params, phases
from ..errors import ApiError
from ..store import talks

bp = Blueprint("talks", __name__)

MAX_TITLE, MAX_DESCRIPTION = 200, 5000


def no_such_talk():
    """The refusal for a talk id that names no visible talk."""
    return ApiError("No such talk.", 404)


@bp.route("/api/session/action/", methods=["GET", "POST"], strict_slashes=False)
def pitch():
    """Create a talk by the given user while pitching is open."""
    values = params.fields()
    user = auth.attendee(values)
    phases.require("pitching")
    title = params.text(values, "title", max_length=MAX_TITLE)
    description = params.text(values, "description", max_length=MAX_DESCRIPTION, multiline=True)
    talk_id = talks.create(user, title, description)
    return jsonify(success=True, action="create", session=talk_id), 201


@bp.route("/api/session/", methods=["GET"], strict_slashes=False)
def public_list():
    """Every visible talk, or one with ?_id=; cacheable for a second, with an ETag."""
    talk_id = params.identifier(request.args, "_id", no_such_talk(), required=False)
    if talk_id:
        talk = talks.public_one(talk_id)
        if talk is None:
            raise no_such_talk()
        body = {"success": True, "session": talk}
    else:
        body = {"success": True, "phase": phases.current(), "sessions": talks.public_list()}
    response = jsonify(body)
    response.headers["Cache-Control"] = "public, max-age=1"
    response.add_etag()
    return response.make_conditional(request)
