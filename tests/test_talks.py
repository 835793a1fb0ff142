"""/api/session/action/ (pitching, and speakers changing or withdrawing their talks) and the public list /api/session/."""
import pytest

PITCH = "/api/session/action/"
LIST = "/api/session/"


def test_pitch_creates_a_talk_with_no_votes(client, register, set_phase):
    user = register(name="Grace Hopper")
    set_phase("pitching")
    reply = client.get(PITCH, query_string={"user": user["_id"], "title": "Nanoseconds", "description": "A wire."})
    assert reply.status_code == 201
    assert reply.json["success"] is True
    assert reply.json["action"] == "create"
    talk = client.get(LIST, query_string={"_id": reply.json["session"]}).json["session"]
    assert talk["title"] == "Nanoseconds"
    assert talk["speaker"] == "Grace Hopper"
    assert (talk["votes"], talk["accepted"]) == (0, False)


def test_pitch_by_json_with_login_cookie_instead_of_user(client, register, set_phase):
    register()
    set_phase("pitching")
    reply = client.post(PITCH, json={"title": "Cookies", "description": "They log you in."})
    assert reply.status_code == 201


@pytest.mark.parametrize("phase", ["voting", "closed"])
def test_pitch_outside_pitching_is_refused(client, register, set_phase, db, phase):
    user = register()
    set_phase(phase)
    reply = client.post(PITCH, data={"user": user["_id"], "title": "Late", "description": "Too late."})
    assert reply.status_code == 403
    assert "Pitching is closed" in reply.json["text"]
    assert db.sessions.count_documents({}) == 0


@pytest.mark.parametrize(("fields", "status", "says"), [
    ({"title": "", "description": "d"}, 400, "title"),
    ({"title": "   ", "description": "d"}, 400, "title"),
    ({"title": "t", "description": ""}, 400, "description"),
    ({"title": "t" * 201, "description": "d"}, 413, "title"),
    ({"title": "t", "description": "d" * 5001}, 413, "description"),
])
def test_bad_pitch_is_refused(client, register, set_phase, db, fields, status, says):
    user = register()
    set_phase("pitching")
    reply = client.post(PITCH, data={"user": user["_id"], **fields})
    assert reply.status_code == status
    assert says in reply.json["text"]
    assert reply.json["field"] == says  # the page shows the text next to this field
    assert db.sessions.count_documents({}) == 0


def test_sixth_pitch_is_refused_and_hidden_talks_still_count(client, register, set_phase, db):
    speaker, other = register(), register()
    set_phase("pitching")
    client.post(PITCH, data={"user": speaker["_id"], "title": "", "description": "bad input spends nothing"})
    for n in range(5):
        assert client.post(PITCH, data={"user": speaker["_id"], "title": f"Talk {n}", "description": "d"}).status_code == 201
    db.sessions.update_one({"title": "Talk 0"}, {"$set": {"hidden": True}})  # an organizer hid one as spam
    refused = client.post(PITCH, data={"user": speaker["_id"], "title": "Talk 5", "description": "d"})
    assert refused.status_code == 403
    assert refused.json == {"success": False, "text": "You have pitched 5 talks, the most one account may."}
    assert db.sessions.count_documents({"title": "Talk 5"}) == 0
    assert client.post(PITCH, data={"user": other["_id"], "title": "Mine", "description": "d"}).status_code == 201


def test_longest_allowed_pitch_is_accepted(client, register, set_phase):
    user = register()
    set_phase("pitching")
    reply = client.post(PITCH, data={"user": user["_id"], "title": "t" * 200, "description": "d" * 5000})
    assert reply.status_code == 201


@pytest.mark.parametrize("user_id", ["00000000-0000-4000-8000-000000000000", "not-a-uuid", ""])
def test_pitch_by_unknown_user_is_refused(app, set_phase, user_id):
    set_phase("pitching")
    reply = app.test_client().post(PITCH, data={"user": user_id, "title": "t", "description": "d"})
    assert reply.status_code == 401
    assert reply.json["success"] is False


def test_public_list_hides_private_fields(client, db, register, pitch):
    user = register(email="speaker@example.org")
    pitch(user)
    listing = client.get(LIST)
    assert listing.status_code == 200
    talk = listing.json["sessions"][0]
    assert set(talk) == {"_id", "title", "description", "speaker", "votes", "accepted", "created_at"}
    hash_method = db.users.find_one()["password_hash"].split("$", 1)[0]
    for secret in (user["_id"], "speaker@example.org", hash_method):
        assert secret not in listing.get_data(as_text=True)


def test_public_list_has_an_etag_and_answers_304(client, register, pitch):
    pitch(register())
    first = client.get(LIST)
    etag = first.headers["ETag"]
    again = client.get(LIST, headers={"If-None-Match": etag})
    assert again.status_code == 304
    pitch(register())
    changed = client.get(LIST, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert len(changed.json["sessions"]) == 2


@pytest.mark.parametrize("talk_id", ["00000000-0000-4000-8000-000000000000", "nope"])
def test_one_unknown_talk_is_404(client, talk_id):
    reply = client.get(LIST, query_string={"_id": talk_id})
    assert reply.status_code == 404
    assert reply.json == {"success": False, "text": "No such talk."}


@pytest.mark.parametrize("url", ["/api/user/", "/api/vote/", "/api/users/", "/api/votes/"])
def test_no_route_dumps_users_or_votes(client, register, url):
    register()
    reply = client.get(url)
    assert reply.status_code == 404
    assert reply.json["success"] is False


def test_speaker_updates_own_talk_by_legacy_get(client, register, pitch):
    user = register()
    talk = pitch(user, title="Old title")
    reply = client.get(PITCH, query_string={"user": user["_id"], "action": "update", "session": talk,
                                            "title": "New title", "description": "New words."})
    assert (reply.status_code, reply.json) == (200, {"success": True, "action": "update", "session": talk})
    shown = client.get(LIST, query_string={"_id": talk}).json["session"]
    assert (shown["title"], shown["description"]) == ("New title", "New words.")


def test_speaker_withdraws_own_talk_by_json(client, register, pitch, db):
    user = register()
    talk, kept = pitch(user, title="Going"), pitch(user, title="Staying")
    reply = client.post(PITCH, json={"action": "withdraw", "session": talk})
    assert (reply.status_code, reply.json) == (200, {"success": True, "action": "withdraw", "session": talk})
    assert [t["_id"] for t in client.get(LIST).json["sessions"]] == [kept]
    assert client.get(LIST, query_string={"_id": talk}).status_code == 404
    assert [t["_id"] for t in client.get("/api/user/me").json["talks"]] == [kept]
    assert db.sessions.find_one({"_id": talk})["withdrawn"]  # kept, not deleted
    assert client.post(PITCH, json={"action": "withdraw", "session": talk}).status_code == 404


@pytest.mark.parametrize("what", ["update", "withdraw"])
def test_only_the_speaker_may_change_a_talk(client, register, pitch, db, what):
    talk = pitch(register(), title="Mine")
    intruder = register()  # registering logs the client in as the intruder
    reply = client.post(PITCH, data={"action": what, "session": talk, "title": "Pwned", "description": "x"})
    assert reply.status_code == 403
    assert reply.json["success"] is False
    assert db.sessions.find_one({"_id": talk})["title"] == "Mine"
    assert not db.sessions.find_one({"_id": talk}).get("withdrawn")
    assert intruder["_id"] not in reply.get_data(as_text=True)


@pytest.mark.parametrize(("what", "phase"), [("update", "voting"), ("withdraw", "voting"), ("withdraw", "closed")])
def test_talks_change_only_while_pitching(client, register, pitch, set_phase, db, what, phase):
    talk = pitch(register(), title="Frozen")
    set_phase(phase)
    reply = client.post(PITCH, data={"action": what, "session": talk, "title": "Thawed", "description": "x"})
    assert reply.status_code == 403
    assert "Pitching is closed" in reply.json["text"]
    assert db.sessions.find_one({"_id": talk})["title"] == "Frozen"
    assert not db.sessions.find_one({"_id": talk}).get("withdrawn")


@pytest.mark.parametrize(("fields", "status", "field"), [
    ({"action": "delete"}, 400, "action"),
    ({"action": "update", "title": "", "description": "d"}, 400, "title"),
    ({"action": "update", "title": "t", "description": "d" * 5001}, 413, "description"),
])
def test_bad_update_names_the_field_and_changes_nothing(client, register, pitch, db, fields, status, field):
    talk = pitch(register(), title="Unchanged")
    reply = client.post(PITCH, data={"session": talk, **fields})
    assert (reply.status_code, reply.json["field"]) == (status, field)
    assert db.sessions.find_one({"_id": talk})["title"] == "Unchanged"


@pytest.mark.parametrize("talk_id", ["00000000-0000-4000-8000-000000000000", "nope", ""])
def test_update_of_unknown_talk_is_refused(client, register, pitch, talk_id):
    pitch(register())
    reply = client.post(PITCH, data={"action": "update", "session": talk_id, "title": "t", "description": "d"})
    assert reply.status_code in (400, 404)
    assert reply.json["success"] is False
