"""Deploy tasks as lists of named steps: each shows its progress and time, and a failure names its step."""
import time

import click
from invoke.exceptions import Failure
from paramiko.ssh_exception import SSHException


class DeployError(RuntimeError):
    """A step cannot go on; the message says why and what to do."""


class StepFailed(DeployError):
    """A named step failed."""

    def __init__(self, step, error):
        super().__init__(f"step '{step}' failed: {error}")


def _describe(error):
    """A failed command's line and exit code, and the end of what it said when that was hidden."""
    if isinstance(error, Failure):
        said = (error.result.stderr or error.result.stdout or "").strip().splitlines()[-5:]
        return f"`{error.result.command}` exited {error.result.exited}" + "".join(f"\n    {line}" for line in said)
    return str(error) or type(error).__name__


def run_steps(steps):
    """Run (name, function) pairs in order, showing each one and its time; return their results."""
    results = []
    for number, (name, step) in enumerate(steps, 1):
        click.echo(f"[{number}/{len(steps)}] {name}...", err=True)
        started = time.monotonic()
        try:
            results.append(step())
        except (Failure, DeployError, OSError, SSHException) as error:
            raise StepFailed(name, _describe(error)) from error
        click.echo(f"      {name}: done ({time.monotonic() - started:.1f} s)", err=True)
    return results
