"""Telling speakers: previewed, sent once per decision through a real SMTP server on loopback, recorded."""
import re

import pytest
from aiosmtpd.controller import Controller

from app.organizers import mailer
from app.runtime.embedded import free_port

ORGANIZER = ("organizer", "organizer")
HTML = {"Accept": "text/html"}


class Inbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode()))
        return "250 OK"


@pytest.fixture
def inbox(app):
    """A local SMTP server the app sends through, plain on loopback."""
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_TLS="none", MAIL_FROM="talks@example.org")
    yield inbox
    controller.stop()


@pytest.fixture
def lineup(client, db, register, pitch):
    """Two speakers: Ada's talk accepted, Alan's not; a hidden spam talk gets no mail."""
    ada, alan = register(name="Ada", email="ada@example.org"), register(name="Alan", email="alan@example.org")
    accepted, declined = pitch(ada, title="Accepted talk"), pitch(alan, title="Declined talk")
    spam = pitch(alan, title="Buy pills")
    db.sessions.update_one({"_id": accepted}, {"$set": {"accepted": True}})
    db.sessions.update_one({"_id": spam}, {"$set": {"hidden": True}})
    return {"accepted": accepted, "declined": declined}


def preview(client):
    """The speakers page and the digest its Send button carries."""
    page = client.get("/api/dashboard/speakers", auth=ORGANIZER).get_data(as_text=True)
    found = re.search(r'name="digest" value="([0-9a-f]+)"', page)
    return page, found and found.group(1)


def send(client, token, digest):
    return client.post("/api/dashboard/speakers/send", auth=ORGANIZER, headers=HTML,
                       data={"csrf_token": token, "digest": digest})


def test_preview_shows_each_message_before_anything_is_sent(client, inbox, lineup):
    page, digest = preview(client)
    assert "Your lightning talk is on stage: Accepted talk" in page
    assert "About your lightning talk: Declined talk" in page
    assert "Buy pills" not in page
    assert "Send 2 emails" in page and digest
    assert inbox.messages == []


def test_send_delivers_once_and_records_each(app, client, db, inbox, lineup, csrf_token):
    _, digest = preview(client)
    with app.app_context():
        racing = mailer.outbox()  # what a second organizer's Send, a moment behind, has in hand
    reply = send(client, csrf_token, digest)
    assert reply.status_code == 200
    assert "Sent 2 emails" in reply.get_data(as_text=True)
    assert sorted(to for to, _ in inbox.messages) == [["ada@example.org"], ["alan@example.org"]]
    ada_mail = next(body for to, body in inbox.messages if to == ["ada@example.org"])
    assert "Subject: Lightning talks: Your lightning talk is on stage: Accepted talk" in ada_mail
    assert "From: talks@example.org" in ada_mail
    assert db.mails.count_documents({"sent_at": {"$ne": None}}) == 2
    assert db.audit.count_documents({"action": {"$in": ["email accepted", "email declined"]}}) == 2

    assert "Every speaker has been told." in preview(client)[0]
    assert send(client, csrf_token, digest).status_code == 409  # the same form posted again
    with app.app_context():
        assert mailer.deliver(racing, "other organizer") == ([], [])
    assert len(inbox.messages) == 2


def test_a_changed_decision_sends_only_the_correction(client, db, inbox, lineup, csrf_token):
    send(client, csrf_token, preview(client)[1])
    db.sessions.update_one({"_id": lineup["declined"]}, {"$set": {"accepted": True}})
    page, digest = preview(client)
    assert "Send 1 email" in page
    send(client, csrf_token, digest)
    assert [to for to, _ in inbox.messages[2:]] == [["alan@example.org"]]
    assert "on stage: Declined talk" in inbox.messages[2][1]


def test_send_refuses_when_the_lineup_changed_since_the_preview(client, db, inbox, lineup, csrf_token):
    _, digest = preview(client)
    db.sessions.update_one({"_id": lineup["declined"]}, {"$set": {"accepted": True}})
    reply = send(client, csrf_token, digest)
    assert reply.status_code == 409
    assert inbox.messages == []


def test_sending_is_off_without_an_smtp_host(app, client, lineup, csrf_token):
    page, digest = preview(client)
    assert "Sending is off" in page and digest is None
    reply = client.post("/api/dashboard/speakers/send", auth=ORGANIZER, data={"digest": "0" * 64})
    assert reply.status_code == 409
    assert "LT_SMTP_HOST" in reply.json["text"]


def test_an_unreachable_server_sends_nothing_and_records_nothing(app, client, db, lineup, csrf_token):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port(), SMTP_TLS="none")
    reply = send(client, csrf_token, preview(client)[1])
    assert reply.status_code == 502
    assert db.mails.count_documents({}) == 0


def test_mail_names_the_event(app, lineup):
    app.config["EVENT_NAME"] = "PyData Nowhere 2026"
    with app.app_context():
        mail = next(message for message in mailer.outbox() if message["decision"] == "accepted")
    assert mail["subject"] == "PyData Nowhere 2026: Your lightning talk is on stage: Accepted talk"
    assert "The organizers of PyData Nowhere 2026" in mail["body"]
