"""CSRF protection for the dashboard's forms, on top of the app-wide Origin check.

Browsers resend cached Basic-auth credentials with any request, even one a hostile page makes,
so every form carries a token signed with LT_SECRET_KEY and bound to the organizer. API clients
(no Origin, no Sec-Fetch-Site, not asking for HTML) authenticate each call themselves and need none."""
from flask import current_app, request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from ... import auth
from ...errors import ApiError

FIELD = "csrf_token"
MAX_AGE = 12 * 3600  # a dashboard tab left open over a conference day still works


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="dashboard-csrf")


def token():
    """A fresh token for the logged-in organizer's forms."""
    return _serializer().dumps(auth.organizer_name())


def _from_browser():
    """Whether the request looks like a browser's: it names its origin, or it asks for a page back."""
    return ("Origin" in request.headers or "Sec-Fetch-Site" in request.headers
            or request.accept_mimetypes.accept_html)


def check():
    """Refuse (403) a browser's state-changing request without a valid token for this organizer."""
    if request.method in ("GET", "HEAD", "OPTIONS") or not _from_browser():
        return
    try:
        organizer = _serializer().loads(request.form.get(FIELD, ""), max_age=MAX_AGE)
    except BadSignature:
        organizer = None
    if organizer != auth.organizer_name():
        raise ApiError("This form is out of date or did not come from the dashboard: reload the page and try again.", 403)
