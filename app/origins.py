"""Refusing state changes that a page on another site makes a visitor's browser ask for (CSRF).

site.js and the dashboard only make same-origin requests, and old clients and curl send none of
the headers looked at here, so both keep working. Browsers name where a request comes from in
Sec-Fetch-Site, Origin or Referer; any one of them naming another site is enough to refuse."""
from urllib.parse import urlsplit

from flask import request

from .errors import ApiError

FOREIGN_FETCH_SITES = ("cross-site", "same-site")  # same-site: a sibling subdomain is another site too


def _changes_state():
    """Any unsafe method, and, by the legacy contract, a GET or HEAD on a route that also takes
    POST: registering, logging in and out, pitching and voting all work over GET too."""
    if request.method == "OPTIONS":  # Flask answers it alone, listing the methods
        return False
    if request.method not in ("GET", "HEAD"):
        return True
    return request.url_rule is not None and "POST" in request.url_rule.methods


def _is_own_origin(url):
    """Whether a URL is on this site: the request's host and port, and https when the request is.
    Over plain http an https origin is ours too: a TLS terminator in front hides https from the app."""
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False
    schemes = ("https",) if request.is_secure else ("http", "https")
    return parts.scheme in schemes and parts.netloc.lower() == request.host.lower()


def _from_another_site():
    """Whether any header the browser set says the request comes from another site."""
    headers = request.headers
    if headers.get("Sec-Fetch-Site") in FOREIGN_FETCH_SITES:
        return True
    # "Origin: null" (a sandboxed frame, a cross-site redirect) names no site of ours either.
    claimed = (headers.get("Origin"), headers.get("Referer"))
    return any(url and not _is_own_origin(url) for url in claimed)


def refuse_cross_site():
    """Refuse (403) a state-changing request that another site's page sent."""
    if _changes_state() and _from_another_site():
        raise ApiError("Refused: this request came from another site.", 403)
