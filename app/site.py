"""Serving the baked www/ folder from Flask, for `fab serve`; in the stack nginx does this."""
from flask import Blueprint, current_app, send_from_directory

bp = Blueprint("site", __name__)


@bp.route("/", defaults={"path": "index.html"})
@bp.route("/<path:path>")
def static_file(path):
    """A file from www/ (index.html for /)."""
    if path.endswith("/"):
        path += "index.html"
    return send_from_directory(current_app.config["WWW_DIR"], path, max_age=0)
