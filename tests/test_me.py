"""GET /api/user/me: how site.js restores a login from the HttpOnly cookie after a reload."""
ME = "/api/user/me"


def test_me_without_login_is_401(app):
    reply = app.test_client().get(ME)
    assert reply.status_code == 401
    assert reply.json["success"] is False


def test_me_gives_name_votes_and_own_pitches_but_not_the_id(client, register, pitch, set_phase):
    user = register(name="Grace Hopper")
    own = pitch(user, title="Nanoseconds")
    other = pitch(register(name="Someone Else"), title="Not mine")  # registering logs the client in as them
    client.post("/api/user/action/", json={"email": user["email"], "password": user["password"]})
    set_phase("voting")
    client.post("/api/vote/action/", json={"session": other, "vote": 1})
    reply = client.get(ME)
    assert reply.status_code == 200
    assert reply.json["name"] == "Grace Hopper"
    assert reply.json["votes"] == [other]
    assert [talk["_id"] for talk in reply.json["talks"]] == [own]
    assert user["_id"] not in reply.get_data(as_text=True)
    assert reply.headers["Cache-Control"] == "no-store"


def test_me_after_logout_is_401(client, register):
    register()
    assert client.get(ME).status_code == 200
    client.post("/api/user/action/", json={"logout": 1})
    assert client.get(ME).status_code == 401


def test_me_ignores_a_user_id_in_the_query(app, register):
    user = register()
    reply = app.test_client().get(ME, query_string={"user": user["_id"]})
    assert reply.status_code == 401


def test_login_sets_a_readable_hint_without_the_id_and_logout_drops_it(client, register):
    user = register()
    hint = client.get_cookie("lt_in", path="/")
    assert (hint.value, hint.http_only) == ("1", False)  # site.js reads it to know whether to ask /me
    assert user["_id"] not in hint.value
    client.post("/api/user/action/", json={"logout": 1})
    assert client.get_cookie("lt_in", path="/") is None
