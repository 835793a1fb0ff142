"""Faults under load, with the real daemons: the database killed, a worker killed, 200 voters at once.

Voters vote in the set form (vote=1/0) and record every reply; afterwards each (voter, talk) must
be stored as its last successful reply said, unless a later request failed (then its effect is
unknown), and every talk's count must equal its counted vote documents."""
import http.client
import json
import os
import random
import signal
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest

from app.counts.ledger import tally
from app.runtime import stack
from app.runtime.embedded import EmbeddedMongo, free_port
from app.store import votes

from . import stack_helpers
from .helpers import waiting_for_recount
from .stack_helpers import ORGANIZER, PASSWORD, TTL, backend_health, call, post, wait_until, workers

pytestmark = pytest.mark.xdist_group("faults")  # the file's module-scoped daemons start once
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


@pytest.fixture(scope="module")
def settings():
    """A stack on free loopback ports, with 4 workers."""
    with stack_helpers.stack_settings("lt-faults-", workers=4) as settings:
        yield settings


@pytest.fixture(scope="module")
def database(settings):
    """The stack's own nx-27017, which a test kills and brings back on the same port and files."""
    server = EmbeddedMongo(settings.run_dir / "mongo").start()
    holder = SimpleNamespace(server=server)
    yield holder
    holder.server.stop()


@pytest.fixture(scope="module")
def app_env(settings, database):
    """The app's environment, with registrations not limited by the shared loopback address."""
    return stack_helpers.app_env(settings, database.server.uri, LT_REGISTRATIONS_PER_IP="1000")


@pytest.fixture(scope="module")
def site(app_env):
    """The app as uWSGI runs it, with a few talks (TALK_IDS) and a baked homepage."""
    with stack_helpers.site(app_env, [f"Talk {n}" for n in range(TALKS)]) as app:
        yield app


@pytest.fixture(scope="module")
def daemons(settings, app_env, site):
    """uWSGI, nginx and Varnish, running for the module."""
    with stack.running(settings, ORGANIZER, app_env["MONGO_URI"], app_env) as started:
        yield started


def backend_healthy(settings):
    """Whether Varnish's probe finds the app healthy."""
    return all(state == "healthy" for state in backend_health(settings).values())


def drift(site):
    """Once the app has recounted what the faults left (it does so by itself, on requests such as
    Varnish's probe), every talk whose count differs from its counted vote documents: [(talk, count, votes)]."""
    with site.app_context():
        wait_until(lambda: not waiting_for_recount(site))
        return tally(fix=False)


@pytest.mark.daemons
@pytest.mark.alone
def test_the_database_killed_mid_load(settings, database, site, daemons):
    pids = {name: daemon.pid for name, daemon in daemons.items()}
    talk_ids = site.config["TALK_IDS"]
    voters = [Voter(settings.port).register() for _ in range(8)]
    prober = Voter(settings.port).register()
    prober.close()
    assert call(settings.port, "GET", "/").status == 200
    # Each voter stops at its first failure, as a person told to try again in a moment would: so
    # most (voter, talk) pairs end on a success, and the check below has something to hold to.
    with Load(voters, talk_ids, until_failure=True):
        time.sleep(1)
        database.server.process.send_signal(signal.SIGKILL)
        database.server.stop()
        killed = time.monotonic()
        vote = post(settings.port, "/api/vote/action/", {"session": talk_ids[0]}, {"Cookie": prober.cookie})
        answered_in = time.monotonic() - killed
        wait_until(lambda: not backend_healthy(settings))
        time.sleep(TTL)  # the homepage is now past its TTL: only grace can serve it
        page = call(settings.port, "GET", "/")
    assert (vote.status, vote.headers["Content-Type"], vote.json["success"]) == (503, "application/json", False)
    assert answered_in < 3
    assert (page.status, page.headers["X-Cache"]) == (200, "HIT") and int(page.headers["Age"]) >= TTL
    assert [voter.failures for voter in voters] == [1] * len(voters)

    database.server = EmbeddedMongo(database.server.data_dir, database.server.port).start()
    wait_until(lambda: backend_healthy(settings))
    assert unexplained(site, voters) == []  # what was acknowledged before the kill is all there
    with Load(voters, talk_ids):
        time.sleep(1)
    assert {name: daemon.pid for name, daemon in daemons.items()} == pids  # nothing was restarted
    assert all(voter.history[-1][2] is not None for voter in voters)  # every voter's last vote went through
    assert unexplained(site, voters) == []
    assert drift(site) == []


@pytest.mark.daemons
@pytest.mark.alone
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
    # Only the votes in flight on that worker fail: one per thread at most.
    assert sum(voter.failures for voter in voters) <= settings.threads
    assert unexplained(site, voters) == []
    assert drift(site) == []


@pytest.mark.daemons
@pytest.mark.alone
def test_200_voters_at_once(settings, site, daemons):
    talk_ids = site.config["TALK_IDS"]
    with ThreadPoolExecutor(max_workers=200) as pool:
        # 200 registrations at once can queue Varnish's probe behind them until it calls the app sick (with
        # production's scrypt, ~0.1 s of CPU each, for ~20 s; the tests' cheap hash makes that rare). The votes,
        # which are what is checked, come after the probe finds the app healthy.
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
    assert drift(site) == []


def test_requests_fail_at_once_while_the_database_is_known_down(make_app):
    client = make_app(MONGO_URI=f"mongodb://127.0.0.1:{free_port()}/", DB_TIMEOUT_MS=300).test_client()
    timings = []
    for _ in range(2):
        started = time.monotonic()
        assert client.get("/api/health").status_code == 503
        timings.append(time.monotonic() - started)
    assert timings[0] >= 0.25 and timings[1] < 0.1  # the first waited for the server; the second knew
