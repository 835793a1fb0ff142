"""LT_LOGIN=link: no passwords; asking with an email mails a one-time sign-in link to it.

The reply never carries the account's id or a login cookie, so whoever asks, even for someone
else's email, gets nothing: only the click in the mailbox signs in, and confirms the email."""
import secrets

from flask import current_app, request

from .. import eligibility, ratelimit
from ..errors import ApiError
from ..store import users
from . import letters, links, verification


def enabled():
    """Whether attendees sign in by mailed link instead of a password."""
    return current_app.config["LOGIN"] == "link"


def _account(email, name, signals):
    """The account to mail: this email's, or a new one when a name is given (replacing one never signed in to)."""
    user = users.by_email(email)
    if user and not (name and not users.is_verified(user)):
        return user
    if not name:
        raise ApiError("No account has this email. To register, give your name too.", 404)
    eligibility.require(email, "register")
    ratelimit.spend(ratelimit.REGISTRATIONS_PER_IP, request.remote_addr)
    if user:
        links.drop_unverified(user["_id"])
    # A password nobody knows: switching back to LT_LOGIN=password, the owner sets one with "Forgot your password?".
    fresh = users.register(email, secrets.token_urlsafe(32), name, signals, unverified=True)
    return fresh or users.by_email(email)


def ask(email, name, signals):
    """Mail a sign-in link for this email (registering it if a name is given); what to tell the visitor."""
    verification.spend_mail(email)
    user = _account(email, name, signals)
    if not letters.send("login", user):
        raise ApiError("The mail could not be sent just now; please try again in a moment.", 502)
    return f"We sent a sign-in link to {email}. It works once, within 30 minutes."


def follow(token):
    """The account a live sign-in link is for, spending the link and confirming the email."""
    user = links.account("login", token)
    users.mark_verified(user["_id"])
    return users.find(user["_id"])
