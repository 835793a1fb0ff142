"""The stack's daemons as child processes: started in the foreground, logged to files, stopped by PID."""
import socket
import subprocess
import time

from ..processes import terminate


class StartError(RuntimeError):
    """A daemon exited or did not open its port in time."""


def answers(port, host="127.0.0.1"):
    """Whether something accepts TCP connections on this port."""
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


class Daemon:
    """One daemon: ready when its port answers, stopped with SIGTERM by its PID (SIGKILL if stuck)."""

    def __init__(self, name, argv, port, log, env=None):
        self.name, self.argv, self.port, self.log, self.env = name, argv, port, log, env
        self.process = None

    @property
    def pid(self):
        """The process id, while it runs."""
        return self.process.pid if self.running else None

    @property
    def running(self):
        """Whether the process is alive."""
        return self.process is not None and self.process.poll() is None

    def start(self, timeout=30):
        """Start it in its own session (Ctrl-C reaches only us, and we stop it) and wait for its port."""
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                            env=self.env, start_new_session=True)
        deadline = time.monotonic() + timeout
        while not answers(self.port):
            if not self.running or time.monotonic() > deadline:
                self.stop()
                raise StartError(f"{self.name} did not start on port {self.port}; see {self.log}")
            time.sleep(0.05)
        return self

    def stop(self, timeout=15):
        """Stop it and wait until it has exited."""
        terminate(self.process, timeout)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
