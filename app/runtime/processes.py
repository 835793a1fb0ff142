"""Processes: whether one lives or answers, stopping one politely then firmly, and the state files that live ones
leave."""
import json
import os
import signal
import socket
import subprocess
import time
from pathlib import Path


def answers(address, host="127.0.0.1"):
    """Whether something accepts connections on this TCP port, or on this unix socket's path."""
    unix = not isinstance(address, int)
    try:
        with socket.socket(socket.AF_UNIX if unix else socket.AF_INET) as client:
            client.settimeout(0.2)
            client.connect(str(address) if unix else (host, address))
            return True
    except OSError:
        return False


def alive(pid):
    """Whether a process with this id exists (another user's counts: it is there, we just may not signal it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def terminate(process, timeout, stop_signal=signal.SIGTERM):
    """Send stop_signal to our child, wait up to `timeout` seconds, then SIGKILL; return once it has exited."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(stop_signal)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def stop_pid(pid, stop_signal="SIGTERM", timeout=30):
    """Stop a process that is not our child (only its parent can wait for it): poll until it is gone."""
    os.kill(pid, signal.Signals[stop_signal])
    deadline = time.monotonic() + timeout
    while alive(pid):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)


def write_state(path, pid, pid_key="pid", **state):
    """Record that process `pid` runs, with what others need to reach it; replaced whole, never half-written."""
    path = Path(path)
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps({pid_key: pid, **state}))
    partial.replace(path)


def read_state(path, pid_key="pid"):
    """What a running process recorded at path; None when nothing is recorded or its process has gone."""
    try:
        state = json.loads(Path(path).read_text())
        running = alive(state[pid_key])
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None
    return state if running else None


def forget_state(path):
    """Remove a state file, once its process stops."""
    Path(path).unlink(missing_ok=True)
