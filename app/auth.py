"""Who is asking: an attendee by their user id, an organizer by HTTP Basic auth."""
import functools
import hmac

from flask import current_app, request

from . import params, ratelimit
from .errors import ApiError
from .store import users

COOKIE = "lt_user"
# A readable "1" beside the login, so the page knows without a request (and a 401 in the console)
# whether to ask /api/user/me who is logged in. It holds no secret; nginx and Varnish ignore it.
HINT_COOKIE = "lt_in"
LOGIN_DAYS = 90


def _unknown_user():
    return ApiError("Unknown user: log in again.", 401)


def _user(user_id):
    """The user with this id from a field or the cookie; 401 if none is given or it names nobody."""
    if not user_id:
        raise ApiError("Log in first: no user given.", 401)
    user = users.find(user_id)
    if user is None:
        raise _unknown_user()
    return user


def attendee(values):
    """The user named by the `user` field, or on a POST by the login cookie; 401 if unknown."""
    user_id = params.identifier(values, "user", _unknown_user(), required=False)
    if not user_id and request.method == "POST":
        return logged_in()
    return _user(user_id)


def logged_in():
    """The user named by the login cookie alone; 401 if there is none or it names nobody."""
    return _user(params.identifier({"user": request.cookies.get(COOKIE)}, "user", _unknown_user(), required=False))


def cookie_is(user):
    """Whether this browser's login cookie names this account."""
    return hmac.compare_digest(request.cookies.get(COOKIE, "").encode(), user["_id"].encode())


def remember(response, user):
    """Keep the login in a cookie that page scripts cannot read and other sites cannot send."""
    secure = current_app.config["ENV"] == "production"
    response.set_cookie(COOKIE, user["_id"], max_age=LOGIN_DAYS * 24 * 3600, httponly=True, samesite="Strict",
                        secure=secure, path="/api/")
    response.set_cookie(HINT_COOKIE, "1", max_age=LOGIN_DAYS * 24 * 3600, samesite="Strict", secure=secure, path="/")
    return response


def forget(response):
    """Drop the login cookie and its hint."""
    response.delete_cookie(COOKIE, path="/api/", httponly=True, samesite="Strict")
    response.delete_cookie(HINT_COOKIE, path="/", samesite="Strict")
    return response


def _organizer_ok(auth):
    config = current_app.config
    if auth is None or auth.type != "basic":
        return False
    # Compare both fields in constant time, always both, so timing tells nothing.
    user_ok = hmac.compare_digest((auth.username or "").encode(), config["DASHBOARD_USER"].encode())
    password_ok = hmac.compare_digest((auth.password or "").encode(), config["DASHBOARD_PASSWORD"].encode())
    return user_ok and password_ok


def organizer_required(view):
    """Let the view run only for the organizer's Basic auth credentials; 401 otherwise, 429 after many wrong ones."""
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        # Checked before the password, so that a guesser over the limit cannot tell a right guess either.
        ratelimit.check(ratelimit.DASHBOARD_FAILS_PER_IP, request.remote_addr)
        if not _organizer_ok(request.authorization):
            if request.authorization is not None:  # a browser asks first without any: that is no guess
                ratelimit.spend(ratelimit.DASHBOARD_FAILS_PER_IP, request.remote_addr)
            raise organizer_refused()
        return view(*args, **kwargs)
    return wrapped


def organizer_refused():
    """The 401 that makes a browser ask for the dashboard's user and password."""
    return ApiError("Organizers only: log in with the dashboard's user and password.", 401,
                    {"WWW-Authenticate": 'Basic realm="lightning-talks dashboard", charset="UTF-8"'})


def organizer_name():
    """The logged-in organizer, for audit records."""
    return request.authorization.username


def signals():
    """What the request says about where it came from, kept for spotting fake voters."""
    return {
        "ip": request.remote_addr,
        "ua": request.headers.get("User-Agent", "")[:300],
        "fingerprint": params.text(params.fields(), "fingerprint", required=False, max_length=128),
    }
