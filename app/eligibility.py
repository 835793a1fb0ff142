"""Optional eligibility: only attendees (by email domain or an allow-list file) may register and vote."""
from functools import lru_cache
from pathlib import Path

from flask import current_app

from .errors import ApiError


@lru_cache(maxsize=4)
def _read_allow_list(path, mtime_ns, size):
    """The emails in the allow-list file, lower-cased; blank lines and # comments skipped.
    Keyed by the file's mtime and size, so an edit during the event (late registrations) is seen at once."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip() and not line.lstrip().startswith("#"))


def _listed_emails(path):
    stat = Path(path).stat()
    return _read_allow_list(str(path), stat.st_mtime_ns, stat.st_size)


def is_eligible(email):
    """Whether this (normalized) email may take part: always, unless a domain list or allow-list file is set."""
    config = current_app.config
    domains, listed = config["ALLOWED_EMAIL_DOMAINS"], config["ALLOWED_EMAILS_FILE"]
    if not domains and not listed:
        return True
    email = email.lower()
    return email.rpartition("@")[2] in domains or bool(listed and email in _listed_emails(listed))


def require(email, doing):
    """Refuse (403) someone who is not on the conference's list, saying why."""
    if not is_eligible(email):
        raise ApiError(f"Only this conference's attendees may {doing}, and {email} is not on the attendee list. "
                       "Use the email you registered for the conference with, or ask an organizer.", 403, field="email")
