"""Faults under load, with the real daemons: the database killed, a worker killed, 200 voters at once.

Voters vote in the set form (vote=1/0) and record every reply; afterwards each (voter, talk) must
be stored as its last successful reply said, unless a later request failed (then its effect is
unknown), and every talk's count must equal its counted vote documents."""
import http.client
import json
import os
import random
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest

from app import create_app
from app.counts.tally import tally
from app.homepage import bake
from app.runtime import stack
from app.runtime.embedded import EmbeddedMongo, free_port
from app.store import indexes, journal, talks, users, votes

from .helpers import require

ORGANIZER = SimpleNamespace(DASHBOARD_USER="organizer", DASHBOARD_PASSWORD="faults-organizer-secret",
                            PURGE_SECRET="faults-purge-secret-0123456789abcdef")
PASSWORD = "faults-password-1"
TTL = 2  # seconds the homepage stays fresh, so that grace shows quickly
TALKS = 5
IDLE = 4  # seconds a client keeps an idle connection: Varnish closes them after 5 (timeout_idle)


class Voter:
    """One attendee on one keep-alive connection to Varnish, remembering every vote's reply in order."""

    def __init__(self, port):
        self.port = port
        self.connection, self.used = None, 0.0
        self.cookie = None
        self.history = []  # (talk, wanted, voted: what the reply said, None if the request failed)

    def request(self, path, fields):
        """POST a form: (status, JSON body or None, Set-Cookie). A broken connection is a failure (599), not retried."""
        if self.connection and time.monotonic() - self.used > IDLE:
            self.connection.close()  # as browsers do, rather than send on a connection Varnish may be closing
            self.connection = None
        self.connection = self.connection or http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Content-Type": "application/x-www-form-urlencoded", **({"Cookie": self.cookie} if self.cookie else {})}
        try:
            self.connection.request("POST", path, urlencode(fields), headers)
            response = self.connection.getresponse()
            body = response.read()
            self.used = time.monotonic()
        except (http.client.HTTPException, OSError):
            self.connection.close()
            self.connection = None
            return 599, None, None
        is_json = response.getheader("Content-Type") == "application/json"
        return response.status, json.loads(body) if is_json else None, response.getheader("Set-Cookie")

    def register(self):
        """Register through the stack and keep the login cookie."""
        status, body, cookie = self.request("/api/user/action/", {
            "email": f"{uuid.uuid4().hex[:12]}@example.org", "password": PASSWORD, "name": "Voter"})
        assert status == 200, body
        self.cookie = cookie.split(";", 1)[0]
        return self

    @property
    def user_id(self):
        """The voter's id, from the login cookie."""
        return self.cookie.split("=", 1)[1]

    def vote(self, talk, wanted):
        """Set the vote on a talk and record the reply: whether it says voted, or None for a failure."""
        status, body, _ = self.request("/api/vote/action/", {"session": talk, "vote": int(wanted)})
        voted = body["action"] == "create vote" if status == 200 and body["success"] else None
        self.history.append((talk, wanted, voted))
        return voted

    def replies(self, talk):
        """(wanted, voted) of each vote on this talk, in order."""
        return [(wanted, voted) for voted_on, wanted, voted in self.history if voted_on == talk]

    @property
    def failures(self):
        """How many of its votes failed."""
        return sum(voted is None for _, _, voted in self.history)

    def close(self):
        """Close the connection."""
        if self.connection:
            self.connection.close()


def possible_states(replies):
    """What may be stored after these replies: the last success's state, or what a later failed request asked.

    A set-form request leaves the vote as it asked whenever it took effect. A failed reply comes only
    once the request is over (uWSGI answered, its worker died, or Varnish never passed it on), so its
    effect, if any, lands before the voter's next request."""
    states = {False}
    for wanted, voted in replies:
        states = {voted} if voted is not None else states | {wanted}
    return states


def unexplained(site, voters):
    """Every (voter, talk) whose stored vote no reply can explain."""
    with site.app_context():
        stored = {(vote["user"], vote["session"]) for vote in votes.every(("user", "session"))}
    return [(voter.user_id, talk, voter.replies(talk)) for voter in voters for talk in {t for t, _, _ in voter.history}
            if ((voter.user_id, talk) in stored) not in possible_states(voter.replies(talk))]


class Load:
    """Voters setting random votes on the talks in threads until stopped, or each until its first failure."""

    def __init__(self, voters, talk_ids, until_failure=False):
        self.voters, self.talk_ids, self.until_failure, self.stop = voters, talk_ids, until_failure, threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(voter, random.Random(n))) for n, voter in enumerate(voters)]

    def _run(self, voter, rng):
        while not self.stop.is_set():
            if voter.vote(rng.choice(self.talk_ids), rng.random() < 0.5) is None and self.until_failure:
                return

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join()
        for voter in self.voters:
            voter.close()


def wait_until(check, timeout=20):
    """Poll until check() is true; fail after the timeout."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def call(port, method, path, body=None, headers=None):
    """One request on a new connection; (status, headers, body)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, path, body, headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


@pytest.fixture(scope="module")
def settings():
    """A stack on free loopback ports in a temp dir Varnish's own user can read, with 4 workers."""
    require("nginx", "varnishd", "varnishadm", "openssl")
    run = Path(tempfile.mkdtemp(prefix="lt-faults-"))  # not pytest's: its 0700 parents keep Varnish out
    run.chmod(0o755)
    yield stack.StackSettings(run_dir=run, www_dir=run / "www", port=free_port(), nginx_port=free_port(),
                              admin_port=free_port(), cache_ttl=f"{TTL}s", workers=4)
    shutil.rmtree(run)


@pytest.fixture(scope="module")
def database(settings):
    """The stack's own nx-27017, which a test kills and brings back on the same port and files."""
    server = EmbeddedMongo(settings.run_dir / "mongo").start()
    holder = SimpleNamespace(server=server)
    yield holder
    holder.server.stop()


@pytest.fixture(scope="module")
def app_env(settings, database):
    """The app's environment: voting open, registrations not limited by the shared loopback address."""
    return {
        "MONGO_URI": database.server.uri, "LT_DB_NAME": f"faults_{uuid.uuid4().hex[:12]}", "LT_PHASE": "voting",
        "LT_WWW_DIR": str(settings.www_dir), "LT_RUN_DIR": str(settings.run_dir),
        "LT_DATA_DIR": str(settings.run_dir / "data"), "LT_VARNISH_URL": f"http://127.0.0.1:{settings.port}",
        "LT_REGISTRATIONS_PER_IP": "1000",
        "LT_DASHBOARD_USER": ORGANIZER.DASHBOARD_USER, "LT_DASHBOARD_PASSWORD": ORGANIZER.DASHBOARD_PASSWORD,
        "LT_PURGE_SECRET": ORGANIZER.PURGE_SECRET,
    }


@pytest.fixture(scope="module")
def site(app_env):
    """The app as uWSGI runs it, with a few talks and a baked homepage; TALK_IDS lists the talks."""
    app = create_app({
        "MONGO_URI": app_env["MONGO_URI"], "DB_NAME": app_env["LT_DB_NAME"], "PHASE": "voting",
        "WWW_DIR": app_env["LT_WWW_DIR"], "DATA_DIR": Path(app_env["LT_DATA_DIR"]),
    })
    with app.app_context():
        indexes.apply()
        speaker = users.register("speaker@example.org", PASSWORD, "Speaker", {})
        app.config["TALK_IDS"] = [talks.create(speaker, f"Talk {n}", "Faults.") for n in range(TALKS)]
        bake.bake()
    yield app
    app.extensions["mongo"].close()


@pytest.fixture(scope="module")
def daemons(settings, app_env, site):
    """uWSGI, nginx and Varnish, running for the module."""
    stack.render(settings, ORGANIZER)
    started = []
    try:
        for daemon in stack.daemons(settings, app_env).values():
            started.append(daemon.start())
        yield {daemon.name: daemon for daemon in started}
    finally:
        for daemon in reversed(started):
            daemon.stop()


def backend_healthy(settings):
    """Whether Varnish's probe finds the app healthy."""
    rows = subprocess.run(["varnishadm", "-n", str(settings.varnish_dir), "backend.list"], capture_output=True,
                          text=True, timeout=10, check=True).stdout.splitlines()[1:]
    return all(row.split()[3] == "healthy" for row in rows if row.strip())


def workers(master):
    """The pids of uWSGI's workers: its master's children."""
    return [int(pid) for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split()]


def dead_intents(site):
    """Intent files left by dead processes, not yet moved into the journal."""
    data_dir = site.config["DATA_DIR"]
    return [path for path in data_dir.glob("*.intent") if not Path(f"/proc/{path.name.rsplit('.', 2)[-2]}").exists()]


def consistent(site):
    """Once the app has recounted what the faults left (it does so by itself, on requests such as
    Varnish's probe), whether every count equals its counted vote documents."""
    with site.app_context():
        wait_until(lambda: not journal.waiting() and not dead_intents(site))
        return tally(fix=False) == []


def test_the_database_killed_mid_load(settings, database, site, daemons):
    pids = {name: daemon.pid for name, daemon in daemons.items()}
    talk_ids = site.config["TALK_IDS"]
    voters = [Voter(settings.port).register() for _ in range(8)]
    prober = Voter(settings.port).register()
    prober.close()
    assert call(settings.port, "GET", "/")[0] == 200
    # Each voter stops at its first failure, as a person told to try again in a moment would: so
    # most (voter, talk) pairs end on a success, and the check below has something to hold to.
    with Load(voters, talk_ids, until_failure=True):
        time.sleep(1)
        database.server.process.send_signal(signal.SIGKILL)
        database.server.stop()
        killed = time.monotonic()
        status, headers, body = call(settings.port, "POST", "/api/vote/action/", urlencode({"session": talk_ids[0]}),
                                     {"Content-Type": "application/x-www-form-urlencoded", "Cookie": prober.cookie})
        answered_in = time.monotonic() - killed
        wait_until(lambda: not backend_healthy(settings))
        time.sleep(TTL)  # the homepage is now past its TTL: only grace can serve it
        page_status, page_headers, _ = call(settings.port, "GET", "/")
    assert (status, headers["Content-Type"], json.loads(body)["success"]) == (503, "application/json", False)
    assert answered_in < 3
    assert (page_status, page_headers["X-Cache"]) == (200, "HIT") and int(page_headers["Age"]) >= TTL
    assert [voter.failures for voter in voters] == [1] * len(voters)

    database.server = EmbeddedMongo(database.server.data_dir, database.server.port).start()
    wait_until(lambda: backend_healthy(settings))
    assert unexplained(site, voters) == []  # what was acknowledged before the kill is all there
    with Load(voters, talk_ids):
        time.sleep(1)
    assert {name: daemon.pid for name, daemon in daemons.items()} == pids  # nothing was restarted
    assert all(voter.history[-1][2] is not None for voter in voters)  # every voter's last vote went through
    assert unexplained(site, voters) == []
    assert consistent(site)


def test_a_worker_killed_mid_request(settings, site, daemons):
    master = daemons["uwsgi"].pid
    voters = [Voter(settings.port).register() for _ in range(8)]
    with Load(voters, site.config["TALK_IDS"]):
        time.sleep(0.5)
        victim = workers(master)[0]
        os.kill(victim, signal.SIGKILL)
        wait_until(lambda: victim not in workers(master) and len(workers(master)) == settings.workers)
        time.sleep(0.5)
    assert daemons["uwsgi"].pid == master
    assert sum(voter.failures for voter in voters) <= 1
    assert unexplained(site, voters) == []
    assert consistent(site)


def test_200_voters_at_once(settings, site, daemons):
    talk_ids = site.config["TALK_IDS"]
    with ThreadPoolExecutor(max_workers=200) as pool:
        # Registering hashes a password (~0.1 s of CPU): 200 at once keep the app busy for ~20 s, and
        # Varnish's probe, queued behind them, calls it sick. The votes, which are what is checked, come after.
        voters = list(pool.map(lambda _: Voter(settings.port).register(), range(200)))
        wait_until(lambda: backend_healthy(settings))

        def take_part(voter, seed):
            rng = random.Random(seed)
            for _ in range(20):
                voter.vote(rng.choice(talk_ids), rng.random() < 0.5)
            voter.close()
        list(pool.map(take_part, voters, range(200)))
    assert sum(voter.failures for voter in voters) == 0
    assert unexplained(site, voters) == []
    assert consistent(site)


def test_requests_fail_at_once_while_the_database_is_known_down(make_app):
    client = make_app(MONGO_URI=f"mongodb://127.0.0.1:{free_port()}/", DB_TIMEOUT_MS=1000).test_client()
    timings = []
    for _ in range(2):
        started = time.monotonic()
        assert client.get("/api/health").status_code == 503
        timings.append(time.monotonic() - started)
    assert timings[0] >= 0.9 and timings[1] < 0.1  # the first waited for the server; the second knew
