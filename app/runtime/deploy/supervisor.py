"""A small stand-in for systemd where there is none (containers, the deploy tests): it runs the rendered units.

`python -m app.runtime.deploy supervise RUN_DIR` runs each unit's ExecStart as its User, restarts any that exits, records
their pids in RUN_DIR/services.json (for ExecReload's $MAINPID) and stops them all, in reverse order, on SIGTERM.
"""
import json
import os
import pwd
import signal
import subprocess
import time
from pathlib import Path

from ..processes import terminate
from . import units

# systemd's default environment: units must not depend on the deployer's shell.
BASE_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}
RESTART_DELAY = 1  # seconds before restarting a service that exited, so a broken one does not spin


def state_file(run_dir):
    """Where the supervisor records its own pid and each service's."""
    return Path(run_dir) / "services.json"


def _identity(user):
    """Popen's options for running as this user, with its own group and home."""
    if not user:
        return {}, {}
    entry = pwd.getpwnam(user)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}, {"HOME": entry.pw_dir}


def start(run_dir, name):
    """Start one service from its unit; its output goes to logs/NAME.log."""
    unit = units.load(run_dir, name)
    identity, home = _identity(unit.user)
    env = {**BASE_ENV, **home, **unit.env}
    log = Path(run_dir) / "logs" / f"{name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        if unit.start_pre:  # e.g. `nginx -t`: a broken config never replaces a running one
            subprocess.run(unit.start_pre, env=env, stdout=out, stderr=subprocess.STDOUT, check=True)
        return subprocess.Popen(unit.start, cwd=unit.cwd or None, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True, **identity)


def stop(process, kill_signal="SIGTERM", timeout=15):
    """Stop one service the way its unit says, killing it if it hangs."""
    terminate(process, timeout, signal.Signals[kill_signal])


def _record(run_dir, children):
    path = state_file(run_dir)
    path.with_suffix(".tmp").write_text(json.dumps(
        {"supervisor": os.getpid(), "services": {name: p.pid for name, p in children.items() if p}}))
    path.with_suffix(".tmp").replace(path)


def _start_or_none(run_dir, name):
    """Start a service; None (logged, retried later) when its ExecStartPre fails."""
    try:
        return start(run_dir, name)
    except subprocess.CalledProcessError:
        return None


def supervise(run_dir):
    """Run every rendered unit until SIGTERM; a service that exits is started again."""
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(True))
    os.chdir(run_dir)  # not a release dir: releases are deleted while we run
    children = {name: _start_or_none(run_dir, name) for name in units.installed(run_dir)}
    _record(run_dir, children)
    try:
        while not stopping:
            time.sleep(0.2)
            exited = [name for name, process in children.items() if process is None or process.poll() is not None]
            if exited and not stopping:
                time.sleep(RESTART_DELAY)
                children.update({name: _start_or_none(run_dir, name) for name in exited})
                _record(run_dir, children)
    finally:
        for name, process in reversed(children.items()):
            if process:
                stop(process, units.load(run_dir, name).kill_signal)
        state_file(run_dir).unlink(missing_ok=True)
