"""Telling speakers whether their talk was accepted: only once the vote is over and talks are accepted;
previewed, sent once per decision, recorded with what was sent."""
import hashlib

from flask import current_app

from .. import phases
from .. import smtp as mail_server
from ..errors import ApiError
from ..store import audit, mails
from . import decision_letters, event, ranking


def outbox(wording=None):
    """The message each visible talk's speaker should get for its current decision, and whether it went.
    `wording` previews an unsaved wording instead of the stored one."""
    standings, _ = ranking.standings()
    sent = mails.sent()
    wording = wording or decision_letters.wording()
    details = event.details()
    messages = []
    for talk in standings:
        if talk["rank"] is None or not talk["email"]:  # hidden talks are spam or duplicates: no mail
            continue
        decision = "accepted" if talk.get("accepted") else "declined"
        letter = wording[decision]
        messages.append({
            "talk": talk["_id"], "title": talk["title"], "speaker": talk["speaker"], "to": talk["email"],
            "decision": decision, "record": sent.get((talk["_id"], decision)),
            "subject": decision_letters.fill(letter["subject"], talk, details),
            "body": decision_letters.fill(letter["body"], talk, details),
        })
    return messages


def refusal(messages):
    """Why speakers must not be told yet, or None: sending is off, the vote is not over, nobody is
    accepted (every speaker, the winner too, would hear "not this time"), or the email names an
    event detail that is not set."""
    if not mail_server.enabled():
        return "Sending is off: set LT_SMTP_HOST (and LT_MAIL_FROM) first."
    phase = phases.current()
    if phase != "closed":
        opened = "Voting is still open" if phase == "voting" else "Voting has not happened yet"
        return f"{opened} (phase: {phase}): close voting on the Overview before telling speakers, so their news is final."
    if not any(message["decision"] == "accepted" for message in messages):
        return "No talk is accepted yet: accept the top N on the Overview first, or every speaker would hear “not this time”."
    gaps = decision_letters.missing(decision_letters.wording(), event.details())
    if gaps:
        return f"The email mentions the event's {' and '.join(gaps)}, which is not set: fill in the event's details first."
    return None


def pending(messages):
    """The messages not sent yet, nor being sent."""
    return [message for message in messages if message["record"] is None]


def in_flight(messages):
    """The messages claimed by a send but not yet accepted by the mail server: not sent, as far as anyone knows."""
    return [message for message in messages if message["record"] and not message["record"]["sent_at"]]


def digest(messages):
    """A fingerprint of exactly these messages, so Send delivers what the preview showed or nothing."""
    text = "\n".join(f"{m['talk']}|{m['decision']}|{m['to']}|{m['subject']}|{m['body']}" for m in messages)
    return hashlib.sha256(text.encode()).hexdigest()


def send(previewed_digest, by):
    """Send what the organizer's preview showed, or refuse: sending is off, or the lineup changed since.
    Returns (sent, failed) lists of messages."""
    messages = outbox()
    reason = refusal(messages)
    if reason:
        raise ApiError(reason, 409)
    messages = pending(messages)
    if previewed_digest != digest(messages):
        raise ApiError("The lineup changed since your preview: look at the preview again, then send.", 409)
    return deliver(messages, by)


def deliver(messages, by):
    """Send each pending message once: claim it, send it, record it; a failed one is given back for a retry
    (and a claim a dead send left behind expires after an hour, see store/mails).
    Returns (sent, failed) lists of messages."""
    config = current_app.config
    sent, failed = [], []
    try:
        smtp = mail_server.connect()
    except mail_server.SendError as exc:
        raise ApiError(f"Could not reach the mail server {config['SMTP_HOST']}:{config['SMTP_PORT']}: {exc}", 502) from None
    with smtp:
        for message in pending(messages):
            email = mail_server.compose(message["to"], message["subject"], message["body"])  # before the claim: a bad one claims nothing
            if not mails.claim(message["talk"], message["decision"], message["to"], by):
                continue  # another organizer's send got there first
            try:
                smtp.send_message(email)
            except mail_server.SendError as exc:
                current_app.logger.warning("mail to %s failed: %s", message["to"], exc)
                mails.unclaim(message["talk"], message["decision"])
                failed.append(message)
                continue
            mails.mark_sent(message["talk"], message["decision"], message["subject"], message["body"])
            audit.record(by, f"email {message['decision']}", f"talk “{message['title']}”", f"to {message['to']}")
            sent.append(message)
    return sent, failed
