"""The embedded default database: an nx-27017 MongoDB wire-protocol server persisting to SQLite."""
import contextlib
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from pymongo import MongoClient
from pymongo.errors import PyMongoError

from .processes import answers, forget_state, read_state, terminate, write_state

# The embedded database has no users or passwords: only this machine may reach it. App servers on
# other machines need a real MongoDB (MONGO_URI).
HOST = "127.0.0.1"


def free_port():
    """A TCP port on loopback that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _binary():
    beside_python = Path(sys.executable).with_name("nx-27017")
    found = str(beside_python) if beside_python.exists() else shutil.which("nx-27017")
    if not found:
        raise RuntimeError("nx-27017 is not installed: pip install -r requirements.txt")
    return found


def ping(uri, timeout_ms=500):
    """Whether a MongoDB server answers at this URI."""
    client = MongoClient(uri, serverSelectionTimeoutMS=timeout_ms, connectTimeoutMS=timeout_ms)
    try:
        client.admin.command("ping")
        return True
    except PyMongoError:
        return False
    finally:
        client.close()


class EmbeddedMongo:
    """One nx-27017 process on a free loopback port, with its files under data_dir."""

    def __init__(self, data_dir, port=None, in_memory=False):
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.in_memory = in_memory  # the tests': nothing to keep, and each operation a third faster
        self.process = None

    @property
    def uri(self):
        """The URI clients connect with."""
        return f"mongodb://{HOST}:{self.port}/"

    @property
    def announcement(self):
        """Where it listens, and that no other machine can reach it."""
        return (f"embedded database on {self.uri}: loopback only, unreachable from other machines "
                "(app servers elsewhere need MONGO_URI)")

    def start(self, timeout=30):
        """Start the server and wait until it answers."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = self.data_dir / "nx-27017.log"
        self.process = subprocess.Popen(
            [_binary(), "--data-dir", "memory" if self.in_memory else str(self.data_dir / "db"), "--host", HOST,
             "--port", str(self.port), "--log-file", str(log), "--pid-file", str(self.data_dir / "nx-27017.pid")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        # Wait for the port first: a ping before the server listens costs its whole selection timeout (0.5 s).
        while not (answers(self.port, HOST) and ping(self.uri)):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the embedded database did not start; see {log}")
            time.sleep(0.02)
        write_state(state_file(self.data_dir), self.process.pid, port=self.port)
        return self

    def stop(self, timeout=10):
        """Stop the server (SIGTERM, then SIGKILL) and forget it."""
        terminate(self.process, timeout)
        forget_state(state_file(self.data_dir))

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def state_file(data_dir):
    """Where a running server records its pid and port, beside its files (not in the run dir: `fab serve` has none)."""
    return Path(data_dir) / "embedded.json"


def running_uri(data_dir):
    """The URI of an embedded server already running on this data dir (e.g. under `fab serve`), or None."""
    state = read_state(state_file(data_dir))
    uri = state and f"mongodb://{HOST}:{state['port']}/"
    return uri if uri and ping(uri) else None


class NotServed(RuntimeError):
    """No database runs for this data dir, and the task must not start a private one."""


@contextlib.contextmanager
def database_uri(config, start=True):
    """MONGO_URI if set; else the embedded server running on the data dir (under `fab serve` or `fab stack`);
    else, when `start`, one started for the duration. Without `start`, NotServed: a change made in a database
    nobody serves would be reported done while the site never sees it."""
    uri = config.MONGO_URI or running_uri(config.DATA_DIR)
    if uri:
        yield uri
        return
    if not start:
        raise NotServed(f"no database is running for the data dir {config.DATA_DIR} (LT_DATA_DIR) and MONGO_URI is "
                        "unset: start `fab serve` or `fab stack` with this data dir first, then run this again")
    with EmbeddedMongo(config.DATA_DIR) as server:
        yield server.uri
