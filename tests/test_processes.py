"""Processes: the state files running ones leave for others (the embedded database, `fab stack`, our supervisor), and
our supervisor running systemd units where there is no systemd."""
import os
import pwd
import signal
import socket
import subprocess
import sys
import time

import pytest

from app.homepage import varnish
from app.runtime import rundir
from app.runtime.processes import alive, read_state, terminate, write_state
from app.runtime.stack.daemons import Daemon, StartError

from .helpers import unavailable


@pytest.fixture
def process():
    """A child process that runs until the test stops it."""
    child = subprocess.Popen(["sleep", "60"])
    yield child
    terminate(child, 5)


def test_a_state_file_counts_only_while_its_process_lives(tmp_path, process):
    path = tmp_path / "embedded.json"
    assert read_state(path) is None
    write_state(path, process.pid, port=27017)
    assert read_state(path) == {"pid": process.pid, "port": 27017}
    terminate(process, 5)
    assert read_state(path) is None


@pytest.mark.parametrize("text", ["", "{not json", "[]", '{"port": 1}', '{"pid": "1"}'])
def test_a_broken_state_file_means_nothing_runs(tmp_path, text):
    path = tmp_path / "stack.json"
    path.write_text(text)
    assert read_state(path) is None


def test_bakes_find_the_stacks_varnish_while_it_runs(tmp_path, process):
    config = {"VARNISH_URL": "", "RUN_DIR": str(tmp_path)}
    assert varnish.url(config) is None
    write_state(rundir.stack_state(tmp_path), process.pid, varnish_url="http://127.0.0.1:8080")
    assert varnish.url(config) == "http://127.0.0.1:8080"
    assert varnish.url({**config, "VARNISH_URL": "http://cache:80"}) == "http://cache:80"
    terminate(process, 5)
    assert varnish.url(config) is None


def deploy(*words):
    """`python -m app.runtime.deploy ...` as fab runs it on a server (its supervisor outlives it, as there); stdout."""
    done = subprocess.run([sys.executable, "-m", "app.runtime.deploy", *map(str, words)], capture_output=True,
                          text=True, timeout=60, check=True)
    return done.stdout


@pytest.fixture
def run_dir(tmp_path):
    """A run dir with one unit, run as www-data, that sleeps, under our supervisor; stopped at the end."""
    if os.geteuid() != 0:
        unavailable("the supervisor runs a unit's User only when it starts as root")
    unit = tmp_path / rundir.unit_file("db")
    unit.parent.mkdir()
    unit.write_text(f'[Unit]\nDescription=a stand-in\n\n[Service]\nUser=www-data\nExecStart=/bin/sleep 600\n'
                    f'ExecReload=/bin/sh -c "echo $MAINPID > {tmp_path / "reloaded"}"\n')
    assert deploy("refresh", tmp_path, "--manager", "processes").strip() == "started"
    yield tmp_path
    deploy("stop", tmp_path, "--manager", "processes")


def supervisor_state(run_dir):
    """What the supervisor records while it runs (None once it has stopped)."""
    return read_state(rundir.services_state(run_dir), rundir.SUPERVISOR_PID)


def service_pid(run_dir):
    """The unit's pid as the supervisor records it; None between a crash and its restart."""
    return supervisor_state(run_dir)["services"].get("db")


def owner(pid):
    """The user a process runs as."""
    return pwd.getpwuid(os.stat(f"/proc/{pid}").st_uid).pw_name


@pytest.mark.slow  # real processes, restarted and reloaded: seconds
def test_the_supervisor_runs_units_as_their_user_restarts_them_and_reloads_them(run_dir):
    first = service_pid(run_dir)
    assert owner(first) == "www-data"

    deploy("refresh", run_dir, "--manager", "processes", "--reload", "db")
    assert (run_dir / "reloaded").read_text().strip() == str(first)  # ExecReload got $MAINPID

    os.kill(first, signal.SIGKILL)  # a crash: the supervisor starts it again
    deadline = time.monotonic() + 10
    while service_pid(run_dir) in (None, first):
        assert time.monotonic() < deadline, "the unit was not restarted"
        time.sleep(0.1)
    assert owner(service_pid(run_dir)) == "www-data"

    supervisor = supervisor_state(run_dir)[rundir.SUPERVISOR_PID]
    deploy("stop", run_dir, "--manager", "processes")
    assert not alive(supervisor) and not rundir.services_state(run_dir).exists()


def test_a_daemon_refuses_a_port_another_program_holds(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        daemon = Daemon("nginx", ["sleep", "60"], port, tmp_path / "nginx.log")
        with pytest.raises(StartError, match=f"nginx cannot start: port {port} is already in use"):
            daemon.start()
    assert daemon.process is None  # nothing was started that would have to be stopped
