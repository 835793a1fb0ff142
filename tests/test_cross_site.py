"""Another site's page cannot make a visitor's browser register, log in or out, pitch or vote,
over the legacy GET or over POST; same-origin pages, old clients and curl still can."""
import pytest

ACTIONS = ["register", "login", "logout", "pitch", "vote"]

FOREIGN = [  # what a browser sends when another site's page (link, image, form, script) makes the request
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Origin": "https://evil.example"},
    {"Origin": "http://localhost:8080"},  # another port is another origin
    {"Origin": "null"},  # a sandboxed frame
    {"Referer": "https://evil.example/free-tickets"},
    {"Referer": "http://localhost.evil.example/"},
    {"Referer": "http://[::1"},  # unparsable
]

OWN = [
    {},  # old clients and curl
    {"Sec-Fetch-Site": "same-origin"},
    {"Sec-Fetch-Site": "none"},  # typed into the address bar, or a bookmark
    {"Origin": "http://localhost"},
    {"Referer": "http://localhost/"},
    {"Origin": "https://localhost"},  # behind a TLS terminator the app sees plain http
]


def headers_id(headers):
    """A test id that shows the headers sent."""
    return "; ".join(f"{name}: {value}" for name, value in headers.items()) or "no headers"


@pytest.fixture
def legacy_get(register, pitch, set_phase):
    """The path and query string of one of the five actions, ready to succeed over GET."""
    def legacy_get(action):
        if action == "register":
            return "/api/user/action/", {"email": "mallory@example.org", "password": "correct horse", "name": "Mallory"}
        if action == "logout":
            return "/api/user/action/", {"logout": "1"}
        user = register()
        if action == "login":
            return "/api/user/action/", {"email": user["email"], "password": user["password"]}
        if action == "pitch":
            set_phase("pitching")
            return "/api/session/action/", {"user": user["_id"], "title": "Pwned", "description": "CSRF"}
        talk = pitch(register())
        set_phase("voting")
        return "/api/vote/action/", {"user": user["_id"], "session": talk, "vote": "1"}
    return legacy_get


def stored(db):
    """How many documents each collection holds."""
    return {name: db[name].count_documents({}) for name in db.list_collection_names()}


def assert_refused(reply):
    assert reply.status_code == 403
    assert reply.json == {"success": False, "text": "Refused: this request came from another site."}
    assert "Set-Cookie" not in reply.headers  # no login set, none dropped


@pytest.mark.parametrize("headers", FOREIGN, ids=headers_id)
@pytest.mark.parametrize("action", ACTIONS)
def test_get_from_another_site_changes_nothing(client, db, legacy_get, action, headers):
    path, query = legacy_get(action)
    before = stored(db)
    reply = client.get(path, query_string=query, headers=headers)
    assert_refused(reply)
    assert stored(db) == before


@pytest.mark.parametrize("headers", OWN, ids=headers_id)
@pytest.mark.parametrize("action", ACTIONS)
def test_get_from_own_site_or_no_browser_works(client, legacy_get, action, headers):
    path, query = legacy_get(action)
    reply = client.get(path, query_string=query, headers=headers)
    assert reply.status_code in (200, 201), reply.json
    assert reply.json["success"] is True


def test_plain_http_page_cannot_act_on_https_site(client, legacy_get):
    path, query = legacy_get("login")
    reply = client.get(path, query_string=query, base_url="https://localhost", headers={"Origin": "http://localhost"})
    assert_refused(reply)


@pytest.mark.parametrize("headers", FOREIGN, ids=headers_id)
def test_post_login_from_another_site_sets_no_cookie(client, register, headers):
    user = register()
    reply = client.post("/api/user/action/", data={"email": user["email"], "password": user["password"]},
                        headers=headers)
    assert_refused(reply)


@pytest.mark.parametrize("headers", OWN, ids=headers_id)
def test_post_login_from_own_site_sets_the_cookie(client, register, headers):
    user = register()
    reply = client.post("/api/user/action/", json={"email": user["email"], "password": user["password"]},
                        headers=headers)
    assert reply.json["action"] == "login"
    assert "lt_user=" in reply.headers["Set-Cookie"]


def test_reading_stays_open_to_other_sites(client):
    # Links from elsewhere to public, read-only addresses are how people find the site.
    reply = client.get("/api/session/", headers={"Sec-Fetch-Site": "cross-site", "Referer": "https://evil.example/"})
    assert reply.status_code == 200
