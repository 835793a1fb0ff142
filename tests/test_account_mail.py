"""Mailed one-time links, through a real SMTP server on loopback: confirming a new account's email
(LT_VERIFY_EMAIL) and setting a new password ("Forgot your password?")."""
import email
import email.policy
import hashlib
import json
import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from app.config import Config, ConfigError

SITE = "https://talks.example.org"
ACTION = "/api/user/action/"


@pytest.fixture
def mail(app, inbox):
    """Account mail on: the inbox, with links pointing at SITE."""
    app.config.update(SITE_URL=SITE)
    return inbox


@pytest.fixture
def verifying(app, mail):
    """LT_VERIFY_EMAIL=1; the inbox."""
    app.config.update(VERIFY_EMAIL=True)
    return mail


def link(inbox, to, purpose):
    """The token of the last `purpose` link mailed to `to`, after checking the link's address."""
    for recipients, raw in reversed(inbox.messages):
        if recipients == [to]:
            body = email.message_from_string(raw, policy=email.policy.default).get_content()
            found = re.search(rf"^(\S+)/#{purpose}=([A-Za-z0-9_-]+)\r?$", body, re.MULTILINE)
            if found:
                assert found.group(1) == SITE
                return found.group(2)
    raise AssertionError(f"no {purpose} link mailed to {to}")


def sign_up(client, address=None, password="correct horse", name="Ada"):
    """Register through the API; (reply, email)."""
    address = address or f"{uuid.uuid4().hex[:8]}@example.org"
    reply = client.post(ACTION, json={"email": address, "password": password, "name": name})
    return reply, address


def post(client, **fields):
    return client.post(ACTION, json=fields)


def vote(client, talk, user_id=None):
    return client.post("/api/vote/action/", json={"session": talk, "vote": 1, **({"user": user_id} if user_id else {})})


@pytest.fixture
def talk(db, register, pitch, set_phase):
    """A talk by a confirmed speaker to vote on, with voting open."""
    speaker = register(name="Grace")
    db.users.update_one({"_id": speaker["_id"]}, {"$unset": {"verified": ""}})
    talk_id = pitch(speaker)
    set_phase("voting")
    return talk_id


def test_a_new_account_votes_only_after_clicking_its_mailed_link(app, client, verifying, talk):
    reply, address = sign_up(client)
    assert reply.status_code == 200
    assert reply.json["verified"] is False
    assert f"we sent a link to {address}" in reply.json["text"]
    refused = vote(client, talk)
    assert refused.status_code == 403
    assert "Check your inbox" in refused.json["text"] and refused.json["success"] is False
    app.config["PHASE"] = "pitching"
    assert client.post("/api/session/action/", json={"title": "T", "description": "D"}).status_code == 403
    assert client.get("/api/user/me").json["verified"] is False

    confirmed = post(client, action="verify", token=link(verifying, address, "verify"))
    assert confirmed.status_code == 200
    assert confirmed.json["verified"] is True and confirmed.json["action"] == "verify"
    assert client.get("/api/user/me").json["verified"] is True
    assert client.post("/api/session/action/", json={"title": "T", "description": "D"}).status_code == 201
    app.config["PHASE"] = "voting"
    assert vote(client, talk).status_code == 200


def test_a_link_opened_in_another_browser_needs_the_accounts_password(app, client, verifying):
    _, address = sign_up(client, password="correct horse")
    token = link(verifying, address, "verify")
    elsewhere = app.test_client()
    asked = post(elsewhere, action="verify", token=token)
    assert asked.status_code == 401 and "password" in asked.json["text"]
    assert post(elsewhere, action="verify", token=token, password="wrong horse").status_code == 401
    confirmed = post(elsewhere, action="verify", token=token, password="correct horse")
    assert confirmed.status_code == 200 and confirmed.json["verified"] is True
    assert elsewhere.get("/api/user/me").json["verified"] is True  # and that browser is logged in


def test_registering_an_unconfirmed_email_again_takes_it_over(app, client, db, verifying, talk):
    victim = f"victim-{uuid.uuid4().hex[:6]}@example.org"
    squatter, _ = sign_up(client, victim, password="squatter pass", name="Mallory")
    squatter_link = link(verifying, victim, "verify")
    owner_browser = app.test_client()
    owner, _ = sign_up(owner_browser, victim, password="owner password", name="Victoria")
    assert owner.status_code == 200 and owner.json["action"] == "register"
    assert owner.json["_id"] != squatter.json["_id"]
    assert db.users.count_documents({"email": victim}) == 1
    # The squatter's login (the old id) and link died with their account.
    assert vote(app.test_client(), talk, squatter.json["_id"]).status_code == 401
    assert post(client, action="verify", token=squatter_link).status_code == 410
    assert post(owner_browser, action="verify", token=link(verifying, victim, "verify")).status_code == 200
    assert vote(owner_browser, talk).status_code == 200
    # A confirmed account is the owner's: registering its email again is a wrong password, as before.
    again, _ = sign_up(app.test_client(), victim, password="squatter pass", name="Mallory")
    assert again.status_code == 401


def test_links_work_once(client, verifying):
    _, address = sign_up(client)
    token = link(verifying, address, "verify")
    assert post(client, action="verify", token=token).status_code == 200
    used = post(client, action="verify", token=token)
    assert used.status_code == 410 and "expired or was already used" in used.json["text"]


def test_tokens_are_stored_only_as_their_hash(client, db, verifying):
    _, address = sign_up(client)
    token = link(verifying, address, "verify")
    stored = db.tokens.find_one({})
    assert token not in str(stored)
    assert stored["_id"] == hashlib.sha256(token.encode()).hexdigest()


@pytest.mark.parametrize("purpose", ["verify", "reset"])
def test_expired_links_are_refused(client, db, verifying, purpose):
    _, address = sign_up(client)
    if purpose == "reset":
        post(client, action="forgot", email=address)
    token = link(verifying, address, purpose)
    record = db.tokens.find_one({"purpose": purpose})
    lifetime = {"verify": timedelta(days=2), "reset": timedelta(minutes=30)}[purpose]
    assert abs(record["expires_at"] - record["created_at"] - lifetime) < timedelta(seconds=1)
    db.tokens.replace_one({"_id": record["_id"]}, {**record, "expires_at": datetime.now(timezone.utc) - timedelta(seconds=1)})
    refused = post(client, action=purpose, token=token, password="a new password")
    assert refused.status_code == 410


def test_resend_mails_a_new_link_and_the_old_one_stops_working(app, client, verifying):
    app.config["MAILS_PER_EMAIL"] = 2
    _, address = sign_up(client)
    first = link(verifying, address, "verify")
    resent = post(client, action="resend")
    assert resent.status_code == 200 and address in resent.json["text"]
    second = link(verifying, address, "verify")
    assert second != first
    assert post(client, action="verify", token=first).status_code == 410
    limited = post(client, action="resend")  # the third mail to this address within the hour
    assert limited.status_code == 429 and "Retry-After" in limited.headers
    assert post(client, action="verify", token=second).status_code == 200
    assert post(client, action="resend").status_code == 409  # nothing left to confirm


def test_verification_is_off_unless_set(client, mail, talk):
    reply, _ = sign_up(client)
    assert reply.json["verified"] is True and "text" not in reply.json
    assert vote(client, talk).status_code == 200
    assert mail.messages == []


def test_forgot_mails_a_link_that_sets_a_new_password(app, client, mail, register):
    user = register(password="old password")
    forgot = post(client, action="forgot", email=user["email"].upper())
    assert forgot.status_code == 200 and "30 minutes" in forgot.json["text"]
    token = link(mail, user["email"], "reset")
    too_short = post(client, action="reset", token=token, password="short")
    assert too_short.status_code == 400
    browser = app.test_client()
    reset = post(browser, action="reset", token=token, password="new password")
    assert reset.status_code == 200 and reset.json["_id"] == user["_id"]  # logged in, same account
    assert browser.get("/api/user/me").json["name"] == user["name"]
    assert post(client, action="reset", token=token, password="newer password").status_code == 410
    assert post(client, email=user["email"], password="old password").status_code == 401
    assert post(client, email=user["email"], password="new password").status_code == 200


def test_forgot_answers_the_same_whether_the_email_has_an_account_or_not(client, mail, register):
    known = post(client, action="forgot", email=register()["email"])
    unknown = post(client, action="forgot", email="nobody@example.org")
    assert (known.status_code, known.json) == (unknown.status_code, unknown.json)
    assert [to for to, _ in mail.messages] != [["nobody@example.org"]]
    assert len(mail.messages) == 1


def test_forgot_is_limited_per_email_and_per_address(app, client, mail, register):
    app.config.update(MAILS_PER_EMAIL=2, MAILS_PER_IP=3)
    for address in (register()["email"], "nobody@example.org"):  # the same limit either way
        assert post(client, action="forgot", email=address).status_code == 200
    assert post(client, action="forgot", email="nobody@example.org").status_code == 200
    assert post(client, action="forgot", email="nobody@example.org").status_code == 429  # 3rd for this email
    assert post(client, action="forgot", email="someone@example.org").status_code == 429  # 4th from this address
    assert app.test_client().post(ACTION, json={"action": "forgot", "email": "else@example.org"},
                                  environ_base={"REMOTE_ADDR": "10.0.0.9"}).status_code == 200


def test_resetting_an_unconfirmed_account_gives_it_a_new_id(app, client, verifying, talk):
    victim = f"victim-{uuid.uuid4().hex[:6]}@example.org"
    squatter, _ = sign_up(client, victim, password="squatter pass")
    owner = app.test_client()
    post(owner, action="forgot", email=victim)
    reset = post(owner, action="reset", token=link(verifying, victim, "reset"), password="owner password")
    assert reset.status_code == 200 and reset.json["verified"] is True
    assert reset.json["_id"] != squatter.json["_id"]
    assert vote(app.test_client(), talk, squatter.json["_id"]).status_code == 401
    assert vote(owner, talk).status_code == 200


def test_links_point_at_the_site_url_whatever_the_host_header(client, mail, register):
    user = register()
    client.post(ACTION, json={"action": "forgot", "email": user["email"]}, headers={"Host": "evil.example"})
    assert "evil.example" not in mail.messages[-1][1]
    link(mail, user["email"], "reset")  # checks the link is on SITE


@pytest.mark.parametrize("action", ["verify", "reset", "forgot", "resend"])
def test_link_actions_refuse_get(client, action):
    reply = client.get(f"{ACTION}?action={action}&token=abc&email=a@example.org&password=12345678")
    assert reply.status_code == 405 and "POST" in reply.json["text"]


@pytest.mark.parametrize("token", ["\ud800" * 20, "x" * 20 + "\u2028", "../" * 10, "a"])
@pytest.mark.parametrize("action", ["verify", "reset", "login"])
def test_malformed_tokens_are_refused_without_a_5xx(client, action, token):
    body = json.dumps({"action": action, "token": token, "password": "new password"})  # \ud800 escaped, as a client may
    reply = client.post(ACTION, data=body, content_type="application/json")
    assert reply.status_code in (400, 410)


def test_unknown_action_is_refused(client):
    reply = post(client, action="explode")
    assert reply.status_code == 400 and "Unknown action" in reply.json["text"]


def test_forgot_is_refused_when_mail_is_off(client, register):
    reply = post(client, action="forgot", email=register()["email"])
    assert reply.status_code == 409 and "ask an organizer" in reply.json["text"]


@pytest.mark.parametrize(("env", "says"), [
    ({"LT_VERIFY_EMAIL": "1"}, "LT_SMTP_HOST"),
    ({"LT_VERIFY_EMAIL": "1", "LT_SMTP_HOST": "mail.example.org"}, "LT_SITE_URL"),
    ({"LT_VERIFY_EMAIL": "maybe"}, "LT_VERIFY_EMAIL"),
    ({"LT_SITE_URL": "talks.example.org"}, "LT_SITE_URL"),
    ({"LT_LOGIN": "link", "LT_SMTP_HOST": "mail.example.org"}, "LT_LOGIN=link needs"),
    ({"LT_LOGIN": "magic"}, "LT_LOGIN"),
])
def test_mail_settings_that_cannot_work_are_refused(monkeypatch, env, says):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=says):
        Config()


@pytest.mark.parametrize(("env", "on"), [
    ({}, False),
    ({"LT_SMTP_HOST": "mail.example.org", "LT_SITE_URL": SITE}, False),
    ({"LT_ENV": "production", "LT_SMTP_HOST": "mail.example.org", "LT_SITE_URL": SITE}, True),
    ({"LT_ENV": "production", "LT_SMTP_HOST": "mail.example.org", "LT_SITE_URL": SITE, "LT_VERIFY_EMAIL": "0"}, False),
    ({"LT_ENV": "production"}, False),
])
def test_verification_is_on_by_default_in_production_with_mail(monkeypatch, env, on):
    monkeypatch.delenv("LT_PASSWORD_HASH")  # the tests' cheap hash, which production refuses
    monkeypatch.setenv("LT_SECRET_KEY", "k" * 32)
    monkeypatch.setenv("LT_DASHBOARD_PASSWORD", "p" * 16)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert Config().VERIFY_EMAIL is on


@pytest.fixture
def link_login(app, mail):
    """LT_LOGIN=link; the inbox."""
    app.config.update(LOGIN="link")
    return mail


def test_link_login_mails_a_link_and_the_reply_holds_no_login(app, client, talk, link_login):  # talk first: it registers with a password
    address = f"{uuid.uuid4().hex[:8]}@example.org"
    asked = post(client, email=address, name="Ada")
    assert asked.status_code == 200 and asked.json["action"] == "link"
    assert "_id" not in asked.json and "Set-Cookie" not in asked.headers
    assert address in asked.json["text"]
    browser = app.test_client()
    signed_in = post(browser, action="login", token=link(link_login, address, "login"))
    assert signed_in.status_code == 200 and signed_in.json["verified"] is True
    assert browser.get("/api/user/me").json["name"] == "Ada"
    assert vote(browser, talk).status_code == 200
    assert post(browser, action="login", token=link(link_login, address, "login")).status_code == 410

    again = post(client, email=address)  # an existing account: a new link, no name needed
    assert again.status_code == 200
    assert post(client, action="login", token=link(link_login, address, "login")).json["_id"] == signed_in.json["_id"]


@pytest.mark.parametrize(("fields", "status", "says"), [
    ({"email": "ada@example.org", "password": "correct horse"}, 400, "no passwords"),
    ({"email": "nobody@example.org"}, 404, "give your name"),
    ({"action": "forgot", "email": "ada@example.org"}, 409, "no passwords"),
])
def test_link_login_refuses_passwords(client, link_login, fields, status, says):
    reply = post(client, **fields)
    assert reply.status_code == status and says in reply.json["text"]
    assert link_login.messages == []


def test_link_login_registering_an_email_never_signed_in_to_replaces_it(app, client, db, link_login):
    victim = f"victim-{uuid.uuid4().hex[:6]}@example.org"
    post(client, email=victim, name="Mallory")
    squatter_link = link(link_login, victim, "login")
    post(client, email=victim, name="Victoria")
    assert post(client, action="login", token=squatter_link).status_code == 410
    assert post(client, action="login", token=link(link_login, victim, "login")).json["name"] == "Victoria"
    assert db.users.count_documents({"email": victim}) == 1
