"""/api/dashboard/: the organizers' pages, behind Basic auth, with CSRF-checked forms.

nginx proxies all of /api/dashboard/ to the app, so the page's CSS and JS are served from here
too, under the same login."""
from flask import Blueprint, redirect, url_for

from ... import auth, errors

bp = Blueprint("dashboard", __name__, url_prefix="/api/dashboard", static_folder="static")

from . import actions, csrf, downloads, guide, pages  # noqa: E402,F401  (each registers its routes on bp)


@bp.record_once
def _on_the_app(state):
    """Browsers get error pages (not JSON) under the dashboard's prefix, and the short /dashboard leads to it."""
    errors.html_pages(state.app, bp.url_prefix, "dashboard/error.html")
    state.app.add_url_rule("/dashboard", "dashboard_short", lambda: redirect(url_for("dashboard.overview"), 301),
                           strict_slashes=False)


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
