"""/api/user/action/: register, log in, log out; the emailed-link actions are in account_links."""
from email_validator import EmailNotValidError, validate_email
from flask import Blueprint, jsonify, request

from .. import auth, eligibility, params, phases, ratelimit
from ..accounts import passwords, signin, verification
from ..errors import ApiError
from ..store import talks, users, votes
from . import account_links

bp = Blueprint("users", __name__)

MIN_PASSWORD = 8
# A login must not tell whether an account has this email (registering with a taken one must).
WRONG_LOGIN = "Wrong password, or no account has this email."
WRONG_PASSWORD = "This email already has an account. Log in with its password instead."


def _email_problem(raw):
    """What is wrong with an email address, in our words rather than the validator's."""
    local, at, domain = raw.rpartition("@")
    if not at or not local:
        return "An email address has a name, an @ and a domain, like ada@example.org."
    if "." not in domain:
        return f"The part after the @ should be a domain, like {local}@example.org."
    return "This email address has characters or dots where they cannot be. Check it for typos."


def _email(values):
    """The email, trimmed, checked for shape and lower-cased for comparison."""
    raw = params.text(values, "email", max_length=254)
    try:
        return validate_email(raw, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ApiError(_email_problem(raw), field="email") from None


def _password(values):
    password = params.text(values, "password", max_length=1024, raw=True)
    if len(password) < MIN_PASSWORD:
        raise ApiError(f"Passwords are at least {MIN_PASSWORD} characters.", field="password")
    return password


FIELDS = account_links.Fields(email=_email, password=_password)


def _reply(user, action, **extra):
    response = jsonify(
        success=True, action=action, _id=user["_id"], name=user["name"],
        votes="|".join(votes.talks_voted_by(user["_id"])), verified=not verification.pending(user), **extra,
    )
    response.headers["Cache-Control"] = "no-store"
    return auth.remember(response, user)


def _log_in(user, password, ip, refusal, registering=False):
    """The account if the password is right; None when `registering` over one that was never confirmed (the
    owner of the address may take it over); else 401 with `refusal`, or 429 once this address has guessed
    too often. Someone registering with a taken email is told so, so the page can offer to log in instead."""
    if passwords.matches(user, password, ip):
        return user
    if registering and verification.pending(user):
        return None
    raise ApiError(refusal, 401, field="email" if registering else "password")


@bp.route("/api/user/action/", methods=["GET", "POST"], strict_slashes=False)
def action():
    """Register when the email is new and a name is given; log in when the password matches."""
    values = params.fields()
    if params.flag(values, "logout"):
        return auth.forget(jsonify(success=True, action="logout"))
    linked = account_links.handler(values)
    if linked:
        return _linked_action(*linked, values)
    if signin.enabled():
        return _linked_action("link", account_links.ask_link, values)
    email, password = _email(values), _password(values)
    name = params.text(values, "name", required=False, max_length=100)
    ip = request.remote_addr
    existing = users.by_email(email)
    user = existing and _log_in(existing, password, ip, WRONG_PASSWORD if name else WRONG_LOGIN,
                                registering=bool(name))
    if user:
        return _reply(user, "login")
    if not name:
        # Probing for registered emails has its own budget: it must not use up logins' or registrations'.
        # The reply is a wrong password's: a login does not say whether the email has an account.
        ratelimit.spend(ratelimit.LOGIN_PROBES_PER_IP, ip)
        raise ApiError(WRONG_LOGIN, 401, field="password")  # as for a wrong password: nothing told
    eligibility.require(email, "register")
    ratelimit.spend(ratelimit.REGISTRATIONS_PER_IP, ip)
    user = verification.register(email, password, name, auth.signals())
    if user is None:  # A concurrent request registered this email a moment ago: log in to it instead.
        user = users.by_email(email)
        if user is None:
            raise ApiError("This email was just registered; log in instead.", 409, field="email")
        return _reply(_log_in(user, password, ip, WRONG_PASSWORD), "login")
    if "mailed" in user:
        return _reply(user, "register", text=verification.registered_text(user))
    return _reply(user, "register")


def _linked_action(name, run, values):
    """Run an emailed-link action; one that names an account logs it in, like a login."""
    user, extra = run(values, FIELDS)
    if user is not None:
        return _reply(user, name)
    response = jsonify(success=True, action=name, **extra)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/api/user/me", methods=["GET"], strict_slashes=False)
def me():
    """Who the login cookie belongs to: name, the talks they vote for and their own pitches.
    This is how site.js restores a login after a reload; the user's id is not in the reply."""
    user = auth.logged_in()
    response = jsonify(
        success=True, name=user["name"], verified=not verification.pending(user), votes=votes.talks_voted_by(user["_id"]),
        talks=talks.by_speaker(user["_id"], phases.counts_shown(phases.current())),
    )
    response.headers["Cache-Control"] = "no-store"
    response.vary.add("Cookie")
    return response
