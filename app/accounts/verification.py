"""LT_VERIFY_EMAIL: a new account votes and pitches only once the owner of its email clicks a mailed link.

Registering someone else's email gets the registrant nothing: the account cannot act, and the
address's owner can take it over by registering again (the unverified account is deleted and a
fresh link goes to the address) or by resetting its password. Clicking the link confirms the
account only in the browser that registered it, or with its password, so an owner who clicks a
link they never asked for does not confirm a stranger's account."""
from flask import current_app, request

from .. import auth, ratelimit
from ..errors import ApiError
from ..store import users
from . import letters, links, passwords


def pending(user):
    """Whether this account must still confirm its email before it may act; while it must, whoever
    registers its email may replace it (with verification off, even an unconfirmed one may have voted)."""
    return current_app.config["VERIFY_EMAIL"] and not users.is_verified(user)


def require(user, doing):
    """Refuse (403) an account whose email is not confirmed yet, saying what to do."""
    if pending(user):
        raise ApiError(f"Confirm your email before you {doing}: we sent a link to {user['email']}. Check your "
                       "inbox (and spam folder), or ask for a new link with Resend.", 403)


def spend_mail(email):
    """Count one mail to this address from this client; 429 over either limit."""
    ratelimit.spend(ratelimit.MAILS_PER_EMAIL, email)
    ratelimit.spend(ratelimit.MAILS_PER_IP, request.remote_addr)


def register(email, password, name, signals):
    """Create the account, or None if the email was taken meanwhile. With verification on it starts
    unverified, replaces an unverified account of this email, and is mailed its link (user["mailed"])."""
    if not current_app.config["VERIFY_EMAIL"]:
        return users.register(email, password, name, signals)
    spend_mail(email)
    existing = users.by_email(email)
    if existing and pending(existing):
        links.drop_unverified(existing["_id"])  # its id, which the registrant holds as their login, dies with it
    user = users.register(email, password, name, signals, unverified=True)
    if user:
        user["mailed"] = letters.send("verify", user)
    return user


def registered_text(user):
    """What a new, unconfirmed account is told: where the link went, or that it could not go yet."""
    if user["mailed"]:
        return f"Almost done: we sent a link to {user['email']}. Click it to confirm your email, then you can vote and pitch."
    return "Your account is made, but the confirmation mail could not be sent just now: use Resend in a moment."


def resend(user):
    """Mail a fresh link to an unverified account; whether the server took it. 409 if there is nothing to confirm."""
    if not pending(user):
        raise ApiError("Your email is already confirmed.", 409)
    spend_mail(user["email"])
    return letters.send("verify", user)


def confirm(token, password):
    """Confirm the account a live verify link is for and return it. The clicker must be its
    registrant: this browser holds its login, or `password` is its password."""
    user = links.account("verify", token, spend=False)
    if not auth.cookie_is(user):
        if not password:
            raise ApiError("Enter this account's password to confirm it (or open the link in the browser you "
                           "registered with).", 401)
        if not passwords.matches(users.by_email(user["email"]), password, request.remote_addr):
            raise ApiError("Wrong password for this email.", 401)
    links.use("verify", token)
    users.mark_verified(user["_id"])
    return users.find(user["_id"])
