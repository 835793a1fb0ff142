"""Stopping a child process politely, then firmly."""
import signal
import subprocess


def terminate(process, timeout, stop_signal=signal.SIGTERM):
    """Send stop_signal, wait up to `timeout` seconds, then SIGKILL; return once it has exited."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(stop_signal)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
