"""Every error the API gives, in one shape: {"success": false, "text": "..."} with a status, plus
"field" when one input is at fault, so a form can show the text next to it."""
from flask import jsonify
from pymongo.errors import ConnectionFailure
from werkzeug.exceptions import HTTPException

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


def _api_error(exc):
    return error_response(exc.text, exc.status, exc.headers, exc.field)


def _http_error(exc):
    text = {
        404: "Not found: check the address.",
        405: "Method not allowed on this address.",
        413: "Request too large: fields are short text.",
    }.get(exc.code, exc.description)
    # Keep the headers that carry meaning (Allow, WWW-Authenticate), not the HTML content type.
    kept = {k: v for k, v in exc.get_headers() if k in ("Allow", "WWW-Authenticate")}
    return error_response(text, exc.code, kept)


def init_app(app):
    """Route every error through the one JSON shape."""
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(HTTPException, _http_error)

    # ConnectionFailure covers server selection timeouts and lost connections alike.
    @app.errorhandler(ConnectionFailure)
    def _database_down(exc):
        app.logger.error("database unavailable: %s", exc.__class__.__name__)
        return error_response("The database is unavailable; please try again in a moment.", 503, {"Retry-After": "5"})
