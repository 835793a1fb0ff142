"""/api/dashboard/: the organizers' page, behind Basic auth."""
from flask import Blueprint, redirect, render_template, request, url_for

from . import auth, params, phases
from .config import PHASES
from .store import talks, users, votes

bp = Blueprint("dashboard", __name__, url_prefix="/api/dashboard")


@bp.route("/", methods=["GET"])
@auth.organizer_required
def overview():
    """The phase, the counts and every talk ranked by votes."""
    return render_template(
        "dashboard.html",
        phase=phases.current(),
        phases=PHASES,
        ranking=talks.ranking(),
        totals={"users": users.count(), "talks": talks.count(), "votes": votes.count()},
    )


@bp.route("/phase", methods=["POST"], strict_slashes=False)
@auth.organizer_required
def switch_phase():
    """Switch the phase now; a browser form goes back to the page, an API client gets JSON."""
    phase = params.text(params.fields(), "phase", max_length=20).lower()
    now = phases.switch(phase, auth.organizer_name())
    if request.accept_mimetypes.accept_html:
        return redirect(url_for(".overview"), 303)
    return {"success": True, "phase": now}
