"""Starting, reloading and stopping the stack's services on a server: with systemd, or with our supervisor."""
import subprocess
import sys
import time
from pathlib import Path

from .. import rundir
from ..processes import read_state, stop_pid
from . import units


class ServiceError(RuntimeError):
    """A service did not start, reload or stop."""


class Systemd:
    """The production path: the rendered units, linked into systemd."""

    def __init__(self, run_dir):
        self.run_dir = Path(run_dir)

    def _systemctl(self, *words):
        subprocess.run(["systemctl", *words], check=True)

    def running(self):
        """Whether the app's service is active."""
        return subprocess.run(["systemctl", "is-active", "--quiet", rundir.unit_name("uwsgi")]).returncode == 0

    def start(self):
        """Link every unit, enable them and start any that is stopped (idempotent)."""
        installed = units.installed(self.run_dir)
        self._systemctl("link", *(str(self.run_dir / rundir.unit_file(name)) for name in installed))
        self._systemctl("daemon-reload")
        self._systemctl("enable", "--now", *map(rundir.unit_name, installed))

    def reload(self, names):
        """Reload these services in place (uWSGI gracefully, nginx and Varnish keeping their connections and cache)."""
        self._systemctl("reload", *map(rundir.unit_name, names))

    def restart(self, names):
        """Restart these services after their units changed."""
        self._systemctl("daemon-reload")
        self._systemctl("restart", *map(rundir.unit_name, names))

    def stop(self):
        """Stop every service."""
        self._systemctl("stop", *map(rundir.unit_name, reversed(units.installed(self.run_dir))))


class Processes:
    """Where there is no systemd: our supervisor runs the same units as plain processes."""

    def __init__(self, run_dir):
        self.run_dir = Path(run_dir)

    def _state(self):
        return read_state(rundir.services_state(self.run_dir), rundir.SUPERVISOR_PID)

    def _services(self):
        """Each running service's pid, by name; empty while the supervisor is down."""
        return (self._state() or {}).get("services", {})

    def running(self):
        """Whether the supervisor runs."""
        return self._state() is not None

    def start(self, timeout=30):
        """Start the supervisor in the background unless it runs, and wait until it has started every unit."""
        if self.running():
            return
        log = rundir.log(self.run_dir, "supervisor")
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "ab") as out:
            subprocess.Popen([sys.executable, "-m", "app.runtime.deploy", "supervise", str(self.run_dir)],
                             stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while not self.running():
            if time.monotonic() > deadline:
                raise ServiceError(f"the supervisor did not start; see {log}")
            time.sleep(0.1)

    def _pid(self, name):
        pid = self._services().get(name)
        if not pid:
            raise ServiceError(f"{name} is not running; see {rundir.log(self.run_dir, name)}")
        return pid

    def reload(self, names):
        """Run each unit's ExecReload, as systemd would, with its $MAINPID."""
        for name in names:
            pid = str(self._pid(name))
            reload = units.load(self.run_dir, name).reload
            subprocess.run([word.replace("$MAINPID", pid) for word in reload], check=True)

    def restart(self, names, timeout=30):
        """Stop these services; the supervisor starts them again from their (changed) units."""
        for name in names:
            old = self._pid(name)
            stop_pid(old, units.load(self.run_dir, name).kill_signal)
            deadline = time.monotonic() + timeout
            while self._services().get(name) in (None, old):
                if time.monotonic() > deadline:
                    raise ServiceError(f"{name} did not come back; see {rundir.log(self.run_dir, name)}")
                time.sleep(0.1)

    def stop(self, timeout=60):
        """Stop the supervisor, which stops every service."""
        state = self._state()
        if state:
            stop_pid(state[rundir.SUPERVISOR_PID], "SIGTERM", timeout)


MANAGERS = {"systemd": Systemd, "processes": Processes}


def manager(kind, run_dir):
    """The service manager of this kind for the stack rendered in run_dir."""
    return MANAGERS[kind](run_dir)
