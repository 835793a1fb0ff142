"""Telling speakers: previewed, sent once per decision through a real SMTP server on loopback, recorded."""
import re

import pytest

from app.organizers import mailer
from app.runtime.embedded import free_port

ORGANIZER = ("organizer", "organizer")
HTML = {"Accept": "text/html"}


@pytest.fixture
def lineup(app, client, db, register, pitch, set_phase):
    """Voting closed at PyCon on 2026-03-14, 18:30, Main hall; two speakers: Ada's talk accepted,
    Alan's not; a hidden spam talk gets no mail."""
    app.config.update(EVENT_NAME="PyCon", EVENT_DATE="2026-03-14", EVENT_TIME="18:30", EVENT_PLACE="Main hall")
    ada, alan = register(name="Ada", email="ada@example.org"), register(name="Alan", email="alan@example.org")
    accepted, declined = pitch(ada, title="Accepted talk"), pitch(alan, title="Declined talk")
    spam = pitch(alan, title="Buy pills")
    db.sessions.update_one({"_id": accepted}, {"$set": {"accepted": True}})
    db.sessions.update_one({"_id": spam}, {"$set": {"hidden": True}})
    set_phase("closed")
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
    assert "Subject: Your lightning talk is on stage: Accepted talk" in ada_mail
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


def test_preview_says_how_many_hear_each_decision(client, inbox, lineup):
    page, _ = preview(client)
    assert "<strong>1</strong> speaker will hear “accepted” and\n    <strong>1</strong> “not this time”." in page
    assert "on stage on 2026-03-14 at 18:30,\nat Main hall." in page  # the event's details, from the settings


@pytest.mark.parametrize(("phase", "reason"), [
    ("voting", "Voting is still open (phase: voting)"),
    ("pitching", "Voting has not happened yet (phase: pitching)"),
])
def test_sending_is_refused_until_voting_is_closed(client, inbox, lineup, csrf_token, set_phase, phase, reason):
    _, digest = preview(client)
    set_phase(phase)
    page, offered = preview(client)
    assert f"Not yet: {reason}" in page and offered is None  # the reason, and no Send button
    reply = send(client, csrf_token, digest)
    assert reply.status_code == 409 and reason in reply.json["text"]
    assert inbox.messages == []


def test_sending_is_refused_before_any_talk_is_accepted(app, client, db, inbox, lineup, csrf_token):
    db.sessions.update_many({}, {"$set": {"accepted": False}})
    page, offered = preview(client)
    assert "Not yet: No talk is accepted yet" in page and offered is None
    with app.app_context():
        digest = mailer.digest(mailer.pending(mailer.outbox()))  # a Send for exactly these messages
    reply = send(client, csrf_token, digest)
    assert reply.status_code == 409 and "No talk is accepted yet" in reply.json["text"]
    assert inbox.messages == []


def test_sending_is_refused_while_the_email_names_an_unset_event_detail(app, client, inbox, lineup):
    app.config["EVENT_PLACE"] = ""
    page, offered = preview(client)
    assert "Not yet: The email mentions the event&#39;s place, which is not set" in page and offered is None


def wording(**changes):
    """The dashboard's wording form, filled."""
    fields = {"accepted_subject": "On stage at {event}: {title}", "accepted_body": "Dear {speaker}, see you at {place}.",
              "declined_subject": "{event}: {title}", "declined_body": "Dear {speaker}, not this time."}
    return {**fields, **changes}


def test_wording_is_previewed_unsaved_then_stored_and_sent_as_stored(client, db, inbox, lineup, csrf_token):
    reply = client.post("/api/dashboard/speakers/wording", auth=ORGANIZER, headers=HTML,
                        data={"csrf_token": csrf_token, "intent": "preview", **wording()})
    page = reply.get_data(as_text=True)
    assert reply.status_code == 200
    assert "On stage at PyCon: Accepted talk" in page and "Dear Alan, not this time." in page
    assert "previewing unsaved wording" in page and 'name="digest"' not in page
    assert db.settings.find_one({"_id": "mail_wording"}) is None
    assert "Your lightning talk is on stage: Accepted talk" in preview(client)[0]  # the stored (default) one

    reply = client.post("/api/dashboard/speakers/wording", auth=ORGANIZER, headers=HTML,
                        data={"csrf_token": csrf_token, "intent": "save", **wording()})
    assert reply.status_code == 303 and reply.headers["Location"].endswith("/api/dashboard/speakers#wording")
    assert db.audit.find_one({"action": "email wording"})["by"] == "organizer"
    page, digest = preview(client)
    assert "On stage at PyCon: Accepted talk" in page
    assert send(client, csrf_token, digest).status_code == 200
    ada_mail = next(body for to, body in inbox.messages if to == ["ada@example.org"])
    assert "Subject: On stage at PyCon: Accepted talk" in ada_mail and "Dear Ada, see you at Main hall." in ada_mail
    record = db.mails.find_one({"to": "ada@example.org"})
    assert (record["subject"], record["body"]) == ("On stage at PyCon: Accepted talk", "Dear Ada, see you at Main hall.\n")

    client.post("/api/dashboard/speakers/wording", auth=ORGANIZER, headers=HTML,
                data={"csrf_token": csrf_token, "intent": "reset"})
    assert "About your lightning talk: Declined talk" not in preview(client)[0]  # sent ones show what was sent
    assert "On stage at PyCon: Accepted talk" in preview(client)[0]
    assert db.settings.find_one({"_id": "mail_wording"}) is None


@pytest.mark.parametrize(("changes", "text"), [
    ({"accepted_body": "See you at {venue}."}, "Unknown placeholder {venue} in the accepted email"),
    ({"declined_subject": "Hi\nBcc: everyone@example.org"}, "declined_subject contains control characters"),
    ({"accepted_subject": ""}, "Missing accepted_subject"),
])
def test_bad_wording_is_refused_and_nothing_is_stored(client, db, lineup, csrf_token, changes, text):
    reply = client.post("/api/dashboard/speakers/wording", auth=ORGANIZER, headers=HTML,
                        data={"csrf_token": csrf_token, "intent": "save", **wording(**changes)})
    assert reply.status_code == 400 and text in reply.json["text"]
    assert db.settings.find_one({"_id": "mail_wording"}) is None


def test_event_details_set_on_the_dashboard_win_over_the_settings(client, db, inbox, lineup, csrf_token):
    reply = client.post("/api/dashboard/event", auth=ORGANIZER, headers=HTML, data={
        "csrf_token": csrf_token, "name": "EuroPython", "date": "2026-07-14", "time": "17:00", "place": ""})
    assert reply.status_code == 303
    page, _ = preview(client)
    assert "into the lineup of EuroPython. It is on stage on 2026-07-14 at 17:00,\nat Main hall." in page  # blank: the setting
    assert db.audit.find_one({"action": "event details"})["target"] == "EuroPython"
    bad = client.post("/api/dashboard/event", auth=ORGANIZER, headers=HTML,
                      data={"csrf_token": csrf_token, "date": "next Friday"})
    assert bad.status_code == 400 and "not a date" in bad.json["text"]
