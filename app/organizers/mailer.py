"""Telling speakers whether their talk was accepted: previewed, sent once per decision, recorded."""
import hashlib
import smtplib
import ssl
from email.message import EmailMessage

from flask import current_app, render_template

from ..errors import ApiError
from ..store import audit, mails
from . import ranking


def outbox():
    """The message each visible talk's speaker should get for its current decision, and whether it went."""
    standings, _ = ranking.standings()
    sent = mails.sent()
    messages = []
    for talk in standings:
        if talk["rank"] is None or not talk["email"]:  # hidden talks are spam or duplicates: no mail
            continue
        decision = "accepted" if talk.get("accepted") else "declined"
        messages.append({
            "talk": talk["_id"], "title": talk["title"], "speaker": talk["speaker"], "to": talk["email"],
            "decision": decision, "record": sent.get((talk["_id"], decision)),
            "subject": render_template("mail/subject.txt", talk=talk, accepted=decision == "accepted").strip(),
            "body": render_template("mail/decision.txt", talk=talk, accepted=decision == "accepted"),
        })
    return messages


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


def _connect(config):
    """An SMTP connection as the settings say: plain, STARTTLS or TLS from the start; logged in if a user is set."""
    host, port, timeout = config["SMTP_HOST"], config["SMTP_PORT"], 15
    if config["SMTP_TLS"] == "ssl":
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
        if config["SMTP_TLS"] == "starttls":
            smtp.starttls(context=ssl.create_default_context())
    if config["SMTP_USER"]:
        smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
    return smtp


def _one_line(value):
    """A header value on one line: any line break (CR, LF, U+2028, U+2029, NEL...) would end the
    header or inject another, and the email library refuses them."""
    return " ".join(value.splitlines())


def _email(message, sender):
    email = EmailMessage()
    email["From"], email["To"] = _one_line(sender), _one_line(message["to"])
    email["Subject"] = _one_line(message["subject"])
    email.set_content(message["body"])
    return email


def send(previewed_digest, by):
    """Send what the organizer's preview showed, or refuse: sending is off, or the lineup changed since.
    Returns (sent, failed) lists of messages."""
    if not current_app.config["SMTP_HOST"]:
        raise ApiError("Sending is off: set LT_SMTP_HOST (and LT_MAIL_FROM) first.", 409)
    messages = pending(outbox())
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
        smtp = _connect(config)
    except (OSError, smtplib.SMTPException) as exc:
        raise ApiError(f"Could not reach the mail server {config['SMTP_HOST']}:{config['SMTP_PORT']}: {exc}", 502) from None
    with smtp:
        for message in pending(messages):
            email = _email(message, config["MAIL_FROM"])  # built before the claim: a bad one claims nothing
            if not mails.claim(message["talk"], message["decision"], message["to"], by):
                continue  # another organizer's send got there first
            try:
                smtp.send_message(email)
            except (OSError, smtplib.SMTPException) as exc:
                current_app.logger.warning("mail to %s failed: %s", message["to"], exc)
                mails.unclaim(message["talk"], message["decision"])
                failed.append(message)
                continue
            mails.mark_sent(message["talk"], message["decision"])
            audit.record(by, f"email {message['decision']}", f"talk “{message['title']}”", f"to {message['to']}")
            sent.append(message)
    return sent, failed
