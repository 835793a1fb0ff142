"""Malformed input gets a clear 4xx JSON error, never a 5xx, and stores nothing."""
import time

import pytest

from app.runtime.embedded import free_port

ROUTES = ["/api/user/action/", "/api/session/action/", "/api/vote/action/"]


@pytest.fixture(autouse=True)
def voting(set_phase):
    set_phase("voting")


def assert_clean_refusal(reply):
    assert 400 <= reply.status_code < 500, reply.get_data(as_text=True)
    assert reply.json["success"] is False
    assert reply.json["text"]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("query", [
    "user[$ne]=&session[$ne]=&email[$ne]=&password[$ne]=",
    "user=%ZZ&session=%&email=%E0%A4%A&password=%00%00%00%00%00%00%00%00",
    "email=a@example.org&password=12345678&name=%00",
    "user=" + "9" * 10000,
    "",
])
def test_malformed_query_strings(client, db, route, query):
    assert_clean_refusal(client.get(f"{route}?{query}"))
    assert db.votes.count_documents({}) == 0


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("body", [
    {"user": {"$ne": None}, "session": {"$gt": ""}, "email": {"$ne": ""}, "password": {"$ne": ""}},
    {"user": ["a", "b"], "session": [1], "email": ["x@example.org"], "password": ["12345678"]},
    {"user": None, "session": True, "email": 12, "password": 12345678},
    {"email": "a@example.org", "password": "12345678", "name": {"$set": "x"}},
])
def test_operator_and_wrong_type_json(client, db, route, body):
    assert_clean_refusal(client.post(route, json=body))
    assert db.users.count_documents({}) == 0


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b"\"a string\"", b"\xff\xfe", b""])
def test_broken_json_bodies(client, route, raw):
    assert_clean_refusal(client.post(route, data=raw, content_type="application/json"))


@pytest.mark.parametrize("route", ROUTES)
def test_huge_body_is_413(client, route):
    reply = client.post(route, data={"title": "x" * 200_000})
    assert reply.status_code == 413
    assert reply.json["success"] is False


DEEP = "[" * 1000 + "]" * 1000
UNREADABLE_JSON = [
    '{"email": "a@example.org", "password": "12345678", "name": ' + DEEP + '}',
    '{"user": ' + "[" * 20 + "]" * 20 + '}',  # too deep for any field, though Python could parse it
    DEEP,
    '{"email": "a@example.org", "password": "12345678", "name": "Ada \\ud800"}',
    '{"email": "a@example.org", "password": "1234\\udc005678", "name": "Ada"}',
    '{"\\ud800": "x", "email": "a@example.org", "password": "12345678"}',
    '{"user": ["\\udfff"], "session": "s", "title": "T", "description": "D"}',
]


@pytest.mark.parametrize("route", ROUTES + ["/api/dashboard/phase"])
@pytest.mark.parametrize("body", UNREADABLE_JSON)
def test_deep_json_and_lone_surrogates_are_400(client, db, route, body):
    reply = client.post(route, data=body, content_type="application/json")
    assert reply.status_code == 400
    assert reply.json["success"] is False and ("nested too deeply" in reply.json["text"] or "surrogate" in reply.json["text"])
    assert db.users.count_documents({}) == 0


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("fields", [
    "email=a@example.org&password=12345678&name=Ada%ED%A0%80",
    "email=a@example.org&password=%ED%B0%80%ED%B0%80%ED%B0%80%ED%B0%80&name=Ada",
    "%ED%A0%80=1&email=a@example.org&password=12345678",
])
def test_encoded_surrogates_in_query_or_form_are_400(client, db, route, fields):
    for reply in (client.get(f"{route}?{fields}"),
                  client.post(route, data=fields, content_type="application/x-www-form-urlencoded")):
        assert reply.status_code == 400
        assert reply.json == {"success": False, "text": reply.json["text"]} and "UTF-8" in reply.json["text"]
    assert db.users.count_documents({}) == 0


def test_unreadable_input_spends_no_quota(app, client):
    app.config.update(REGISTRATIONS_PER_IP=1, DASHBOARD_FAILS_PER_IP=1)
    for _ in range(3):
        client.post("/api/user/action/", data='{"email": "a@example.org", "password": "12345678", "name": "\\ud800"}',
                    content_type="application/json")
        client.post("/api/dashboard/phase", data=DEEP, content_type="application/json", auth=("organizer", "wrong"))
    reply = client.post("/api/user/action/", data={"email": "a@example.org", "password": "12345678", "name": "Ada"})
    assert reply.status_code == 200 and reply.json["action"] == "register"
    assert client.get("/api/dashboard/", auth=("organizer", "organizer")).status_code == 200


def test_malformed_input_leaves_stored_data_alone(client, register, pitch, set_phase, db):
    user = register()
    talk = pitch(user)
    set_phase("voting")
    client.post("/api/vote/action/", data={"user": user["_id"], "session": talk})
    before = [list(db[c].find()) for c in ("users", "sessions", "votes")]
    client.post("/api/vote/action/", json={"user": {"$ne": None}, "session": talk})
    client.post("/api/user/action/", json={"email": user["email"], "password": {"$ne": ""}, "name": "X"})
    client.get("/api/vote/action/?user[$ne]=&session=" + talk)
    assert [list(db[c].find()) for c in ("users", "sessions", "votes")] == before


def test_unknown_route_and_method_are_json(client):
    assert client.get("/api/nothing").json == {"success": False, "text": "Not found: check the address."}
    reply = client.delete("/api/vote/action/")
    assert reply.status_code == 405
    assert reply.json["success"] is False


def test_database_down_is_a_quick_503(make_app):
    dead = make_app(MONGO_URI=f"mongodb://127.0.0.1:{free_port()}/", DB_TIMEOUT_MS=300, PHASE="voting")
    client = dead.test_client()
    for method, url, data in [
        ("get", "/api/health", None),
        ("get", "/api/session/", None),
        ("post", "/api/user/action/", {"email": "a@example.org", "password": "12345678"}),
        ("post", "/api/vote/action/", {"user": "00000000-0000-4000-8000-000000000000",
                                       "session": "00000000-0000-4000-8000-000000000000"}),
    ]:
        started = time.monotonic()
        reply = getattr(client, method)(url, data=data)
        assert time.monotonic() - started < 3
        assert reply.status_code == 503
        assert reply.json["success"] is False
        assert reply.headers["Retry-After"]


@pytest.mark.parametrize("bidi", ["\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068",
                                  "\u2069"])
def test_bidi_controls_are_refused_in_titles_and_names(client, db, register, set_phase, bidi):
    user = register()
    set_phase("pitching")
    named = client.post("/api/user/action/", data={"email": "b@example.org", "password": "12345678",
                                                   "name": f"Ada{bidi}ecalevol"})
    titled = client.post("/api/session/action/", data={"user": user["_id"], "title": f"Safe{bidi}txt.exe",
                                                       "description": "D"})
    for reply, field in ((named, "name"), (titled, "title")):
        assert reply.status_code == 400
        assert reply.json["text"].startswith(f"{field} contains bidirectional control characters")
    assert db.users.count_documents({}) == 1 and db.sessions.count_documents({}) == 0
