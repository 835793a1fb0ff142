"""Rate limits on wrong passwords and registrations: 429 with Retry-After, shared through the database."""
import pytest

URL = "/api/user/action/"
GUESSER, OWNER = {"REMOTE_ADDR": "10.0.0.66"}, {"REMOTE_ADDR": "10.0.0.7"}


@pytest.fixture
def limits(app):
    app.config.update(LOGIN_FAILS_PER_EMAIL=3, LOGIN_FAILS_PER_IP=5, REGISTRATIONS_PER_IP=4, LOGIN_PROBES_PER_IP=3)


def test_wrong_passwords_for_one_email_are_limited(client, register, limits):
    user = register(email="target@example.org")
    for _ in range(3):
        assert client.post(URL, data={"email": user["email"], "password": "guess-guess"}).status_code == 401
    refused = client.post(URL, data={"email": user["email"], "password": "guess-guess"})
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 900
    assert refused.json["success"] is False and "Try again" in refused.json["text"]
    # Even the right password waits at the guesser's address: that is what stops guessing.
    assert client.post(URL, data={"email": user["email"], "password": user["password"]}).status_code == 429
    # Other accounts are not affected.
    other = register(email="other@example.org")
    assert client.post(URL, data={"email": other["email"], "password": other["password"]}).status_code == 200


def test_owner_logs_in_from_elsewhere_after_many_wrong_guesses(client, register, limits):
    user = register(email="owner@example.org")
    statuses = {client.post(URL, data={"email": user["email"], "password": f"guess-{i:04}"},
                            environ_base=GUESSER).status_code for i in range(50)}
    assert statuses == {401, 429}
    owner = client.post(URL, data={"email": user["email"], "password": user["password"]}, environ_base=OWNER)
    assert owner.status_code == 200 and owner.json["action"] == "login"


def test_registrations_continue_after_a_guesser_spent_the_address_login_budget(client, register, db, limits):
    emails = [register()["email"] for _ in range(2)]
    for i in range(5):
        client.post(URL, data={"email": emails[i % 2], "password": "guess-guess"}, environ_base=GUESSER)
    assert client.post(URL, data={"email": emails[0], "password": "guess-guess"}, environ_base=GUESSER).status_code == 429
    for i in range(3):  # other attendees on the same venue address
        joined = client.post(URL, data={"email": f"new{i}@example.org", "password": "12345678", "name": "New"},
                             environ_base=GUESSER)
        assert joined.status_code == 200 and joined.json["action"] == "register"
    assert db.users.count_documents({"email": {"$regex": "^new"}}) == 3


def test_unknown_email_probes_have_their_own_limit(client, register, limits):
    user = register(email="known@example.org")
    for i in range(3):
        probe = client.post(URL, data={"email": f"probe{i}@example.org", "password": "12345678"}, environ_base=GUESSER)
        assert probe.status_code == 404
    refused = client.post(URL, data={"email": "probe9@example.org", "password": "12345678"}, environ_base=GUESSER)
    assert refused.status_code == 429 and "unknown emails" in refused.json["text"]
    # Logins and registrations from that address are untouched.
    assert client.post(URL, data={"email": user["email"], "password": user["password"]},
                       environ_base=GUESSER).status_code == 200
    assert client.post(URL, data={"email": "fresh@example.org", "password": "12345678", "name": "F"},
                       environ_base=GUESSER).status_code == 200


def test_wrong_passwords_from_one_address_are_limited(client, register, limits):
    emails = [register()["email"] for _ in range(3)]
    for i in range(5):
        client.post(URL, data={"email": emails[i % 3], "password": "guess-guess"})
    assert client.post(URL, data={"email": emails[0], "password": "guess-guess"}).status_code == 429
    other_ip = client.post(URL, data={"email": emails[1], "password": "guess-guess"},
                           environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other_ip.status_code == 401


def test_registrations_from_one_address_are_limited(client, db, limits):
    for i in range(4):
        assert client.post(URL, data={"email": f"n{i}@example.org", "password": "12345678", "name": "N"}).status_code == 200
    refused = client.post(URL, data={"email": "n9@example.org", "password": "12345678", "name": "N"})
    assert refused.status_code == 429
    assert refused.headers["Retry-After"]
    assert db.users.count_documents({}) == 4


def test_limits_are_shared_by_every_worker(app, make_app, mongo_uri, register, limits):
    user = register(email="shared@example.org")
    other_worker = make_app(MONGO_URI=mongo_uri, DB_NAME=app.config["DB_NAME"], LOGIN_FAILS_PER_EMAIL=3)
    for worker in (app, other_worker, app):
        worker.test_client().post(URL, data={"email": user["email"], "password": "guess-guess"})
    assert other_worker.test_client().post(URL, data={"email": user["email"], "password": "guess-guess"}).status_code == 429
