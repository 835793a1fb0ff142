"""Sending mail through the configured server (LT_SMTP_*): the one SMTP code the speaker mail and
attendee mail share."""
import smtplib
import ssl
from email.message import EmailMessage

from flask import current_app

# What a failed connection or send raises: the caller decides whether to retry, report or log.
SendError = (OSError, smtplib.SMTPException)


def enabled():
    """Whether a mail server is configured."""
    return bool(current_app.config["SMTP_HOST"])


def connect():
    """An SMTP connection as the settings say: plain, STARTTLS or TLS from the start; logged in if a user is set."""
    config = current_app.config
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


def compose(to, subject, body):
    """A plain-text message from LT_MAIL_FROM."""
    email = EmailMessage()
    email["From"], email["To"], email["Subject"] = current_app.config["MAIL_FROM"], to, subject
    email.set_content(body)
    return email


def send_one(to, subject, body):
    """Send one message on its own connection; raises one of SendError if the server cannot take it."""
    with connect() as smtp:
        smtp.send_message(compose(to, subject, body))
