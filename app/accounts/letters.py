"""The mail attendees get about their account: a link to confirm the email, or to set a new password."""
from flask import current_app, render_template

from .. import smtp
from . import links

SUBJECTS = {
    "verify": "Confirm your email for the lightning talks",
    "reset": "Set a new password for the lightning talks",
    "login": "Your sign-in link for the lightning talks",
}


def available():
    """Whether account mail can go out: a mail server, and the site's address for the links."""
    return smtp.enabled() and bool(current_app.config["SITE_URL"])


def send(purpose, user):
    """Mail the account a fresh one-time link for `purpose`; whether the mail server took it.
    A failure is logged (without the link), not raised: the caller decides what the visitor hears."""
    link = links.issue(purpose, user["_id"])
    body = render_template(f"mail/{purpose}.txt", name=user["name"], link=link)
    try:
        smtp.send_one(user["email"], SUBJECTS[purpose], body)
    except smtp.SendError as exc:
        current_app.logger.warning("%s mail to %s failed: %s", purpose, user["email"], exc)
        return False
    return True
