"""Property-based fuzzing: any input to any route gives a JSON reply below 500, and the data stays consistent."""
import json
import uuid
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import create_app
from app.store import indexes

pytestmark = pytest.mark.xdist_group("fuzz")  # the file's module-scoped daemons start once
FIELDS = ["email", "password", "name", "user", "session", "title", "description", "vote", "_id", "phase",
          "fingerprint", "logout", "digest", "tied", "talk", "direction", "intent", "date", "time", "place",
          "accepted_subject", "accepted_body", "declined_subject", "declined_body", "action", "token", "account",
          "suspects"]
ROUTES = ["/api/user/action/", "/api/user/me", "/api/session/action/", "/api/vote/action/", "/api/session/", "/api/health",
          "/api/dashboard/phase", "/api/dashboard/phase/confirm", "/api/dashboard/accept-top", "/api/dashboard/event",
          "/api/dashboard/speakers/wording", "/api/dashboard/programme/move", "/api/dashboard/accounts/quarantine",
          "/api/dashboard/accounts/release"]

# Text with a lone UTF-16 surrogate: "\\ud800" in JSON, %ED%A0%80 in a query or form.
with_surrogate = st.tuples(st.text(max_size=20), st.characters(categories=["Cs"]), st.text(max_size=20)).map("".join)
scalars = st.one_of(st.text(max_size=300), with_surrogate, st.integers(), st.floats(allow_nan=True), st.booleans(),
                    st.none())
operators = st.dictionaries(st.sampled_from(["$ne", "$gt", "$regex", "$where", "$in", "$set"]), scalars, min_size=1)
values = st.one_of(scalars, operators, st.lists(scalars, max_size=3))


@pytest.fixture(scope="module")
def world(mongo_uri, tmp_path_factory):
    """One app, a voter and a talk shared by every generated example."""
    app = create_app({"MONGO_URI": mongo_uri, "DB_NAME": f"fuzz_{uuid.uuid4().hex[:8]}",
                      "WWW_DIR": tmp_path_factory.mktemp("www"), "DATA_DIR": tmp_path_factory.mktemp("data"),
                      "PHASE": "pitching", "REBAKE_INTERVAL": 0})  # no re-bake timer outlives the module
    client = app.test_client()
    with app.app_context():
        indexes.apply()
    user = client.post("/api/user/action/", data={"email": "f@example.org", "password": "fuzz-password", "name": "F"}).json
    talk = client.post("/api/session/action/", data={"user": user["_id"], "title": "T", "description": "D"}).json
    yield app, user["_id"], talk["session"]
    app.extensions["mongo"].drop_database(app.config["DB_NAME"])
    app.extensions["mongo"].close()


def real_ids(user_id, talk_id):
    """Sometimes a valid id or action, so the fuzz reaches past validation into the data layer: the speakers'
    update and withdraw, and the account-mail actions, included."""
    return st.sampled_from([user_id, talk_id, str(uuid.uuid4()), "f@example.org", "fuzz-password", "1", "0",
                            "update", "withdraw", "verify", "resend", "forgot", "reset", "login"])


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_no_input_gives_a_server_error(world, data):
    app, user_id, talk_id = world
    app.config["PHASE"] = data.draw(st.sampled_from(["pitching", "voting", "closed"]))
    route = data.draw(st.sampled_from(ROUTES))
    keys = st.one_of(st.sampled_from(FIELDS), st.text(max_size=20))
    fields = data.draw(st.dictionaries(keys, st.one_of(values, real_ids(user_id, talk_id)), max_size=6))
    how = data.draw(st.sampled_from(["get", "form", "json", "deep", "raw"]))
    client = app.test_client()
    auth = data.draw(st.sampled_from([None, ("organizer", "organizer"), ("organizer", "x")]))
    # surrogatepass: a lone surrogate goes out as the bytes an attacker would send, %ED%A0%80.
    encoded = urlencode({k: str(v) for k, v in fields.items()}, errors="surrogatepass")
    if how == "get":
        reply = client.get(route, query_string=encoded, auth=auth)
    elif how == "form":
        reply = client.post(route, data=encoded, content_type="application/x-www-form-urlencoded", auth=auth)
    elif how == "json":
        reply = client.post(route, data=json.dumps(fields), content_type="application/json", auth=auth)
    elif how == "deep":  # one field's value nested hundreds or thousands of levels deep
        depth = data.draw(st.integers(min_value=1, max_value=5000))
        nested = "[" * depth + json.dumps(data.draw(scalars)) + "]" * depth
        body = json.dumps(fields)[:-1] + (", " if fields else "") + f'"{data.draw(st.sampled_from(FIELDS))}": {nested}}}'
        reply = client.post(route, data=body, content_type="application/json", auth=auth)
    else:
        raw = data.draw(st.binary(max_size=500))
        reply = client.post(route, data=raw, content_type=data.draw(st.sampled_from(
            ["application/json", "application/x-www-form-urlencoded", "multipart/form-data", "text/plain"])), auth=auth)
    assert reply.status_code < 500, (route, how, fields, reply.get_data(as_text=True))
    if reply.status_code >= 400:
        assert reply.json["success"] is False and reply.json["text"]

    db = app.extensions["mongo"][app.config["DB_NAME"]]
    for talk in db.sessions.find({}, {"votes": 1}):
        assert talk["votes"] == db.votes.count_documents({"session": talk["_id"]})
    assert all(isinstance(u["email"], str) and isinstance(u["name"], str) for u in db.users.find())
