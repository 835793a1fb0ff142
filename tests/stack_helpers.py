"""The stack (Varnish, nginx, uWSGI) for the tests that run it: settings on free ports, the app's environment
and data, requests on loopback, and what Varnish's probe sees."""
import contextlib
import http.client
import json
import shutil
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

from app import create_app
from app.homepage import bake
from app.runtime import stack
from app.runtime.embedded import free_port
from app.store import indexes, talks, users

from .helpers import require

# What rendering the confs reads of the app's settings. No characters that URL-encoding would change, so
# that a logged query string would be found.
ORGANIZER = SimpleNamespace(DASHBOARD_USER="organizer", DASHBOARD_PASSWORD="stack-organizer-secret",
                            PURGE_SECRET="stack-purge-secret-0123456789abcdef")
PASSWORD = "stack-password-1"
TTL = 2  # seconds the test stack keeps the homepage fresh, so that grace shows quickly
PROBE_INTERVAL = "0.2s"  # Varnish notices an app down or back after three probes: 0.6 s, not 3 s


class Reply(SimpleNamespace):
    """A reply: status, headers (a dict), cookies ({name: value} of every Set-Cookie) and body."""

    @property
    def json(self):
        """The body as JSON."""
        return json.loads(self.body)


def call(port, method, path, body=None, headers=None, source="127.0.0.1"):
    """One HTTP request on a new connection to a layer on loopback, from the given source address."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    try:
        connection.request(method, path, body, headers or {})
        response = connection.getresponse()
        cookies = dict(c.split(";", 1)[0].split("=", 1) for c in response.headers.get_all("Set-Cookie") or [])
        return Reply(status=response.status, headers=dict(response.getheaders()), cookies=cookies, body=response.read())
    finally:
        connection.close()


def post(port, path, fields, headers=None):
    """A form POST, as site.js sends it."""
    return call(port, "POST", path, urlencode(fields),
                {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})})


def wait_until(check, timeout=20):
    """Poll until check() is true; fail after the timeout."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


@contextlib.contextmanager
def stack_settings(prefix, **options):
    """Settings for a stack on free loopback ports, in a temp dir Varnish's own user can read; removed after."""
    require("nginx", "varnishd", "varnishadm", "varnishlog", "openssl")
    run = Path(tempfile.mkdtemp(prefix=prefix))  # not pytest's: its 0700 parents keep Varnish out
    run.chmod(0o755)
    try:
        yield stack.StackSettings(run_dir=run, www_dir=run / "www", port=free_port(), nginx_port=free_port(),
                                  admin_port=free_port(), cache_ttl=f"{TTL}s", probe_interval=PROBE_INTERVAL, **options)
    finally:
        shutil.rmtree(run)


def app_env(settings, mongo_uri, **more):
    """The environment uWSGI's app reads: its own database, voting open, this stack's Varnish and organizer."""
    return {
        "MONGO_URI": mongo_uri, "LT_DB_NAME": f"stack_{uuid.uuid4().hex[:12]}", "LT_PHASE": "voting",
        "LT_WWW_DIR": str(settings.www_dir), "LT_RUN_DIR": str(settings.run_dir),
        "LT_DATA_DIR": str(settings.run_dir / "data"), "LT_VARNISH_URL": f"http://127.0.0.1:{settings.port}",
        "LT_DASHBOARD_USER": ORGANIZER.DASHBOARD_USER, "LT_DASHBOARD_PASSWORD": ORGANIZER.DASHBOARD_PASSWORD,
        "LT_PURGE_SECRET": ORGANIZER.PURGE_SECRET, **more,
    }


@contextlib.contextmanager
def site(app_env, titles):
    """The app uWSGI runs, seen from the test, with these talks pitched (TALK_IDS) and the homepage baked."""
    app = create_app({
        "MONGO_URI": app_env["MONGO_URI"], "DB_NAME": app_env["LT_DB_NAME"], "PHASE": "voting",
        "WWW_DIR": app_env["LT_WWW_DIR"], "DATA_DIR": Path(app_env["LT_DATA_DIR"]),
        "VARNISH_URL": app_env["LT_VARNISH_URL"], "PURGE_SECRET": app_env["LT_PURGE_SECRET"],
    })
    with app.app_context():
        indexes.apply()
        speaker = users.register("speaker@example.org", PASSWORD, "Grace Hopper", {})
        app.config["TALK_IDS"] = [talks.create(speaker, title, "Grace, TTLs and purges.") for title in titles]
        bake.bake()
    try:
        yield app
    finally:
        app.extensions["mongo"].close()


def workers(master):
    """The pids of uWSGI's workers: its master's children (none once it is gone)."""
    try:
        return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]
    except FileNotFoundError:
        return []


def varnishadm(settings, *words):
    """A varnishadm command's output."""
    return subprocess.run(["varnishadm", "-n", str(settings.varnish_dir), *words], capture_output=True, text=True,
                          timeout=10, check=True).stdout


def backend_health(settings):
    """Each backend's health as Varnish's probe sees it: {"boot.app1": "healthy", ...}."""
    rows = varnishadm(settings, "backend.list").splitlines()[1:]
    return {row.split()[0]: row.split()[3] for row in rows if row.strip()}
