"""Account recovery: "Forgot your password?" mails a one-time link that lets the owner set a new one."""
from ..errors import ApiError
from ..store import users
from . import letters, links, signin, verification

FORGOT_REPLY = ("If an account has this email, we sent it a link to set a new password. "
                "The link works once, within 30 minutes.")


def forgot(email):
    """Mail a reset link if an account has this email. The caller answers FORGOT_REPLY either way, and the
    rate limits are spent either way, so neither tells whether the email is registered."""
    if signin.enabled():
        raise ApiError("This site has no passwords: sign in with a link mailed to you instead.", 409)
    if not letters.available():
        raise ApiError("Resetting a password by email is off on this site: ask an organizer.", 409)
    verification.spend_mail(email)
    user = users.by_email(email)
    if user:
        letters.send("reset", user)


def reset(token, password):
    """Set a new password through a live reset link and return the account, which the link also confirms.
    A never-confirmed account gets a new id as well: whoever registered it holds the old one as a login."""
    user = links.account("reset", token)
    if not verification.pending(user):
        users.set_password(user["_id"], password)
        users.mark_verified(user["_id"])
        return users.find(user["_id"])
    if not links.drop_unverified(user["_id"]):
        raise links.dead()  # confirmed or replaced a moment ago
    fresh = users.register(user["email"], password, user["name"], user.get("signup", {}))
    if fresh is None:  # someone registered the email in between
        raise links.dead()
    return fresh
