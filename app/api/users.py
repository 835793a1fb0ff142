"""/api/user/action/: register, log in, log out."""
from email_validator import EmailNotValidError, validate_email
from flask import Blueprint, jsonify, request

from .. import auth, eligibility, params, phases, ratelimit
from ..errors import ApiError
from ..store import talks, users, votes

bp = Blueprint("users", __name__)

MIN_PASSWORD = 8
# A login must not tell whether an account has this email (registering with a taken one must).
WRONG_LOGIN = "Wrong password, or no account has this email. New here? Give your name too, to create an account."
WRONG_PASSWORD = "Wrong password for this email."


def _email(values):
    """The email, trimmed, checked for shape and lower-cased for comparison."""
    raw = params.text(values, "email", max_length=254)
    try:
        return validate_email(raw, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ApiError(f"That email does not look right: {exc}") from None


def _password(values):
    password = params.text(values, "password", max_length=1024, raw=True)
    if len(password) < MIN_PASSWORD:
        raise ApiError(f"Passwords are at least {MIN_PASSWORD} characters.")
    return password


def _reply(user, action):
    response = jsonify(
        success=True, action=action, _id=user["_id"], name=user["name"],
        votes="|".join(votes.talks_voted_by(user["_id"])),
    )
    response.headers["Cache-Control"] = "no-store"
    return auth.remember(response, user)


def _log_in(email, password, ip, refusal):
    """The account if the password is right; None if no account has this email; else 401 with `refusal`."""
    user, right = users.authenticate(email, password)
    if right:
        ratelimit.spend(ratelimit.LOGINS_PER_IP, ip)
        return user
    if user:
        ratelimit.spend(ratelimit.LOGIN_FAILS_PER_EMAIL, email)
        ratelimit.spend(ratelimit.LOGIN_FAILS_PER_IP, ip)
        raise ApiError(refusal, 401)
    return None


@bp.route("/api/user/action/", methods=["GET", "POST"], strict_slashes=False)
def action():
    """Register when the email is new and a name is given; log in when the password matches."""
    values = params.fields()
    if params.flag(values, "logout"):
        return auth.forget(jsonify(success=True, action="logout"))
    email, password = _email(values), _password(values)
    name = params.text(values, "name", required=False, max_length=100)
    ip = request.remote_addr
    ratelimit.check(ratelimit.LOGIN_FAILS_PER_EMAIL, email)
    ratelimit.check(ratelimit.LOGIN_FAILS_PER_IP, ip)
    ratelimit.check(ratelimit.LOGINS_PER_IP, ip)  # before the scrypt work
    user = _log_in(email, password, ip, WRONG_PASSWORD if name else WRONG_LOGIN)
    if user:
        return _reply(user, "login")
    if not name:
        ratelimit.spend(ratelimit.LOGIN_FAILS_PER_IP, ip)  # probing for registered emails
        raise ApiError(WRONG_LOGIN, 401)
    eligibility.require(email, "register")
    ratelimit.spend(ratelimit.REGISTRATIONS_PER_IP, ip)
    user = users.register(email, password, name, auth.signals())
    if user is None:  # A concurrent request registered this email a moment ago: log in to it instead.
        user = _log_in(email, password, ip, WRONG_PASSWORD)
        if user is None:
            raise ApiError("This email was just registered; log in instead.", 409)
        return _reply(user, "login")
    return _reply(user, "register")


@bp.route("/api/user/me", methods=["GET"], strict_slashes=False)
def me():
    """Who the login cookie belongs to: name, the talks they vote for and their own pitches.
    This is how site.js restores a login after a reload; the user's id is not in the reply."""
    user = auth.logged_in()
    response = jsonify(
        success=True, name=user["name"], votes=votes.talks_voted_by(user["_id"]),
        talks=talks.by_speaker(user["_id"], phases.counts_shown(phases.current())),
    )
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Cookie")
    return response
