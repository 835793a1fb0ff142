"""/api/dashboard/: the organizers' pages, behind Basic auth, with CSRF-checked forms.

nginx proxies all of /api/dashboard/ to the app, so the page's CSS and JS are served from here
too, under the same login."""
from flask import Blueprint

from ... import auth

bp = Blueprint("dashboard", __name__, url_prefix="/api/dashboard", static_folder="static")

from . import actions, csrf, downloads, pages  # noqa: E402,F401  (each registers its routes on bp)


@bp.before_request
@auth.organizer_required
def _organizers_only():
    """Every dashboard address needs the organizer's login, and a browser's POST the page's CSRF token."""
    csrf.check()


@bp.after_request
def _private(response):
    """Voters' emails and fraud reports must not sit in any cache."""
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.context_processor
def _form_token():
    return {"csrf_token": csrf.token}


@bp.route("/refused", methods=["GET"])
def refused():
    """Where nginx hands the logins its htpasswd refuses, so that the check above counts them; nobody gets in."""
    raise auth.organizer_refused()
