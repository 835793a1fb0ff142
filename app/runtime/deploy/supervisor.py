"""A small stand-in for systemd where there is none (containers, the deploy tests): it runs the rendered units.

`python -m app.runtime.deploy supervise RUN_DIR` runs each unit's ExecStart as its User, restarts any that exits, records
their pids in RUN_DIR/services.json (for ExecReload's $MAINPID) and stops them all, in reverse order, on SIGTERM.
"""
import os
import pwd
import signal
import subprocess
import time
from pathlib import Path

from .. import rundir
from ..processes import forget_state, terminate, write_state
from . import units

# systemd's default environment: units must not depend on the deployer's shell.
BASE_ENV = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}
RESTART_DELAY = 1  # seconds before restarting a service that exited, so a broken one does not spin


def _identity(user):
    """Popen's options for running as this user, with its own group and home."""
    if not user:
        return {}, {}
    entry = pwd.getpwnam(user)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}, {"HOME": entry.pw_dir}


def start(run_dir, name):
    """Start one service from its unit, its output in its log; None (retried later) when its ExecStartPre fails."""
    unit = units.load(run_dir, name)
    identity, home = _identity(unit.user)
    env = {**BASE_ENV, **home, **unit.env}
    log = rundir.log(run_dir, name)
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") as out:
        # e.g. `nginx -t`: a broken config never replaces a running one
        if unit.start_pre and subprocess.run(unit.start_pre, env=env, stdout=out, stderr=subprocess.STDOUT).returncode:
            return None
        return subprocess.Popen(unit.start, cwd=unit.cwd or None, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True, **identity)


def _record(run_dir, children):
    write_state(rundir.services_state(run_dir), os.getpid(), rundir.SUPERVISOR_PID,
                services={name: p.pid for name, p in children.items() if p})


def supervise(run_dir):
    """Run every rendered unit until SIGTERM; a service that exits is started again."""
    run_dir = Path(run_dir)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    signal.signal(signal.SIGINT, lambda *_: stopping.append(True))
    os.chdir(run_dir)  # not a release dir: releases are deleted while we run
    children = {name: start(run_dir, name) for name in units.installed(run_dir)}
    _record(run_dir, children)
    try:
        while not stopping:
            time.sleep(0.2)
            exited = [name for name, process in children.items() if process is None or process.poll() is not None]
            if exited and not stopping:
                time.sleep(RESTART_DELAY)
                children.update({name: start(run_dir, name) for name in exited})
                _record(run_dir, children)
    finally:
        for name, process in reversed(children.items()):
            terminate(process, 15, signal.Signals[units.load(run_dir, name).kill_signal])
        forget_state(rundir.services_state(run_dir))
