"""The stack's daemons as child processes: started in the foreground, logged to files, stopped by PID."""
import subprocess
import time

from ..processes import answers, terminate


class StartError(RuntimeError):
    """A daemon exited or did not open its port or socket in time."""


class Daemon:
    """One daemon: ready when its address (a port, or a unix socket's path) answers, stopped with SIGTERM by its
    PID (SIGKILL if stuck)."""

    def __init__(self, name, argv, address, log, env=None):
        self.name, self.argv, self.address, self.log, self.env = name, argv, address, log, env
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
        if answers(self.address):  # else the other program's answer would pass for ours, and ours would die
            where = f"port {self.address}" if isinstance(self.address, int) else str(self.address)
            raise StartError(f"{self.name} cannot start: {where} is already in use by another program")
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                            env=self.env, start_new_session=True)
        deadline = time.monotonic() + timeout
        while not answers(self.address):
            if not self.running or time.monotonic() > deadline:
                self.stop()
                raise StartError(f"{self.name} did not start on {self.address}; see {self.log}")
            time.sleep(0.05)
        return self

    def stop(self, timeout=15):
        """Stop it and wait until it has exited."""
        terminate(self.process, timeout)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
