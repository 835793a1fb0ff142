"""/api/health: whether the app and its database answer, for probes."""
from flask import Blueprint, current_app, jsonify

from .. import phases
from ..db import get_db

bp = Blueprint("health", __name__)


@bp.route("/api/health", methods=["GET", "HEAD"], strict_slashes=False)
def health():
    """200 with the phase and deployed release when the database answers; the error handler makes it a 503 when not."""
    get_db().command("ping")
    response = jsonify(ok=True, db="up", phase=phases.current(), release=current_app.config["RELEASE"] or None)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.after_request
def name_the_release(response):
    """Every reply of /api/health, a server error too, names the release that made it: a deploy's check tells a new
    release's own failure (switch back now) from the old release, or a proxy, still answering (wait)."""
    if current_app.config["RELEASE"]:
        response.headers["X-Release"] = current_app.config["RELEASE"]
    return response
