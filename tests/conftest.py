"""Fixtures: a real embedded database server per test run, and a fresh database per test."""
import os
import re
import threading
import uuid

import jinja2
import mongomock
import pytest
from aiosmtpd.controller import Controller
from werkzeug.serving import make_server

# Tests configure the app themselves; a developer's environment or .env must not leak in.
for _name in list(os.environ):
    if _name.startswith("LT_") or _name == "MONGO_URI":
        del os.environ[_name]
os.environ["LT_DATA_DIR"] = "/nonexistent/tests-must-not-use-var"
os.environ["LT_RUN_DIR"] = "/nonexistent/tests-must-not-purge-a-running-stack"
os.environ["LT_ENV_FILE"] = os.devnull
# Production's scrypt costs ~0.1 s of CPU per hash and dominated the suite; the servers tests start inherit this.
os.environ["LT_PASSWORD_HASH"] = "pbkdf2:sha256:1"

from app import create_app, demo  # noqa: E402
from app.runtime.embedded import EmbeddedMongo, free_port  # noqa: E402
from app.runtime.testsuite import LOAD_TEST_FILES  # noqa: E402
from app.store import indexes  # noqa: E402
from tests import artifacts  # noqa: E402
from tests.helpers import require  # noqa: E402

ORGANIZER = ("organizer", "organizer")
# Under pytest-xdist (--dist loadgroup --no-loadscope-reorder) the workers take the tests, a whole xdist group at
# a time, in this order: the slow kinds first, so that the workers finish together.
LONGEST_FIRST = ("deploy", "daemons", "browser", "slow")


def pytest_addoption(parser):
    parser.addoption("--screenshots", action="store_true",
                     help="save the browser tests' screenshots under artifacts/ for people to look at")


def pytest_configure(config):
    artifacts.wanted = config.getoption("screenshots")


def pytest_ignore_collect(collection_path, config):
    """The run of the load tests alone (`-m alone`) leaves out the test files that hold none (LOAD_TEST_FILES)."""
    if config.getoption("markexpr") == "alone" and collection_path.name.startswith("test_"):
        return not any(collection_path == config.rootpath / name for name in LOAD_TEST_FILES)
    return None


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by mark
def pytest_collection_modifyitems(config, items):
    """Mark every test that opens a Playwright page `browser`, so that no file can forget to (and slip
    Chromium into `--fast`). In an xdist worker, order the tests longest first (the order the controller
    hands them out in)."""
    for item in items:
        if "browser_name" in item.fixturenames:  # what every Playwright fixture (page, context...) stands on
            item.add_marker(pytest.mark.browser)
        if item.get_closest_marker("alone") and item.nodeid.split("::")[0] not in LOAD_TEST_FILES:
            raise pytest.UsageError(f"{item.nodeid} is marked alone: add its file to LOAD_TEST_FILES "
                                    "(app/runtime/testsuite.py), or `fab tests` never runs it")
    if hasattr(config, "workerinput"):  # a run in one process keeps the files' order: quick failures come first
        items.sort(key=_rank)


def _rank(item):
    """Where a test's first mark stands in LONGEST_FIRST; unmarked tests come last."""
    return next((n for n, name in enumerate(LONGEST_FIRST) if item.get_closest_marker(name)), len(LONGEST_FIRST))


@pytest.fixture(scope="session")
def mongo_uri(tmp_path_factory):
    """A real nx-27017 wire-protocol server for the whole run, its databases in memory."""
    with EmbeddedMongo(tmp_path_factory.mktemp("mongo"), in_memory=True) as server:
        yield server.uri


class CompiledTemplates(jinja2.BytecodeCache):
    """Compiled templates shared by every app a test process builds: each app has its own Jinja environment,
    and compiling the same templates again for each of hundreds of apps took a seventh of the quick tests' time.
    Jinja checks each template's source against what it compiled, so an edited template compiles afresh."""

    def __init__(self):
        self.compiled = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


TEMPLATES = CompiledTemplates()


def built_app(config, client=None):
    """The app for a test: its files under the test's own directories, its templates compiled once per process."""
    app = create_app(config, client=client)
    app.jinja_env.bytecode_cache = TEMPLATES
    return app


@pytest.fixture
def make_app(tmp_path):
    """Build apps from config overrides; their clients are closed after the test."""
    made = []

    def make_app(**config):
        # Re-baking at once after each pitch (no timer thread outliving the test); test_bake tests the interval.
        app = built_app({"WWW_DIR": tmp_path / "www", "DATA_DIR": tmp_path / "data", "REBAKE_INTERVAL": 0, **config})
        made.append(app)
        return app
    yield make_app
    for app in made:
        app.extensions["mongo"].close()


@pytest.fixture
def app(make_app, mongo_uri):
    """The app on its own fresh database on the real server, with indexes applied."""
    app = make_app(MONGO_URI=mongo_uri, DB_NAME=f"t_{uuid.uuid4().hex[:12]}")
    with app.app_context():
        indexes.apply()
    yield app
    app.extensions["mongo"].drop_database(app.config["DB_NAME"])


@pytest.fixture
def mock_app(tmp_path):
    """The app on mongomock, for fast single-threaded unit tests."""
    app = built_app({"DB_NAME": "unit", "WWW_DIR": tmp_path / "www", "DATA_DIR": tmp_path / "data",
                    "REBAKE_INTERVAL": 0}, client=mongomock.MongoClient())
    with app.app_context():
        indexes.apply()
    return app


@pytest.fixture
def client(app):
    """A test client on the real-server app."""
    return app.test_client()


@pytest.fixture
def db(app):
    """The test's database, to check what was stored."""
    return app.extensions["mongo"][app.config["DB_NAME"]]


class Inbox:
    """An aiosmtpd handler that keeps every message it is given, as (recipients, raw message)."""

    def __init__(self, port):
        self.port, self.messages = port, []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, envelope.content.decode()))
        return "250 OK"


@pytest.fixture(scope="session")
def smtp_server():
    """A local SMTP server, plain on loopback, for the whole run (starting one per test cost 0.1 s each): its Inbox."""
    inbox = Inbox(free_port())
    controller = Controller(inbox, hostname="127.0.0.1", port=inbox.port)
    controller.start()
    yield inbox
    controller.stop()


@pytest.fixture
def inbox(app, smtp_server):
    """The SMTP server the app sends through, its inbox emptied for this test."""
    smtp_server.messages.clear()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp_server.port, SMTP_TLS="none", MAIL_FROM="talks@example.org")
    return smtp_server


@pytest.fixture
def set_phase(app):
    """Force the phase, as LT_PHASE does."""
    def set_phase(phase):
        app.config["PHASE"] = phase
    return set_phase


@pytest.fixture
def register(client):
    """Register an attendee and return the reply's JSON."""
    def register(email=None, password="correct horse", name="Ada Lovelace"):
        email = email or f"{uuid.uuid4().hex[:8]}@example.org"
        reply = client.post("/api/user/action/", data={"email": email, "password": password, "name": name})
        assert reply.status_code == 200, reply.json
        return {**reply.json, "email": email, "password": password}
    return register


@pytest.fixture
def pitch(client, set_phase):
    """Pitch a talk as the given user (during pitching) and return its _id."""
    def pitch(user, title="Regex in five minutes", description="Why your regex is slow."):
        set_phase("pitching")
        reply = client.post("/api/session/action/", data={"user": user["_id"], "title": title, "description": description})
        assert reply.status_code == 201, reply.json
        return reply.json["session"]
    return pitch


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright launches Debian's Chromium: `playwright install` cannot download here."""
    return {
        **browser_type_launch_args,
        "executable_path": "/usr/bin/chromium",
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"],
    }


@pytest.fixture(scope="session")
def base_url():
    """No base URL: browser tests open their own server's. This also replaces pytest-playwright's
    fallback fixture, an instance method that pytest 9 warns about (an error under filterwarnings)."""
    return None


@pytest.fixture
def csrf_token(client):
    """The CSRF token the dashboard puts in its forms, read from a page as a browser would (the phase
    switch's confirmation always has a form)."""
    page = client.get("/api/dashboard/phase/confirm?phase=closed", auth=ORGANIZER).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


@pytest.fixture
def serve_http():
    """Serve an app over real HTTP on a free loopback port (threaded) for the test; its base URL."""
    servers = []

    def serve_http(app, request_handler=None):
        server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=request_handler)
        # Polled often, so that shutting it down takes milliseconds, not the default half second.
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
        thread.start()
        servers.append((server, thread))
        return f"http://127.0.0.1:{server.server_port}"
    yield serve_http
    for server, thread in servers:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def dashboard_url(app, set_phase, serve_http):
    """The dashboard of the app, with demo votes, served on a free loopback port for the test (in Chromium)."""
    require("chromium")
    app.config["TOP_N"] = 5
    with app.app_context():
        demo.load(40, 12, 260, seed=3)
    set_phase("voting")
    return serve_http(app) + "/api/dashboard/"
