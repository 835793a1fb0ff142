"""Serving the baked www/ folder from Flask, for `fab serve`; in the stack nginx does this."""
from flask import Blueprint, abort, current_app, send_from_directory

bp = Blueprint("site", __name__)


@bp.route("/", defaults={"path": "index.html"})
@bp.route("/<path:path>")
def static_file(path):
    """A file from www/ (index.html for /)."""
    if path.endswith("/"):
        path += "index.html"
    if any(part.startswith(".") for part in path.split("/")):
        abort(404)  # the bake's lock and half-written temp files, as nginx refuses them too
    # Files under assets/ carry a content hash in their name, so they may be cached forever.
    max_age = 365 * 24 * 3600 if path.startswith("assets/") else 0
    return send_from_directory(current_app.config["WWW_DIR"], path, max_age=max_age)
