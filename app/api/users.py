"""/api/user/action/: register, log in, log out."""
from email_validator import EmailNotValidError, validate_email
from flask import Blueprint, jsonify, request

from .. import auth, eligibility, params, phases, ratelimit
from ..errors import ApiError
from ..store import talks, users, votes

bp = Blueprint("users", __name__)

MIN_PASSWORD = 8


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


def _log_in(user, password, ip):
    """The account if the password is right; else 401, or 429 once this address has guessed too often."""
    # Checked before the password, so that a guesser over a limit cannot tell a right guess either. Keyed
    # by address too, so that guessing an email locks out the guesser and not the owner elsewhere.
    email_from_ip = f"{user['email']} {ip}"
    ratelimit.check(ratelimit.LOGIN_FAILS_PER_EMAIL, email_from_ip)
    ratelimit.check(ratelimit.LOGIN_FAILS_PER_IP, ip)
    if users.password_matches(user, password):
        return user
    ratelimit.spend(ratelimit.LOGIN_FAILS_PER_EMAIL, email_from_ip)
    ratelimit.spend(ratelimit.LOGIN_FAILS_PER_IP, ip)
    raise ApiError("Wrong password for this email.", 401)


@bp.route("/api/user/action/", methods=["GET", "POST"], strict_slashes=False)
def action():
    """Register when the email is new and a name is given; log in when the password matches."""
    values = params.fields()
    if params.flag(values, "logout"):
        return auth.forget(jsonify(success=True, action="logout"))
    email, password = _email(values), _password(values)
    name = params.text(values, "name", required=False, max_length=100)
    ip = request.remote_addr
    user = users.by_email(email)
    if user:
        return _reply(_log_in(user, password, ip), "login")
    if not name:
        # Probing for registered emails has its own budget: it must not use up logins' or registrations'.
        ratelimit.spend(ratelimit.LOGIN_PROBES_PER_IP, ip)
        raise ApiError("No account has this email. To register, give your name too.", 404)
    eligibility.require(email, "register")
    ratelimit.spend(ratelimit.REGISTRATIONS_PER_IP, ip)
    user = users.register(email, password, name, auth.signals())
    if user is None:  # A concurrent request registered this email a moment ago: log in to it instead.
        user = users.by_email(email)
        if user is None:
            raise ApiError("This email was just registered; log in instead.", 409)
        return _reply(_log_in(user, password, ip), "login")
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
