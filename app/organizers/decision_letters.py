"""The wording of the decision emails: a subject and a body per decision, with {placeholders}.

Defaults are the files app/templates/mail/<decision>.txt (the first line is the subject); an
organizer's edit on the dashboard is stored and wins. Placeholders are filled by plain
substitution, never by a template engine, so wording typed on the dashboard cannot run code."""
import re

from flask import current_app

from .. import params
from ..errors import ApiError
from ..store import audit, overrides

DECISIONS = ("accepted", "declined")
PLACEHOLDERS = {
    "speaker": "the speaker's name", "title": "the talk's title", "event": "the event's name",
    "date": "the event's date", "time": "its time", "place": "its place",
}
PLACEHOLDER = re.compile(r"\{(\w*)\}")
MAX_SUBJECT, MAX_BODY = 200, 5000


def default(decision):
    """The shipped wording for a decision: {"subject", "body"}."""
    path = f"mail/{decision}.txt"
    text = current_app.jinja_loader.get_source(current_app.jinja_env, path)[0]
    subject, _, body = text.partition("\n\n")
    return {"subject": subject.strip(), "body": body}


def wording():
    """{decision: {"subject", "body"}}: the organizer's stored wording, else the default."""
    stored = overrides.edited("mail_wording")
    return {decision: stored.get(decision) or default(decision) for decision in DECISIONS}


def from_form(values):
    """The wording in a dashboard form (accepted_subject, accepted_body, ...), checked: a one-line
    subject (a line break would forge mail headers), known placeholders only."""
    found = {}
    for decision in DECISIONS:
        subject = params.text(values, f"{decision}_subject", max_length=MAX_SUBJECT)
        body = params.text(values, f"{decision}_body", max_length=MAX_BODY, multiline=True)
        for name in PLACEHOLDER.findall(subject + body):
            if name not in PLACEHOLDERS:
                raise ApiError(f"Unknown placeholder {{{name}}} in the {decision} email: use "
                               + ", ".join(f"{{{known}}}" for known in PLACEHOLDERS) + ".")
        found[decision] = {"subject": subject, "body": body.replace("\r\n", "\n") + "\n"}
    return found


def save(found, by):
    """Store the organizer's wording (None: back to the default); audited."""
    overrides.set_edited("mail_wording", found, by)
    audit.record(by, "email wording", "speakers' email", "saved" if found else "back to the default")


def missing(found, event):
    """The placeholders this wording uses whose event detail is not set, e.g. ["place"]."""
    used = {name for decision in found.values() for name in PLACEHOLDER.findall(decision["subject"] + decision["body"])}
    return [name for name in ("date", "time", "place") if name in used and not event[name]]


def fill(template, talk, event):
    """The text with each placeholder replaced by the talk's or the event's value."""
    values = {"speaker": talk["speaker"], "title": talk["title"], "event": event["name"],
              "date": event["date"], "time": event["time"], "place": event["place"]}
    return PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), template)
