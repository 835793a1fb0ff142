"""`fab serve` and the other tasks, run as a user runs them, on a throwaway data dir."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest
from pymongo.errors import InvalidOperation

from app import cli
from app.runtime.embedded import free_port
from tests.helpers import require

from .helpers import free_ports, listening_tcp_sockets, open_sockets
from .stack_helpers import wait_until

ROOT = Path(__file__).resolve().parent.parent
FAB = str(Path(sys.executable).with_name("fab"))
pytestmark = pytest.mark.slow  # each test runs fab in a new process, which takes seconds


@pytest.fixture
def env(tmp_path):
    """The environment of a user whose data lives in a fresh temp dir."""
    return {**os.environ, "LT_DATA_DIR": str(tmp_path / "var"), "LT_WWW_DIR": str(tmp_path / "www"),
            "LT_RUN_DIR": str(tmp_path / "run")}


def run(env, *words, check=True):
    """Run a fab task and return the finished process."""
    done = subprocess.run([FAB, *words], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    if check:
        assert done.returncode == 0, done.stderr
    return done


def get(url):
    with urllib.request.urlopen(url, timeout=10) as reply:
        return reply.status, reply.read().decode()


class Served:
    """`fab serve` (or `fab stack`) running in the background."""

    def __init__(self, env, task="serve", *options):
        self.port = free_ports(4)
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen([FAB, task, "--port", str(self.port), *options], cwd=ROOT, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 90
        while True:
            try:
                get(f"{self.url}/api/health")
                return
            except OSError:
                assert self.process.poll() is None, self.process.communicate()[0]  # which closes the pipe too
                assert time.monotonic() < deadline, "fab serve did not answer"
                time.sleep(0.3)

    def stop(self):
        """Stop it as Ctrl-C would, and return what it printed."""
        self.process.send_signal(signal.SIGINT)
        output, _ = self.process.communicate(timeout=30)
        return output


def talk_ids(url):
    return sorted(t["_id"] for t in json.loads(get(f"{url}/api/session/")[1])["sessions"])


@pytest.mark.daemons
def test_serve_starts_the_site_with_demo_data_and_keeps_it(env, tmp_path):
    served = Served(env)
    try:
        status, page = get(served.url + "/")
        assert status == 200
        assert "Lightning talks" in page
        first = talk_ids(served.url)
        assert len(first) > 5
        # Other tasks attach to the running database.
        assert "0 talk(s) drifted" in run(env, "tally").stdout
        run(env, "phase", "voting")
        assert json.loads(get(served.url + "/api/health")[1])["phase"] == "voting"
    finally:
        output = served.stop()
    assert f"http://127.0.0.1:{served.port}/" in output
    assert not (tmp_path / "var" / "embedded.json").exists()  # the database was stopped too

    again = Served(env)
    try:
        assert talk_ids(again.url) == first  # same data, not re-seeded
    finally:
        again.stop()


@pytest.mark.daemons
@pytest.mark.parametrize("task", ["serve", "stack"])
def test_empty_starts_without_demo_data(env, task):
    if task == "stack":
        require("nginx", "varnishd", "openssl")
        run_dir = Path(tempfile.mkdtemp(prefix="lt-stack-"))  # not pytest's: its 0700 parents keep Varnish out
        run_dir.chmod(0o755)
        env = {**env, "LT_RUN_DIR": str(run_dir)}
    served = Served(env, task, "--empty")
    try:
        assert talk_ids(served.url) == []
        assert get(served.url + "/")[0] == 200  # the site is up: only the demo data is missing
        run(env, "phase", "closed")  # other tasks find the database this serve or stack runs
        # Each worker reads the organizer's phase at most once a second (app/phases.py).
        wait_until(lambda: json.loads(get(served.url + "/api/health")[1])["phase"] == "closed", timeout=5)
    finally:
        served.stop()
        if task == "stack":
            shutil.rmtree(run_dir)


def test_reset_backs_up_then_empties_the_database(env, tmp_path):
    run(env, "fake_data", "--users", "5", "--sessions", "3", "--votes", "6")
    refused = run(env, "reset", check=False)
    assert refused.returncode != 0
    assert "5 users" in refused.stderr and "--force" in refused.stderr
    done = run(env, "reset", "--force").stdout
    saved = Path(done.split("backed up to ")[1].split("\n")[0])
    assert saved.parent == tmp_path / "var" / "backups"
    kept = json.loads(saved.read_text())["collections"]
    assert (len(kept["users"]), len(kept["sessions"]), len(kept["votes"])) == (5, 3, 6)
    assert "already empty" in run(env, "reset", "--force").stdout
    # Empty now: demo data loads without --force, and the backup brings back what was there.
    run(env, "fake_data", "--users", "2", "--sessions", "1", "--votes", "1")
    app_command = [sys.executable, "-m", "app"]
    subprocess.run([*app_command, "restore", "--force", str(saved)], cwd=ROOT, env=env, check=True, capture_output=True)
    restored = subprocess.run([*app_command, "backup"], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    assert json.loads(restored.stdout)["collections"]["users"] == kept["users"]


@pytest.mark.daemons
def test_fake_data_refuses_to_wipe_without_force(env):
    run(env, "fake_data", "--users", "5", "--sessions", "2", "--votes", "4")
    refused = run(env, "fake-data", "--users", "5", "--sessions", "2", "--votes", "4", check=False)
    assert refused.returncode != 0
    assert "--force" in refused.stderr
    forced = run(env, "fake_data", "--users", "7", "--sessions", "3", "--votes", "9", "--force")
    assert "loaded 7 users, 3 talks, 9 votes" in forced.stdout


@pytest.mark.parametrize("task", [["phase", "voting"], ["tally"], ["remove_fakes", "--apply"]])
def test_tasks_that_change_the_live_site_refuse_when_nothing_serves_the_data_dir(env, tmp_path, task):
    refused = run(env, *task, check=False)
    assert refused.returncode != 0
    assert f"no database is running for the data dir {tmp_path / 'var'}" in refused.stderr
    assert "fab serve" in refused.stderr and "Traceback" not in refused.stderr
    assert not (tmp_path / "var" / "db").exists()  # no private database was started and changed


def test_tasks_that_prepare_data_work_without_a_running_server(env):
    run(env, "fake_data", "--users", "3", "--sessions", "2", "--votes", "3")
    assert "0 talk(s) drifted" in run(env, "tally", "--dry-run").stdout
    assert "would quarantine" in run(env, "remove_fakes").stdout


def test_phase_task_rejects_unknown_phases(env):
    refused = run(env, "phase", "party", check=False)
    assert refused.returncode != 0
    assert "party" in refused.stderr


@pytest.mark.parametrize("task", ["stack", "serve"])
def test_production_with_the_default_secret_refuses_to_start_and_says_why(env, task):
    refused = run({**env, "LT_ENV": "production"}, task, "--port", str(free_port()), check=False)
    assert refused.returncode != 0
    assert refused.stderr.startswith("Error: LT_SECRET_KEY is the development default")
    assert "secrets.token_urlsafe(32)" in refused.stderr and "Traceback" not in refused.stderr


def test_fab_lists_the_seed_tasks():
    listing = run(os.environ, "--list").stdout
    for name in ("serve", "tests", "fake-data", "tally", "phase", "bake", "indexes"):
        assert name in listing


def test_fast_tests_leave_out_daemons_browser_deploy_and_slow_ones():
    listed = run(os.environ, "tests", "--fast", "--args", "--collect-only -q").stdout
    assert "tests/test_store.py::" in listed and "tests/test_stack.py::test_votes_take_the_write_concern" in listed
    left_out = ("test_deploy.py::", "test_browser.py::", "test_faults.py::test_200", "test_fuzz.py::", "test_cli.py::")
    assert [name for name in left_out if name in listed] == []


def test_tests_run_the_load_tests_after_the_others_on_their_own():
    listed = run(os.environ, "tests", "--args", "--collect-only -q -k test_200_voters").stdout
    load_test = "tests/test_faults.py::test_200_voters_at_once"
    # The parallel run selects nothing, which is no failure; the run on its own, after it, lists the load test.
    assert listed.count(load_test) == 1 and listed.index("no tests collected") < listed.index(load_test)


def test_the_tests_of_an_xdist_group_share_one_worker(tmp_path):
    """What the files with module-scoped daemons count on (pytest 9.2 broke it without a word: requirements-dev.in)."""
    (tmp_path / "test_grouped.py").write_text(
        "import os, pathlib, pytest\n"
        "pytestmark = pytest.mark.xdist_group('one')\n"
        "@pytest.mark.parametrize('n', range(6))\n"
        f"def test_where(n):\n    pathlib.Path({str(tmp_path)!r}, str(n)).write_text(os.environ['PYTEST_XDIST_WORKER'])\n")
    subprocess.run([sys.executable, "-m", "pytest", "-c", str(ROOT / "pyproject.toml"), "--rootdir", str(tmp_path),
                    "-n", "2", "-p", "no:cacheprovider", "-q", str(tmp_path / "test_grouped.py")],
                   check=True, capture_output=True, timeout=120)
    assert len({(tmp_path / str(n)).read_text() for n in range(6)}) == 1


def test_the_embedded_database_listens_on_loopback_only_and_says_so(env, tmp_path):
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "app", "db", "--port", str(port)], cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        announced = server.stdout.readline()
        database_pid = int((tmp_path / "var" / "nx-27017.pid").read_text())
        listening = listening_tcp_sockets()
        assert {listening[inode] for inode in open_sockets(database_pid) & listening.keys()} == {
            ("0100007F", f"{port:04X}")}
    finally:
        server.send_signal(signal.SIGTERM)
        server.communicate(timeout=30)
    assert announced.startswith(f"embedded database on mongodb://127.0.0.1:{port}/: loopback only")


def test_a_command_closes_its_database_client_before_its_database_stops(tmp_path, monkeypatch):
    """What lets `python -m app` exit at once without PyMongo's exit handler (app/__main__.py)."""
    monkeypatch.setenv("LT_DATA_DIR", str(tmp_path / "var"))
    with cli.app_context(offline=True) as app:
        app.extensions["db"].command("ping")
    with pytest.raises(InvalidOperation, match="after close"):
        app.extensions["db"].command("ping")
