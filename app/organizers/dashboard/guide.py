"""The organizer guide (docs/organizers.md), readable from the dashboard wherever the site runs."""
from flask import send_file

from ...config import ROOT
from . import bp

GUIDE = ROOT / "docs" / "organizers.md"


@bp.route("/guide", methods=["GET"])
def guide():
    """The guide as plain text: Markdown reads well as it is, and needs no renderer."""
    return send_file(GUIDE, mimetype="text/plain; charset=utf-8", max_age=0)
