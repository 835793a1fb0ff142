"""Deployer tasks: `fab --list`. Each is thin; the logic lives in `python -m app` (app/cli.py)."""
import os
import shlex
import sys
from pathlib import Path

from fabric import task
from invoke import Collection

ROOT = Path(__file__).resolve().parent
PYTHON = shlex.quote(sys.executable)


def app_command(c, *words):
    """Run one of the app's own commands with this venv's Python."""
    with c.cd(str(ROOT)):
        c.run(" ".join([PYTHON, "-m", "app", *map(shlex.quote, map(str, words))]), pty=sys.stdin.isatty())


def app_exec(*words):
    """Become one of the app's long-running commands, so Ctrl-C and SIGTERM reach it directly."""
    os.chdir(ROOT)
    os.execv(sys.executable, [sys.executable, "-m", "app", *map(str, words)])


@task(help={"port": "port to listen on (8000)", "host": "address to bind (127.0.0.1)"})
def serve(c, port=8000, host="127.0.0.1"):
    """Serve the site with the embedded database and demo data; Ctrl-C stops it."""
    app_exec("serve", "--port", port, "--host", host)


@task(aliases=["test"], help={"args": "extra pytest arguments, e.g. '-k vote -x'"})
def tests(c, args=""):
    """Run the whole test suite."""
    with c.cd(str(ROOT)):
        c.run(f"{PYTHON} -m pytest {args}", pty=sys.stdin.isatty())


@task(
      help={"users": "accounts", "sessions": "talks", "votes": "votes", "force": "wipe a non-empty database first"})
def fake_data(c, users=60, sessions=18, votes=400, force=False):
    """Load realistic demo data (refuses a non-empty database without --force)."""
    app_command(c, "fake-data", "--users", users, "--sessions", sessions, "--votes", votes, *(["--force"] if force else []))


@task(help={"dry_run": "report drift without fixing it"})
def tally(c, dry_run=False):
    """Recount every talk's votes in one aggregation and fix drift."""
    app_command(c, "tally", *(["--dry-run"] if dry_run else []))


@task
def phase(c, name):
    """Switch the phase now: pitching, voting, closed, or schedule."""
    app_command(c, "phase", name)


@task
def bake(c):
    """Render the homepage into www/index.html."""
    app_command(c, "bake")


@task
def indexes(c):
    """Create any missing MongoDB index (idempotent)."""
    app_command(c, "indexes")


def _with_seed_spellings(task_names):
    """Fabric 3 only knows `fake-data`; the seed's docs and habits say `fake_data`: accept both."""
    def names(collection):
        return {name: [*aliases, *([name.replace("-", "_")] if "-" in name else [])]
                for name, aliases in task_names.fget(collection).items()}
    return property(names)


# Fabric builds its own Collection from this module, so the spelling is taught to the class.
Collection.task_names = _with_seed_spellings(Collection.task_names)
