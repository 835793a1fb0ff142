"""The production stack with its real daemons: Varnish in front of nginx in front of uWSGI."""
import base64
import dataclasses
import grp
import http.server
import json
import os
import pwd
import socket
import stat
import struct
import subprocess
import threading
import time
import uuid
from urllib.parse import urlencode

import pytest

from app.db import make_client
from app.headers import SECURITY_HEADERS
from app.homepage import bake
from app.runtime import rundir, stack
from app.runtime.embedded import free_port
from app.store import talks, users

from . import stack_helpers
from .helpers import listening_tcp_sockets, open_sockets, require
from .stack_helpers import ORGANIZER, PASSWORD, TTL, backend_health, call, post, varnishadm, wait_until, workers

pytestmark = pytest.mark.xdist_group("stack")  # the file's module-scoped daemons start once
PROBES = 3  # logins with unknown emails per address before 429: how the tests see which address the app sees


def uwsgi_packet(path, variables):
    """One raw uwsgi-protocol request sent to a unix socket, as anyone who reaches it could; the reply's bytes."""
    def sized(text):
        return struct.pack("<H", len(text.encode())) + text.encode()
    body = b"".join(sized(name) + sized(value) for name, value in variables.items())
    with socket.socket(socket.AF_UNIX) as client:
        client.settimeout(10)
        client.connect(str(path))
        client.sendall(struct.pack("<BHB", 0, len(body), 0) + body)
        return b"".join(iter(lambda: client.recv(65536), b""))


def basic_auth(user, password):
    """The Authorization header for HTTP Basic auth."""
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def log_count(daemon, text):
    """How many lines of a daemon's log hold this text."""
    return sum(text in line for line in daemon.log.read_text().splitlines())


def settled_log_count(daemon, text, at_least):
    """The count once it reaches at_least and a moment passes (uWSGI logs after it answers)."""
    wait_until(lambda: log_count(daemon, text) >= at_least)
    time.sleep(0.3)
    return log_count(daemon, text)


@pytest.fixture(scope="session")
def settings():
    """Settings for a stack on free loopback ports."""
    with stack_helpers.stack_settings("lt-stack-") as settings:
        yield settings


@pytest.fixture(scope="session")
def app_env(settings, mongo_uri):
    """The environment uWSGI's app reads, with few login probes per address (PROBES)."""
    return stack_helpers.app_env(settings, mongo_uri, LT_LOGIN_PROBES_PER_IP=str(PROBES))


@pytest.fixture(scope="session")
def site(app_env):
    """The app as uWSGI runs it, with one talk (TALK_ID) and a baked homepage."""
    with stack_helpers.site(app_env, ["Caching in five minutes"]) as app:
        app.config["TALK_ID"] = app.config["TALK_IDS"][0]
        yield app
        app.extensions["mongo"].drop_database(app.config["DB_NAME"])


@pytest.fixture(scope="session")
def daemons(settings, app_env, site):
    """The stack's daemons, rendered from the settings but not started."""
    stack.render(settings, ORGANIZER)
    return stack.daemons(settings, app_env)


def _running(daemon):
    with daemon:
        yield daemon


@pytest.fixture(scope="session")
def uwsgi(daemons):
    """uWSGI with the app, for the whole run."""
    yield from _running(daemons["uwsgi"])


@pytest.fixture(scope="session")
def nginx(daemons, uwsgi):
    """nginx in front of uWSGI."""
    yield from _running(daemons["nginx"])


@pytest.fixture(scope="session")
def varnish(daemons, nginx):
    """Varnish in front of nginx: the whole stack."""
    yield from _running(daemons["varnish"])


@pytest.fixture(scope="session")
def voter(settings, varnish):
    """An attendee registered through the stack: the reply's JSON and the login cookie."""
    reply = post(settings.port, "/api/user/action/",
                 {"email": f"{uuid.uuid4().hex[:8]}@example.org", "password": PASSWORD, "name": "Ada"})
    assert reply.status == 200, reply.body
    return {**reply.json, "cookie": f"lt_user={reply.cookies['lt_user']}"}


def get(settings, path, **options):
    """GET through Varnish."""
    return call(settings.port, "GET", path, **options)


def purge(settings, method, path, secret=ORGANIZER.PURGE_SECRET, source="127.0.0.1"):
    """A PURGE or BAN to Varnish, with the secret as the app sends it, or as anyone else could."""
    return call(settings.port, method, path, headers={"X-Purge-Secret": secret} if secret else {}, source=source)


def probe(port, source, forged=None):
    """A login with an unknown email, from this address (and with this X-Forwarded-For); its status."""
    fields = urlencode({"email": f"{uuid.uuid4().hex[:8]}@example.org", "password": PASSWORD})
    headers = {"Content-Type": "application/x-www-form-urlencoded", **({"X-Forwarded-For": forged} if forged else {})}
    return call(port, "POST", "/api/user/action/", fields, headers, source=source).status


@pytest.mark.daemons
def test_homepage_is_a_miss_then_a_hit(settings, varnish):
    purge(settings, "PURGE", "/")
    first, second = get(settings, "/"), get(settings, "/?_=1700000000000")  # the cache-buster is ignored
    assert (first.status, first.headers["X-Cache"]) == (200, "MISS")
    assert (second.status, second.headers["X-Cache"], second.headers["X-Cache-Hits"]) == (200, "HIT", "1")


@pytest.mark.daemons
@pytest.mark.parametrize("method", ["PURGE", "BAN"])
def test_purge_with_the_secret_makes_the_next_request_a_miss(settings, varnish, method):
    get(settings, "/")
    assert purge(settings, method, "/").status == 200
    assert get(settings, "/").headers["X-Cache"] == "MISS"


@pytest.mark.daemons
@pytest.mark.parametrize("method", ["PURGE", "BAN"])
@pytest.mark.parametrize(("secret", "source"), [
    (ORGANIZER.PURGE_SECRET, "127.0.0.2"),  # outside the ACL, even with the secret
    (None, "127.0.0.1"),  # every visitor, once a TLS terminator runs on this machine
    ("stack-purge-secret-guessed-wrong-0000", "127.0.0.1"),
], ids=["outside-acl", "no-secret", "wrong-secret"])
def test_purge_without_the_secret_or_from_outside_the_acl_is_refused(settings, varnish, method, secret, source):
    get(settings, "/")
    assert purge(settings, method, "/", secret, source).status == 405
    assert get(settings, "/").headers["X-Cache"] == "HIT"


@pytest.mark.daemons
def test_votes_through_varnish_always_reach_the_app(settings, varnish, site, voter, uwsgi):
    talk = site.config["TALK_ID"]
    posted = [post(settings.port, "/api/vote/action/", {"session": talk}, {"Cookie": voter["cookie"]}) for _ in range(2)]
    query = urlencode({"user": voter["_id"], "session": talk})
    legacy = [get(settings, f"/api/vote/action/?{query}") for _ in range(2)]  # the same URL twice
    replies = posted + legacy
    assert [r.json.get("action") for r in replies] == ["create vote", "delete vote"] * 2, [r.body for r in replies]
    assert [r.json["votes"] for r in replies] == [1, 0, 1, 0]
    assert {r.headers["X-Cache"] for r in replies} == {"MISS"}


@pytest.mark.daemons
def test_votes_from_own_origin_pass_and_from_another_site_are_refused(settings, varnish, site, voter):
    # The app compares Origin and Referer with the Host, port and all, that Varnish and nginx pass on.
    talk, own = site.config["TALK_ID"], f"http://127.0.0.1:{settings.port}"
    ours = {"Sec-Fetch-Site": "same-origin", "Origin": own, "Referer": f"{own}/"}
    legacy = f"/api/vote/action/?{urlencode({'user': voter['_id'], 'session': talk, 'vote': 0})}"
    foreign = get(settings, legacy.replace("vote=0", "vote=1"), headers={"Referer": "https://evil.example/"})
    posted = post(settings.port, "/api/vote/action/", {"session": talk, "vote": 1}, {**ours, "Cookie": voter["cookie"]})
    undone = get(settings, legacy, headers=ours)  # leaves the count as other tests expect it
    assert (foreign.status, foreign.json["success"]) == (403, False)
    assert [(r.status, r.json.get("votes")) for r in (posted, undone)] == [(200, 1), (200, 0)], posted.body


@pytest.mark.daemons
def test_polls_of_the_talk_list_reach_the_app_once_per_second(settings, varnish, uwsgi, voter):
    purge(settings, "BAN", "^/api/session/")
    before = log_count(uwsgi, "GET /api/session/ 200")
    first = get(settings, "/api/session/?_=1", headers={"Cookie": voter["cookie"]})
    second = get(settings, "/api/session/?_=2")  # another visitor, no cookie
    assert settled_log_count(uwsgi, "GET /api/session/ 200", before + 1) == before + 1
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("MISS", "HIT")
    assert first.body == second.body


@pytest.mark.daemons
def test_a_foreign_host_header_cannot_poison_what_others_get(settings, varnish):
    # nginx redirects the directory /assets to /assets/; an absolute redirect would name the Host
    # the request claimed, and Varnish would serve it to everyone.
    call(settings.port, "PURGE", "/assets")
    poisoned = get(settings, "/assets", headers={"Host": "evil.example"})
    normal = get(settings, "/assets")
    assert (normal.status, normal.headers["Location"]) == (301, "/assets/")
    assert (poisoned.status, poisoned.headers["Location"]) == (301, "/assets/")


@pytest.mark.daemons
@pytest.mark.parametrize("path", [
    "/x/../api/vote/action/?{query}", "/./api/vote/action/?{query}", "//api/vote/action/?{query}",
    "/api/vote/./action/?{query}", "/x/%2e%2e/api/vote/action/?{query}", "/x/.%2E/api/vote/action/?{query}",
    "/%61pi/vote/action/?{query}", "/api%2Fvote/action/?{query}", "/x/..",
])
def test_paths_nginx_reads_differently_are_refused(settings, varnish, site, voter, path):
    # nginx resolves each to /api/vote/action/; Varnish would otherwise route and cache it as a file.
    query = urlencode({"user": voter["_id"], "session": site.config["TALK_ID"], "vote": 0})
    replies = [get(settings, path.format(query=query)) for _ in range(2)]
    assert [(r.status, r.headers["Content-Type"], r.json["success"]) for r in replies] == [
        (400, "application/json", False)] * 2
    assert "path" in replies[0].json["text"]


@pytest.mark.daemons
def test_an_absolute_form_url_is_routed_as_the_path_it_names(settings, varnish, site, voter):
    query = urlencode({"user": voter["_id"], "session": site.config["TALK_ID"], "vote": 0})
    replies = [get(settings, f"http://evil.example/api/vote/action/?{query}") for _ in range(2)]
    assert [(r.status, r.json["success"], r.headers["X-Cache"]) for r in replies] == [(200, True, "MISS")] * 2


@pytest.mark.daemons
def test_api_replies_are_never_stored_without_asking(settings, nginx, site, voter):
    # Were a path to slip past Varnish's routing, the app's own answer still forbids storing it.
    query = urlencode({"user": voter["_id"], "session": site.config["TALK_ID"], "vote": 0})
    for path in (f"/api/vote/action/?{query}", "/api/user/me", "/api/dashboard/"):
        assert call(settings.nginx_port, "GET", path).headers["Cache-Control"] == "no-store", path
    assert get(settings, "/api/session/").headers["Cache-Control"] == "public, max-age=1"


@pytest.mark.daemons
def test_no_reply_names_the_proxies_or_their_versions(settings, varnish):
    replies = [get(settings, "/"), get(settings, "/api/session/"), get(settings, "/api/health"),
               get(settings, "/x/../"), call(settings.port, "PURGE", "/", source="127.0.0.2")]
    for reply in replies:
        assert not {"Via", "X-Varnish"} & set(reply.headers), reply.headers
        assert reply.headers["Server"] in ("nginx", "Varnish")  # no version


@pytest.mark.daemons
@pytest.mark.parametrize(("credentials", "status"), [(None, 401), (("organizer", "wrong"), 401), (("organizer", ORGANIZER.DASHBOARD_PASSWORD), 200)])
def test_dashboard_needs_the_organizer_password_through_nginx(settings, nginx, credentials, status):
    headers = basic_auth(*credentials) if credentials else {}
    assert call(settings.nginx_port, "GET", "/api/dashboard/", headers=headers).status == status


@pytest.mark.daemons
@pytest.mark.parametrize("path", ["/dashboard", "/dashboard/", "/api/dashboard"])
def test_short_dashboard_addresses_redirect_through_the_stack(settings, varnish, path):
    reply = get(settings, path)
    assert reply.status in (301, 308)
    assert reply.headers["Location"] == "/api/dashboard/"


@pytest.mark.daemons
def test_wrong_dashboard_passwords_through_nginx_are_limited_per_address(settings, nginx):
    def status(password, source):
        return call(settings.nginx_port, "GET", "/api/dashboard/", headers=basic_auth("organizer", password),
                    source=source).status
    # nginx refuses a wrong password itself; it hands the refusal to the app, which counts it.
    assert [status(f"guess {n}", "127.0.0.66") for n in range(21)] == [401] * 20 + [429]
    assert status(ORGANIZER.DASHBOARD_PASSWORD, "127.0.0.66") == 429
    assert status(ORGANIZER.DASHBOARD_PASSWORD, "127.0.0.67") == 200
    # The address nginx hands refusals to lets nobody in from outside.
    refusals = "/api/dashboard/refused"
    assert call(settings.nginx_port, "GET", refusals, headers=basic_auth("organizer", ORGANIZER.DASHBOARD_PASSWORD),
                source="127.0.0.68").status == 404


@pytest.mark.daemons
def test_nginx_serves_files_gzipped_with_the_apps_security_headers(settings, nginx):
    page = call(settings.nginx_port, "GET", "/", headers={"Accept-Encoding": "gzip"})
    asset = next((settings.www_dir / "assets").glob("*.js")).name
    cached = call(settings.nginx_port, "GET", f"/assets/{asset}")
    assert page.headers["Content-Encoding"] == "gzip"
    # The bake's own .gz is sent as it is (gzip_static), not compressed again per request.
    assert int(page.headers["Content-Length"]) == (settings.www_dir / "index.html.gz").stat().st_size
    assert page.headers["Cache-Control"] == "max-age=60"
    assert cached.headers["Cache-Control"] == "max-age=31536000"
    for reply in (page, cached):
        assert {name: reply.headers.get(name) for name in SECURITY_HEADERS} == SECURITY_HEADERS


@pytest.mark.daemons
@pytest.mark.parametrize(("method", "path", "body", "headers", "status"), [
    ("POST", "/api/user/action/", "name=" + "x" * 100_000, {}, 413),
    ("POST", "/api/dashboard/phase", "phase=" + "x" * 100_000, {}, 413),
    ("TRACE", "/api/session/", None, {}, 405),
    ("GET", "/api/session/", None, {"Host": "a b"}, 400),
])
def test_nginx_refusals_under_the_api_are_its_json_errors(settings, nginx, method, path, body, headers, status):
    if method == "POST":
        headers = {**headers, "Content-Type": "application/x-www-form-urlencoded"}
    reply = call(settings.nginx_port, method, path, body, headers)
    assert (reply.status, reply.headers["Content-Type"], reply.json["success"]) == (status, "application/json", False)
    assert {400: "Bad request", 405: "not allowed", 413: "too large"}[status] in reply.json["text"]
    assert reply.headers["Cache-Control"] == "no-store"


# A uwsgi packet may name code for uWSGI to load as another app; each of these would run the payload.
@pytest.mark.daemons
@pytest.mark.parametrize("asks", [
    {"UWSGI_FILE": "exec://touch {marker}"},
    {"UWSGI_FILE": "{folder}/{module}.py"},
    {"UWSGI_CHDIR": "{folder}", "UWSGI_MODULE": "{module}"},
    {"UWSGI_CHDIR": "{folder}", "UWSGI_SCRIPT": "{module}:application"},
], ids=["exec", "file", "module", "script"])
def test_a_uwsgi_packet_cannot_make_uwsgi_load_code(settings, nginx, uwsgi, tmp_path, asks):
    marker, module = tmp_path / "payload-ran", f"payload_{uuid.uuid4().hex}"
    (tmp_path / f"{module}.py").write_text(
        f"import pathlib\npathlib.Path({str(marker)!r}).touch()\n"
        "def application(environ, start_response):\n    start_response('200 OK', [])\n    return [b'payload']\n")
    request = {"REQUEST_METHOD": "GET", "SCRIPT_NAME": f"/{module}", "PATH_INFO": "/api/health", "QUERY_STRING": "",
               "SERVER_NAME": "localhost", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1",
               "REMOTE_ADDR": "127.0.0.1"}
    asked = {name: value.format(marker=marker, folder=tmp_path, module=module) for name, value in asks.items()}
    reply = uwsgi_packet(settings.uwsgi_socket, {**request, **asked})
    assert not marker.exists()
    assert json.loads(reply.partition(b"\r\n\r\n")[2])["ok"] is True  # our app answered, no other
    assert call(settings.nginx_port, "GET", "/api/health").status == 200


@pytest.mark.daemons
def test_uwsgi_listens_only_on_its_unix_socket(settings, uwsgi):
    assert not open_sockets(uwsgi.pid) & listening_tcp_sockets().keys()
    assert stat.S_ISSOCK(settings.uwsgi_socket.stat().st_mode)
    assert stat.S_IMODE(settings.uwsgi_socket.stat().st_mode) == 0o660
    assert stat.S_IMODE(settings.uwsgi_socket.parent.stat().st_mode) == 0o750


@pytest.mark.daemons
def test_a_rebake_purges_the_homepage(settings, varnish, site):
    get(settings, "/")
    assert get(settings, "/").headers["X-Cache"] == "HIT"
    with site.app_context():
        bake.rebake()
    assert get(settings, "/").headers["X-Cache"] == "MISS"


@pytest.fixture
def forwarder(settings, varnish):
    """A TLS terminator's stand-in in front of Varnish, which then believes one proxy (LT_PROXY_COUNT=1):
    it forwards each request, appending its client's address to X-Forwarded-For as nginx's
    $proxy_add_x_forwarded_for does; its port."""
    behind = dataclasses.replace(settings, run_dir=settings.run_dir / "behind", proxy_count=1)
    stack.render(behind, ORGANIZER)

    class Forward(http.server.BaseHTTPRequestHandler):
        def forward(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0))) or None
            seen = self.headers.get("X-Forwarded-For")
            headers = {name: value for name, value in self.headers.items() if name.lower() != "x-forwarded-for"}
            headers["X-Forwarded-For"] = f"{seen}, {self.client_address[0]}" if seen else self.client_address[0]
            reply = call(settings.port, self.command, self.path, body, headers)
            self.send_response(reply.status)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            self.wfile.write(reply.body)
        do_GET = do_POST = forward

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Forward)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    varnishadm(settings, "vcl.load", "behind", str(behind.run_dir / "varnish.vcl"))
    varnishadm(settings, "vcl.use", "behind")
    try:
        yield server.server_port
    finally:
        varnishadm(settings, "vcl.use", "boot")
        varnishadm(settings, "vcl.discard", "behind")
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.mark.daemons
def test_rate_limits_follow_each_visitor_behind_a_forwarder(forwarder):
    assert [probe(forwarder, "127.0.0.21") for _ in range(PROBES + 1)] == [401] * PROBES + [429]
    assert probe(forwarder, "127.0.0.21", forged="10.9.9.9") == 429  # what the visitor wrote is not believed
    assert probe(forwarder, "127.0.0.22") == 401  # another visitor behind the same forwarder


@pytest.mark.daemons
def test_a_forged_x_forwarded_for_does_not_escape_rate_limits(settings, varnish):
    assert [probe(settings.port, "127.0.0.23") for _ in range(PROBES + 1)] == [401] * PROBES + [429]
    assert probe(settings.port, "127.0.0.23", forged="10.9.9.8") == 429
    assert probe(settings.port, "127.0.0.23", forged="10.9.9.8, 127.0.0.24") == 429


@pytest.mark.daemons
def test_a_pitch_left_for_later_is_baked_by_a_uwsgi_worker_and_purged(settings, varnish, site):
    get(settings, "/")
    with site.app_context():
        talks.create(users.by_email("speaker@example.org"), "Baked by a timer", "A worker's own thread.")
    # What a pitch right after a bake leaves: a change to bake, not before a second has passed.
    (settings.www_dir / bake.STARTED).write_text(repr(time.time()))
    (settings.www_dir / bake.PENDING).write_text(repr(time.time()))
    assert call(settings.nginx_port, "GET", "/api/session/").status == 200  # a poll finds it pending
    assert b"Baked by a timer" not in get(settings, "/").body
    wait_until(lambda: b"Baked by a timer" in get(settings, "/").body, timeout=3)


@pytest.mark.daemons
def test_stack_rides_out_a_uwsgi_restart(settings, varnish, uwsgi, voter, site):
    def backend(state):
        return lambda: backend_health(settings)["boot.app1"] == state
    get(settings, "/")
    uwsgi.stop()
    wait_until(backend("sick"))
    time.sleep(TTL)  # the cached homepage is now past its TTL: only grace can serve it
    page = get(settings, "/")
    vote = post(settings.port, "/api/vote/action/", {"session": site.config["TALK_ID"]}, {"Cookie": voter["cookie"]})
    behind = call(settings.nginx_port, "GET", "/api/health")
    dashboard = call(settings.nginx_port, "GET", "/api/dashboard/",
                     headers=basic_auth(ORGANIZER.DASHBOARD_USER, ORGANIZER.DASHBOARD_PASSWORD))
    assert (page.status, page.headers["X-Cache"]) == (200, "HIT") and int(page.headers["Age"]) >= TTL
    for reply in (vote, behind, dashboard):
        assert (reply.status, reply.headers["Content-Type"], reply.json["success"]) == (503, "application/json", False)
    uwsgi.start()
    wait_until(backend("healthy"))
    assert get(settings, "/api/health").status == 200
    assert post(settings.port, "/api/vote/action/", {"session": site.config["TALK_ID"], "vote": "0"},
                {"Cookie": voter["cookie"]}).status == 200


@pytest.mark.daemons
def test_a_graceful_reload_keeps_uwsgi_and_every_request(settings, varnish, uwsgi):
    master, before = uwsgi.pid, workers(uwsgi.pid)
    statuses, stop = [], threading.Event()

    def ask():
        while not stop.is_set():
            statuses.append(call(settings.port, "GET", "/api/health").status)
    asking = threading.Thread(target=ask)
    asking.start()
    try:
        time.sleep(0.2)
        later = max(time.time(), settings.reload_file.stat().st_mtime + 1)  # uWSGI compares whole seconds
        os.utime(settings.reload_file, (later, later))  # what `systemctl reload` and deploys do
        wait_until(lambda: workers(master) and not set(workers(master)) & set(before))
        time.sleep(0.2)
    finally:
        stop.set()
        asking.join()
    # The same master re-executed itself in the venv's Python, holding the socket: asked through Varnish, as
    # attendees ask during a deploy, nothing was refused.
    assert uwsgi.running and uwsgi.pid == master
    assert statuses and set(statuses) == {200}


@pytest.mark.daemons
def test_logs_hold_no_password_or_user_id(settings, varnish, voter, site):
    speaker = {"email": "speaker@example.org", "password": PASSWORD}
    speaker_id = get(settings, "/api/user/action/?" + urlencode(speaker)).json["_id"]  # the legacy GET login
    assert post(settings.port, "/api/user/action/", speaker).status == 200
    vote = urlencode({"user": speaker_id, "session": site.config["TALK_ID"], "vote": "1"})
    assert get(settings, f"/api/vote/action/?{vote}").status == 200
    organizer = basic_auth(ORGANIZER.DASHBOARD_USER, ORGANIZER.DASHBOARD_PASSWORD)
    assert get(settings, "/api/dashboard/", headers=organizer).status == 200
    files = [*rundir.logs(settings.run_dir).iterdir(), *settings.nginx_prefix.glob("*.log")]
    logs = {path.name: path.read_text() for path in files}
    logs["varnishlog"] = subprocess.run(["varnishlog", "-d", "-n", str(settings.varnish_dir)], capture_output=True,
                                        text=True, timeout=20, check=True).stdout
    assert all("/api/vote/action/" in logs[name] for name in ("uwsgi.log", "access.log", "varnishlog"))
    secrets = (PASSWORD, speaker_id, voter["_id"], ORGANIZER.DASHBOARD_PASSWORD, organizer["Authorization"][6:])
    assert not [(secret, name) for secret in secrets for name, log in logs.items() if secret in log]


@pytest.mark.daemons
def test_varnish_balances_over_two_app_servers(settings, varnish, app_env):
    first = f"127.0.0.1:{settings.nginx_port}"
    second = dataclasses.replace(settings, run_dir=settings.run_dir / "second", nginx_port=free_port())
    second = dataclasses.replace(second, backends=(first, f"127.0.0.1:{second.nginx_port}"))
    stack.render(second, ORGANIZER)
    servers = stack.daemons(second, app_env)
    with servers["uwsgi"], servers["nginx"]:
        varnishadm(settings, "vcl.load", "two", str(second.run_dir / "varnish.vcl"))
        varnishadm(settings, "vcl.use", "two")
        try:
            wait_until(lambda: [backend_health(settings)[f"two.app{n}"] for n in (1, 2)] == ["healthy"] * 2)
            for _ in range(6):
                get(settings, "/api/vote/action/")  # passed to an app server: 401 without a user
            assert settled_log_count(servers["uwsgi"], "GET /api/vote/action/ 401", 3) == 3
        finally:
            varnishadm(settings, "vcl.use", "boot")
            varnishadm(settings, "vcl.discard", "two")


def test_systemd_units_verify(tmp_path):
    require("systemd-analyze")
    settings = stack.StackSettings(run_dir=tmp_path, www_dir=tmp_path / "www", user="www-data", listen="",
                                   production=True)
    stack.render(settings, ORGANIZER)
    units = sorted(str(path) for path in (tmp_path / "systemd").iterdir())
    assert len(units) == 4  # uWSGI, nginx, Varnish and, without MONGO_URI, the embedded database
    result = subprocess.run(["systemd-analyze", "verify", *units], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_htpasswd_and_the_uwsgi_socket_dir_are_the_apps_users_alone(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("only root renders files for another user")
    settings = stack.StackSettings(run_dir=tmp_path, www_dir=tmp_path / "www", user="www-data")
    stack.render(settings, ORGANIZER)
    htpasswd, sockets = (tmp_path / "htpasswd").stat(), settings.uwsgi_socket.parent.stat()
    assert (grp.getgrgid(htpasswd.st_gid).gr_name, stat.S_IMODE(htpasswd.st_mode)) == ("www-data", 0o640)
    assert (pwd.getpwuid(sockets.st_uid).pw_name, grp.getgrgid(sockets.st_gid).gr_name,
            stat.S_IMODE(sockets.st_mode)) == ("www-data", "www-data", 0o750)


def test_rendering_the_confs_leaves_uwsgi_running_as_it_is(tmp_path):
    settings = stack.StackSettings(run_dir=tmp_path, www_dir=tmp_path / "www")
    stack.render(settings, ORGANIZER)
    assert settings.reload_file.exists()  # uWSGI watches it from its start
    os.utime(settings.reload_file, (1, 1))
    stack.render(settings, ORGANIZER)
    assert settings.reload_file.stat().st_mtime == 1  # not touched: that would reload uWSGI


def test_votes_take_the_write_concern_of_the_uri():
    client = make_client({"MONGO_URI": "mongodb://127.0.0.1:1/?w=majority", "DB_TIMEOUT_MS": 100})
    try:
        assert client["lightning_talks"].votes.write_concern.document == {"w": "majority"}
    finally:
        client.close()
