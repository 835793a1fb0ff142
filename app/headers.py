"""Security headers on every reply; nginx sends the same ones in the stack."""
from flask import request

SECURITY_HEADERS = {
    # No inline script anywhere: site.js and the dashboard load their code from files.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def for_env(env):
    """The headers every reply carries in this environment: HSTS only in production."""
    headers = dict(SECURITY_HEADERS)
    if env == "production":
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return headers


def init_app(app):
    """Add the headers to every response; an API reply that does not say how to cache it says not to."""
    headers = for_env(app.config["ENV"])

    @app.after_request
    def _secure(response):
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        if request.path.startswith("/api/"):  # a cache in front must store only what the app allows
            response.headers.setdefault("Cache-Control", "no-store")
        return response
