"""The actions of /api/user/action/ that mail a one-time link or redeem one (`action=...`).

They take POST only: a token or password in a URL would end up in logs and browser history."""
import re
from typing import Callable, NamedTuple

from flask import request

from .. import auth, params
from ..accounts import links, recovery, signin, verification
from ..errors import ApiError

TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,100}")


class Fields(NamedTuple):
    """How /api/user/action/ reads an email and a new password, so every action checks them alike."""

    email: Callable
    password: Callable


def _token(values):
    """The link's token; anything but the URL-safe characters we make them of names no link."""
    token = params.text(values, "token", max_length=100)
    if not TOKEN_SHAPE.fullmatch(token):
        raise links.dead()
    return token


def verify(values, fields):
    """action=verify: the link from the registration mail; logs the clicker in."""
    password = params.text(values, "password", required=False, max_length=1024, raw=True)
    return verification.confirm(_token(values), password), {}


def resend(values, fields):
    """action=resend: a new confirmation link for the logged-in, unconfirmed account."""
    user = auth.attendee(values)
    if not verification.resend(user):
        raise ApiError("The mail could not be sent just now; please try again in a moment.", 502)
    return None, {"text": f"We sent a new link to {user['email']}. Check your inbox."}


def forgot(values, fields):
    """action=forgot: mail a reset link; the same reply whether the email has an account or not."""
    recovery.forgot(fields.email(values))
    return None, {"text": recovery.FORGOT_REPLY}


def reset(values, fields):
    """action=reset: the link from the forgot mail, with the new password; logs the clicker in."""
    return recovery.reset(_token(values), fields.password(values)), {}


def login(values, fields):
    """action=login: the link from a sign-in mail (LT_LOGIN=link); logs the clicker in."""
    return signin.follow(_token(values)), {}


def ask_link(values, fields):
    """LT_LOGIN=link, without an action: mail a sign-in link for `email`, registering it when `name` is given."""
    if values.get("password"):
        raise ApiError("This site has no passwords: leave the password out, and we mail you a sign-in link.")
    name = params.text(values, "name", required=False, max_length=100)
    return None, {"text": signin.ask(fields.email(values), name, auth.signals())}


ACTIONS = {"verify": verify, "resend": resend, "forgot": forgot, "reset": reset, "login": login}


def handler(values):
    """The handler the `action` field names, or None without one; 400 for an unknown one, 405 over GET."""
    name = params.text(values, "action", required=False, max_length=20)
    if not name:
        return None
    if name not in ACTIONS:
        raise ApiError(f"Unknown action {name!r}: use one of {', '.join(ACTIONS)}.")
    if request.method != "POST":
        raise ApiError(f"Use POST for action={name}: links and passwords must not be in a URL.", 405,
                       {"Allow": "POST"})
    return name, ACTIONS[name]
