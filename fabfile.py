"""Deployer tasks: `fab --list`. Each is thin; the logic lives in `python -m app` (app/cli.py) and app/runtime/deploy/.

`fab e prd TASK` (or `fab -H user@host[:port] TASK`) runs a task on servers; without either, here.
"""
import os
import shlex
import shutil
import sys
from pathlib import Path

from fabric import Connection, task
from invoke import Collection
from invoke.exceptions import Exit

from app.runtime import testsuite
from app.runtime.deploy import environments, provision, releases, upkeep
from app.runtime.deploy.server import Server
from app.runtime.deploy.steps import DeployError

ROOT = Path(__file__).resolve().parent
PYTHON = shlex.quote(sys.executable)
ENVIRONMENTS = ROOT / "deploy.toml"
BACKUPS = ROOT / "backups"
NO_TESTS_SELECTED = 5  # pytest's exit status when --args leaves none of a run's tests


def servers(c):
    """The servers chosen by `fab e NAME` or `fab -H`; none means this machine."""
    name = c.config.get("lightning_env")
    try:
        env = environments.load(ENVIRONMENTS, name) if name else environments.Environment()
    except environments.SettingsError as error:
        raise Exit(str(error)) from None
    if isinstance(c, Connection):
        return [Server(c, env)]
    return [Server(Connection(host, config=c.config), env) for host in env.hosts]


def on_servers(c, action):
    """Run action(server) on each chosen server; a deploy error ends fab with its message."""
    chosen = servers(c)
    if not chosen:
        raise Exit("choose the servers first: `fab e prd TASK` (deploy.toml) or `fab -H user@host[:port] TASK`")
    for server in chosen:
        with server:
            try:
                action(server)
            except DeployError as error:
                raise Exit(f"{server.name}: {error}") from None


def app_command(c, *words):
    """Run one of the app's own commands: on the chosen servers (`fab e prd bake`), else here with this venv's Python."""
    if servers(c):
        on_servers(c, lambda server: server.app_command(None, *words, pty=sys.stdin.isatty()))
        return
    with c.cd(str(ROOT)):
        c.run(" ".join([PYTHON, "-m", "app", *map(shlex.quote, map(str, words))]), pty=sys.stdin.isatty())


def app_exec(*words):
    """Become one of the app's long-running commands, so Ctrl-C and SIGTERM reach it directly."""
    os.chdir(ROOT)
    os.execv(sys.executable, [sys.executable, "-m", "app", *map(str, words)])


@task(help={"port": "port to listen on (8000)", "host": "address to bind (127.0.0.1)",
            "empty": "no demo data, even in an empty database"})
def serve(c, port=8000, host="127.0.0.1", empty=False):
    """Serve the site with the embedded database (and demo data unless --empty); Ctrl-C stops it."""
    app_exec("serve", "--port", port, "--host", host, *(["--empty"] if empty else []))


@task(help={"port": "Varnish's port (8080); nginx and uWSGI take the next ones", "workers": "uWSGI workers (2)",
            "empty": "no demo data, even in an empty database"})
def stack(c, port=8080, workers=2, empty=False):
    """Run Varnish, nginx and uWSGI from confs/ (and the embedded database) on loopback; Ctrl-C stops them."""
    app_exec("stack", "--port", port, "--workers", workers, *(["--empty"] if empty else []))


@task(help={"pattern": "regex of the URLs to drop (default: all)"})
def varnish(c, pattern="/"):
    """Purge the running stack's Varnish (everything, or the URLs matching --pattern)."""
    app_command(c, "varnish", "--pattern", pattern)


@task(help={"port": "Varnish's public port (80)", "workers": "uWSGI workers (4)", "user": "unprivileged user (www-data)"})
def confs(c, port=80, workers=4, user="www-data"):
    """Render confs/ and the systemd units into run/ for this server, and list what changed."""
    app_command(c, "confs", "--port", port, "--workers", workers, "--user", user)


@task
def audit(c):
    """Check every locked requirement for known vulnerabilities with pip-audit."""
    pip_audit = shutil.which("pip-audit") or shutil.which("pip-audit", path=str(Path(sys.executable).parent))
    if not pip_audit:
        raise Exit("pip-audit is not installed here: pip install pip-audit (it needs PyPI's vulnerability API)")
    with c.cd(str(ROOT)):
        # The locks pin every package with hashes, so nothing needs resolving or installing.
        c.run(f"{shlex.quote(pip_audit)} --no-deps --disable-pip -r requirements.txt -r requirements-dev.txt")


@task(help={"quick": "shorter runs, for a smoke test"})
def bench(c, quick=False):
    """Measure the stack (Varnish, nginx, uWSGI, embedded DB) and print figures and ratios."""
    with c.cd(str(ROOT)):
        c.run(f"{PYTHON} -m bench.run" + (" --quick" if quick else ""), pty=sys.stdin.isatty())


@task(aliases=["test"], help={"fast": "skip the tests marked daemons, browser, deploy or slow (what a deploy runs)",
                               "screenshots": "save the browser tests' screenshots under artifacts/",
                               "args": "extra pytest arguments, e.g. '-k vote -x'"})
def tests(c, fast=False, screenshots=False, args=""):
    """Run the tests in parallel, then the load tests on their own (--fast: the quick set, which a deploy runs)."""
    runs = [testsuite.pytest_command(testsuite.FAST_TESTS)] if fast else [
        testsuite.pytest_command("not alone"), testsuite.pytest_command("alone", parallel=False)]
    extra = f"{'--screenshots ' if screenshots else ''}{args}"
    with c.cd(str(ROOT)):
        for command in runs:
            done = c.run(f"{command} {extra}", pty=sys.stdin.isatty(), warn=True)
            if done.exited not in (0, NO_TESTS_SELECTED):
                raise Exit(code=done.exited)


@task(
      help={"users": "accounts", "sessions": "talks", "votes": "votes", "force": "wipe a non-empty database first"})
def fake_data(c, users=60, sessions=18, votes=400, force=False):
    """Load realistic demo data (refuses a non-empty database without --force)."""
    app_command(c, "fake-data", "--users", users, "--sessions", sessions, "--votes", votes, *(["--force"] if force else []))


@task(help={"force": "really empty it"})
def reset(c, force=False):
    """Empty the database for a clean start (a backup goes to the data dir's backups/ first)."""
    app_command(c, "reset", *(["--force"] if force else []))


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
    """Create any missing MongoDB index and move votes stored under older _ids (idempotent)."""
    app_command(c, "indexes")


@task
def check_voters(c):
    """Print suspicious voter accounts with reasons, worst first, and whether the top N holds."""
    app_command(c, "check-voters")


@task(help={"apply": "quarantine them (without it: a dry run)", "min_score": "score that makes a suspect"})
def remove_fakes(c, apply=False, min_score=None):
    """Quarantine suspect accounts (dry run unless --apply): their votes stop counting, nothing is deleted."""
    app_command(c, "remove-fakes", *(["--apply"] if apply else []), *(["--min-score", min_score] if min_score else []))


@task(help={"name": "an environment in deploy.toml, e.g. prd"})
def e(c, name):
    """Choose an environment's servers from deploy.toml for the tasks that follow: `fab e prd deploy`."""
    try:
        environments.load(ENVIRONMENTS, name)  # a typo fails here, before any task runs
    except environments.SettingsError as error:
        raise Exit(str(error)) from None
    c.config.lightning_env = name


@task
def setup(c):
    """Prepare the servers (idempotent): dirs, settings, venv; confs and services once a release runs."""
    requirements = (ROOT / "requirements.txt").read_text()
    on_servers(c, lambda server: print(f"{server.name}: " + (
        "set up" if provision.setup(server, requirements) else "already set up, nothing changed")))


@task(help={"skip_tests": "do not run the fast tests here first",
            "branch": "have the servers git-clone this branch of the environment's repo, instead of rsyncing this commit"})
def deploy(c, skip_tests=False, branch=None):
    """Ship this commit as a new release, switch to it and check it; roll back if the check fails."""
    on_servers(c, lambda server: print(f"{server.name} runs {releases.deploy(server, ROOT, skip_tests, branch)} "
                                       f"{server.env.url}"))


@task
def rollback(c):
    """Switch the servers back to the release before the current one."""
    on_servers(c, lambda server: print(f"{server.name} runs {releases.rollback(server)} again"))


@task(help={"branch": "git-clone this branch of the environment's repo instead"})
def pull(c, branch=None):
    """Put this commit on the servers as a new release, with its requirements, without switching to it."""
    on_servers(c, lambda server: print(f"{server.name} has {releases.pull(server, ROOT, branch)}; `fab deploy` runs one"))


@task
def pip_install(c):
    """Install the current release's requirements into its venv (a half-made venv is made again)."""
    on_servers(c, upkeep.pip_install)


@task
def bounce(c):
    """Restart uWSGI on the servers (deploys reload it gracefully instead)."""
    on_servers(c, upkeep.bounce)


@task
def backup(c):
    """Back up the server's database and download it into backups/ENV-HOST-TIME.json."""
    on_servers(c, lambda server: print(f"downloaded {upkeep.backup(server, BACKUPS)}"))


@task(help={"path": "a file made by `fab backup`", "force": "replace the data of a non-empty database"})
def restore(c, path, force=False):
    """Upload a backup and restore it on the server (refuses a non-empty database without --force)."""
    on_servers(c, lambda server: upkeep.restore(server, Path(path), force))


@task(help={"lines": "how many lines to show first (100)", "follow": "keep following; --no-follow prints and stops"})
def logs(c, lines=100, follow=True):
    """Tail the services' logs on the server."""
    on_servers(c, lambda server: upkeep.logs(server, lines, follow, pty=sys.stdin.isatty()))


def _with_seed_spellings(task_names):
    """Fabric 3 only knows `fake-data`; the seed's docs and habits say `fake_data`: accept both."""
    def names(collection):
        return {name: [*aliases, *([name.replace("-", "_")] if "-" in name else [])]
                for name, aliases in task_names.fget(collection).items()}
    return property(names)


# Fabric builds its own Collection from this module, so the spelling is taught to the class.
Collection.task_names = _with_seed_spellings(Collection.task_names)
