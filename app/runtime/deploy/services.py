"""Starting, reloading and stopping the stack's services on a server: with systemd, or with our supervisor."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from . import supervisor, units


class ServiceError(RuntimeError):
    """A service did not start, reload or stop."""


def _alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def _stop_pid(pid, kill_signal="SIGTERM", timeout=30):
    """Stop a process that is not our child (the supervisor, or one of its services) and wait until it is gone."""
    os.kill(pid, signal.Signals[kill_signal])
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)


class Systemd:
    """The production path: the rendered units, linked into systemd."""

    def __init__(self, run_dir):
        self.run_dir = Path(run_dir)

    def _systemctl(self, *words):
        subprocess.run(["systemctl", *words], check=True)

    def running(self):
        """Whether the app's service is active."""
        return subprocess.run(["systemctl", "is-active", "--quiet", units.unit_name("uwsgi")]).returncode == 0

    def start(self):
        """Link every unit, enable them and start any that is stopped (idempotent)."""
        names = [units.unit_name(name) for name in units.installed(self.run_dir)]
        self._systemctl("link", *(str(self.run_dir / "systemd" / name) for name in names))
        self._systemctl("daemon-reload")
        self._systemctl("enable", "--now", *names)

    def reload(self, names):
        """Reload these services in place (uWSGI gracefully, nginx and Varnish keeping their connections and cache)."""
        self._systemctl("reload", *map(units.unit_name, names))

    def restart(self, names):
        """Restart these services after their units changed."""
        self._systemctl("daemon-reload")
        self._systemctl("restart", *map(units.unit_name, names))

    def stop(self):
        """Stop every service."""
        self._systemctl("stop", *map(units.unit_name, reversed(units.installed(self.run_dir))))


class Processes:
    """Where there is no systemd: our supervisor runs the same units as plain processes."""

    def __init__(self, run_dir):
        self.run_dir = Path(run_dir)

    def _state(self):
        try:
            return json.loads(supervisor.state_file(self.run_dir).read_text())
        except FileNotFoundError:
            return None

    def running(self):
        """Whether the supervisor runs."""
        state = self._state()
        return bool(state) and _alive(state["supervisor"])

    def start(self, timeout=30):
        """Start the supervisor in the background unless it runs, and wait until it has started every unit."""
        if self.running():
            return
        (self.run_dir / "logs").mkdir(parents=True, exist_ok=True)
        with open(self.run_dir / "logs" / "supervisor.log", "ab") as log:
            subprocess.Popen([sys.executable, "-m", "app.runtime.deploy", "supervise", str(self.run_dir)], stdin=subprocess.DEVNULL,
                             stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while not self.running():
            if time.monotonic() > deadline:
                raise ServiceError(f"the supervisor did not start; see {self.run_dir / 'logs'}")
            time.sleep(0.1)

    def _pid(self, name):
        pid = (self._state() or {"services": {}})["services"].get(name)
        if not pid:
            raise ServiceError(f"{name} is not running; see {self.run_dir / 'logs' / name}.log")
        return pid

    def reload(self, names):
        """Run each unit's ExecReload, as systemd would, with its $MAINPID."""
        for name in names:
            pid = str(self._pid(name))
            subprocess.run([word.replace("$MAINPID", pid) for word in units.load(self.run_dir, name).reload], check=True)

    def restart(self, names, timeout=30):
        """Stop these services; the supervisor starts them again from their (changed) units."""
        for name in names:
            old = self._pid(name)
            _stop_pid(old, units.load(self.run_dir, name).kill_signal)
            deadline = time.monotonic() + timeout
            while self._state()["services"].get(name) in (None, old):
                if time.monotonic() > deadline:
                    raise ServiceError(f"{name} did not come back; see {self.run_dir / 'logs' / name}.log")
                time.sleep(0.1)

    def stop(self, timeout=60):
        """Stop the supervisor, which stops every service."""
        if not self.running():
            return
        _stop_pid(self._state()["supervisor"], "SIGTERM", timeout)


MANAGERS = {"systemd": Systemd, "processes": Processes}


def manager(kind, run_dir):
    """The service manager of this kind for the stack rendered in run_dir."""
    return MANAGERS[kind](run_dir)
