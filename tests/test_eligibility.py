"""Optional eligibility (attendee domains or an allow-list file), and the client address behind proxies."""
import pytest

ALLOW_LIST = "# attendees, from the ticketing export\nGuest@Elsewhere.org\n\nspeaker@partner.net\n"


@pytest.fixture
def allow_list(tmp_path):
    path = tmp_path / "attendees.txt"
    path.write_text(ALLOW_LIST)
    return path


@pytest.mark.parametrize(("domains", "use_file", "email", "allowed"), [
    (frozenset(), False, "anyone@anywhere.org", True),
    (frozenset({"conf.org"}), False, "ada@conf.org", True),
    (frozenset({"conf.org"}), False, "ada@sub.conf.org", False),
    (frozenset({"conf.org"}), False, "ada@conf.org.evil.com", False),
    (frozenset(), True, "guest@elsewhere.org", True),
    (frozenset(), True, "GUEST@elsewhere.org", True),
    (frozenset(), True, "stranger@elsewhere.org", False),
    (frozenset({"conf.org"}), True, "speaker@partner.net", True),
    (frozenset({"conf.org"}), True, "ada@conf.org", True),
])
def test_registration_is_limited_to_attendees(app, client, allow_list, domains, use_file, email, allowed):
    app.config.update(ALLOWED_EMAIL_DOMAINS=domains, ALLOWED_EMAILS_FILE=allow_list if use_file else None)
    reply = client.post("/api/user/action/", data={"email": email, "password": "correct horse", "name": "Ada"})
    assert reply.status_code == (200 if allowed else 403)
    if not allowed:
        assert "not on the attendee list" in reply.json["text"]


def test_an_edited_allow_list_is_read_again(app, client, allow_list):
    app.config["ALLOWED_EMAILS_FILE"] = allow_list
    fields = {"email": "late@elsewhere.org", "password": "correct horse", "name": "Late"}
    assert client.post("/api/user/action/", data=fields).status_code == 403
    allow_list.write_text(ALLOW_LIST + "late@elsewhere.org\n")
    assert client.post("/api/user/action/", data=fields).status_code == 200


def test_votes_are_limited_to_attendees(app, client, register, pitch, set_phase):
    talk = pitch(register(email="speaker@conf.org"))
    outsider = register(email="outsider@example.org")  # registered before the list was set
    app.config["ALLOWED_EMAIL_DOMAINS"] = frozenset({"conf.org"})
    set_phase("voting")
    reply = client.post("/api/vote/action/", data={"user": outsider["_id"], "session": talk})
    assert reply.status_code == 403
    assert "outsider@example.org is not on the attendee list" in reply.json["text"]


@pytest.mark.parametrize(("proxies", "forwarded", "recorded"), [
    (0, "198.51.100.9", "127.0.0.1"),                 # no proxy trusted: a forged header is ignored
    (1, "198.51.100.9", "198.51.100.9"),
    (1, "6.6.6.6, 198.51.100.9", "198.51.100.9"),     # only the hop our proxy added is believed
])
def test_signals_record_the_client_behind_trusted_proxies(make_app, mongo_uri, proxies, forwarded, recorded):
    name = f"t_proxy_{proxies}_{len(forwarded)}"
    app = make_app(MONGO_URI=mongo_uri, DB_NAME=name, PROXY_COUNT=proxies)
    client = app.test_client()
    client.post("/api/user/action/", headers={"X-Forwarded-For": forwarded},
                data={"email": "ada@example.org", "password": "correct horse", "name": "Ada"})
    db = app.extensions["mongo"][name]
    assert db.users.find_one({"email": "ada@example.org"})["signup"]["ip"] == recorded
    app.extensions["mongo"].drop_database(name)
