"""/api/user/action/: registering and logging in, by GET, form and JSON."""
import pytest

from app.config import Config

URL = "/api/user/action/"


def send(client, how, fields, url=URL):
    """Send the fields the way an old client (GET), a form or site.js (JSON) would."""
    if how == "get":
        return client.get(url, query_string=fields)
    if how == "form":
        return client.post(url, data=fields)
    return client.post(url, json=fields)


@pytest.mark.parametrize("how", ["get", "form", "json"])
def test_register_then_login_the_same_way(client, how):
    fields = {"email": "ada@example.org", "password": "correct horse", "name": "Ada"}
    registered = send(client, how, fields)
    assert registered.status_code == 200
    assert registered.json["success"] is True
    assert registered.json["action"] == "register"
    assert registered.json["name"] == "Ada"
    assert registered.json["votes"] == ""

    logged_in = send(client, how, {"email": "ada@example.org", "password": "correct horse"})
    assert logged_in.json["action"] == "login"
    assert logged_in.json["_id"] == registered.json["_id"]


@pytest.mark.parametrize("url", ["/api/user/action/", "/api/user/action"])
def test_trailing_slash_is_optional(client, url):
    reply = client.post(url, data={"email": "a@example.org", "password": "12345678", "name": "A"})
    assert reply.status_code == 200
    assert reply.json["action"] == "register"


def test_email_is_trimmed_and_case_insensitive(client, register):
    user = register(email="Grace@Example.org")
    reply = client.post(URL, data={"email": "  grace@EXAMPLE.ORG ", "password": user["password"]})
    assert reply.json["action"] == "login"
    assert reply.json["_id"] == user["_id"]


@pytest.mark.parametrize(("with_name", "text", "field"), [
    (False, "Wrong password, or no account has this email.", "password"),  # says nothing of the email
    # Registering with a taken email: the page offers to log in instead, keeping what was typed.
    (True, "This email already has an account. Log in with its password instead.", "email"),
])
def test_wrong_password_is_refused_and_never_registers(client, register, db, with_name, text, field):
    user = register(email="ada@example.org")
    fields = {"email": "ADA@example.org", "password": "wrong password"}
    if with_name:
        fields["name"] = "Impostor"
    reply = client.post(URL, data=fields)
    assert reply.status_code == 401
    assert reply.json == {"success": False, "text": text, "field": field}
    assert db.users.count_documents({}) == 1
    assert db.users.find_one()["name"] == user["name"]


def test_a_login_does_not_tell_whether_an_account_has_the_email(client, register):
    register(email="ada@example.org")
    known = client.post(URL, data={"email": "ada@example.org", "password": "not her password"})
    unknown = client.post(URL, data={"email": "nobody@example.org", "password": "not her password"})
    assert (unknown.status_code, unknown.json) == (known.status_code, known.json) == (401, unknown.json)
    assert "_id" not in unknown.json


@pytest.mark.parametrize(("fields", "status", "field", "says"), [
    ({"email": "not-an-email", "password": "12345678", "name": "A"}, 400, "email", "like ada@example.org"),
    ({"email": "a@b", "password": "12345678", "name": "A"}, 400, "email", "after the @ should be a domain"),
    ({"email": "a..b@example.org", "password": "12345678", "name": "A"}, 400, "email", "Check it for typos"),
    ({"email": "a@example.org", "password": "short", "name": "A"}, 400, "password", "8 characters"),
    ({"email": "a@example.org", "name": "A"}, 400, "password", "password"),
    ({"password": "12345678", "name": "A"}, 400, "email", "email"),
    ({"email": "a@example.org", "password": "12345678", "name": "A" * 101}, 413, "name", "name"),
    ({"email": "a@example.org", "password": "x" * 1025, "name": "A"}, 413, "password", "password"),
])
def test_bad_registration_is_refused_clearly(client, db, fields, status, field, says):
    reply = client.post(URL, data=fields)
    assert reply.status_code == status
    assert reply.json["success"] is False
    assert reply.json["field"] == field  # the page shows the text next to this field
    assert says in reply.json["text"]
    assert db.users.count_documents({}) == 0


def test_password_is_stored_only_as_a_salted_scrypt_hash(app, client, register, db, monkeypatch):
    monkeypatch.delenv("LT_PASSWORD_HASH")  # the default, which production keeps, not the tests' cheap one
    app.config["PASSWORD_HASH"] = Config().PASSWORD_HASH
    register(email="a@example.org", password="correct horse")
    register(email="b@example.org", password="correct horse")
    hashes = [u["password_hash"] for u in db.users.find()]
    assert all(h.startswith("scrypt:") for h in hashes)
    assert hashes[0] != hashes[1]
    assert "correct horse" not in str(list(db.users.find()))


@pytest.mark.parametrize(("stored_with", "configured"), [("scrypt", "pbkdf2:sha256:1"), ("pbkdf2:sha256:1", "scrypt")])
def test_a_password_hashed_by_another_method_still_logs_in(app, client, db, register, stored_with, configured):
    app.config["PASSWORD_HASH"] = stored_with
    user = register(email="a@example.org", password="correct horse")
    assert db.users.find_one()["password_hash"].split(":")[0] == stored_with.split(":")[0]
    app.config["PASSWORD_HASH"] = configured
    assert send(client, "form", {"email": "a@example.org", "password": "correct horse"}).json["_id"] == user["_id"]
    assert send(client, "form", {"email": "a@example.org", "password": "wrong horse"}).status_code == 401


def test_login_lists_current_votes_live(client, register, pitch, set_phase):
    user = register()
    talks = [pitch(user, title=f"Talk {i}") for i in range(3)]
    set_phase("voting")
    for talk in talks:
        client.post("/api/vote/action/", data={"user": user["_id"], "session": talk})
    client.post("/api/vote/action/", data={"user": user["_id"], "session": talks[1]})  # unvote
    reply = client.post(URL, data={"email": user["email"], "password": user["password"]})
    assert sorted(reply.json["votes"].split("|")) == sorted([talks[0], talks[2]])


def test_login_sets_an_httponly_strict_cookie_and_logout_clears_it(client, register):
    register()
    cookie = client.get_cookie("lt_user", path="/api/")
    assert cookie is not None
    assert cookie.http_only and cookie.same_site == "Strict"
    client.post(URL, data={"logout": "1"})
    assert client.get_cookie("lt_user", path="/api/") is None


def test_password_never_appears_in_logs(client, caplog):
    with caplog.at_level("DEBUG"):
        client.get(URL, query_string={"email": "a@example.org", "password": "sekrit-password", "name": "A"})
        client.get(URL, query_string={"email": "a@example.org", "password": "wrong-password"})
    assert "sekrit-password" not in caplog.text
    assert "wrong-password" not in caplog.text
