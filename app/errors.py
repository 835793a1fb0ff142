"""Every error the API gives, in one shape: {"success": false, "text": "..."} with a status, plus
"field" when one input is at fault, so a form can show the text next to it.

A browser on an address that has HTML pages (the dashboard) gets the same text as a page instead."""
from flask import current_app, jsonify, render_template, request
from pymongo.errors import ConnectionFailure
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES


class ApiError(Exception):
    """Raised by views and the data layer for a refusal the user should read."""

    def __init__(self, text, status=400, headers=None, field=None):
        super().__init__(text)
        self.text = text
        self.status = status
        self.headers = headers or {}
        self.field = field


def error_response(text, status, headers=None, field=None):
    """The JSON reply for an error; `field` names the input at fault, if one is."""
    response = jsonify(success=False, text=text, **({"field": field} if field else {}))
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    response.headers.update(headers or {})
    return response


def html_pages(app, prefix, template):
    """Answer browsers' errors under this path prefix with `template` (given `status` and `text`)."""
    app.extensions.setdefault("error_pages", {})[prefix] = template


def wants_page():
    """Whether the client asks for a page: browsers name text/html; API clients name JSON, send */* (which
    best_match gives to JSON) or nothing."""
    return request.accept_mimetypes.best_match(["application/json", "text/html"]) == "text/html"


def _page_template():
    """The error page's template when a browser asks an address that has pages, else None (JSON)."""
    if not wants_page():
        return None
    pages = current_app.extensions.get("error_pages", {})
    return next((template for prefix, template in pages.items() if request.path.startswith(prefix)), None)


def _reply(text, status, headers=None, field=None):
    """The error as JSON, or as a page for a browser on an address that has pages."""
    template = _page_template()
    if template is None:
        return error_response(text, status, headers, field)
    page = current_app.response_class(render_template(
        template, status=status, reason=HTTP_STATUS_CODES.get(status, "Error"), text=text), status, headers or {})
    page.headers["Cache-Control"] = "no-store"
    return page


def _api_error(exc):
    return _reply(exc.text, exc.status, exc.headers, exc.field)


def _http_error(exc):
    text = {
        404: "Not found: check the address.",
        405: "Method not allowed on this address.",
        413: "Request too large: fields are short text.",
    }.get(exc.code, exc.description)
    # Keep the headers that carry meaning (Allow, WWW-Authenticate), not the HTML content type.
    kept = {k: v for k, v in exc.get_headers() if k in ("Allow", "WWW-Authenticate")}
    return _reply(text, exc.code, kept)


def init_app(app):
    """Route every error through the one JSON shape."""
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(HTTPException, _http_error)

    # ConnectionFailure covers server selection timeouts and lost connections alike.
    @app.errorhandler(ConnectionFailure)
    def _database_down(exc):
        app.logger.error("database unavailable: %s", exc.__class__.__name__)
        return _reply("The database is unavailable; please try again in a moment.", 503, {"Retry-After": "5"})
