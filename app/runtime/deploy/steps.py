"""setup, deploy and rollback as lists of named steps: each shows its progress, and a failure names its step."""
import hashlib
import os
import secrets
import sys
import time

import click
from invoke.exceptions import Failure
from paramiko.ssh_exception import SSHException

from .. import rundir
from .layout import release_name, timestamp
from .server import words

PROGRAMS = ("nginx", "varnishd", "rsync", "openssl", "runuser")
APT_PACKAGES = "python3-venv nginx varnish rsync openssl"
# `fab tests --fast`, which a deploy runs first, leaves out what needs real daemons, Chromium or a deploy, or is slow.
FAST_TESTS = "not daemons and not browser and not deploy and not slow"
# The files that hold the tests marked `alone`, which `fab tests` runs on their own after the others: that run
# (`-m alone`) imports only these instead of collecting the whole suite again (a second and a half); conftest.py
# refuses an `alone` test anywhere else.
LOAD_TEST_FILES = ("tests/test_faults.py",)


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


# Setup ---------------------------------------------------------------------------------------------------------

def check_programs(server):
    """Refuse a server without what the stack needs."""
    missing = [p for p in PROGRAMS if not server.succeeds(f"command -v {p}")]
    if not server.succeeds(words(server.env.python, "-c", "import ensurepip")):
        missing.append(f"{server.env.python} with venv (python3-venv)")
    if missing:
        raise DeployError(f"{server.name} lacks {', '.join(missing)}: apt-get install {APT_PACKAGES}")
    if not server.succeeds(words("id", "-u", server.env.user)):
        raise DeployError(f"{server.name} has no user {server.env.user}: add it (adduser --system {server.env.user})")
    return False


def make_dirs(server):
    """Create the layout's dirs; the app's user owns only what it writes. True if any was missing."""
    layout = server.layout
    dirs = (layout.releases, layout.venvs, layout.logs, layout.data, layout.backups)
    created = server.output(" ; ".join(f"[ -d {d} ] || {{ mkdir -p {d} && echo {d}; }}" for d in dirs))
    server.run(words("chown", server.env.user, layout.data, layout.backups))
    return bool(created)


def env_file(server, token=secrets.token_urlsafe):
    """The server's settings with fresh secrets, as setup writes them once."""
    layout, env = server.layout, server.env
    lines = {
        "LT_ENV": "production", "LT_SECRET_KEY": token(32), "LT_DASHBOARD_PASSWORD": token(24),
        "LT_PURGE_SECRET": token(32),
        "LT_RUN_DIR": layout.run, "LT_DATA_DIR": layout.data, "LT_VARNISH_URL": env.local_url, **env.settings,
    }
    return ("# The app's settings on this server, written once by `fab setup`: edit them here, deploys keep them.\n"
            + "".join(f"{name}={value}\n" for name, value in lines.items()))


def write_settings(server):
    """Write shared/.env unless it exists (it holds the secrets). True if it was written."""
    if server.succeeds(words("test", "-e", server.layout.env_file)):
        return False
    server.put_text(env_file(server), server.layout.env_file)
    click.echo(f"      the dashboard's password is in {server.layout.env_file} on {server.name}", err=True)
    return True


def requirements_key(text):
    """The venv for these requirements: releases with the same requirements.txt share it."""
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def ensure_venv(server, requirements):
    """The venv for these requirements, made unless complete (a half-made one is made again). True if made."""
    venv = server.layout.venvs / requirements_key(requirements)
    if server.succeeds(words("test", "-e", venv / ".complete")):
        return False
    server.run(words("rm", "-rf", venv) + " && " + words(server.env.python, "-m", "venv", venv))
    server.put_text(requirements, venv / "requirements.txt", "644")
    server.run(words(venv / "bin" / "pip", "install", "--progress-bar", "off", "-r", venv / "requirements.txt"))
    server.run(words("touch", venv / ".complete"))
    return True


def render_confs(server, release):
    """Render the confs from a release, naming `current`; the paths that changed."""
    layout = server.layout
    rendered = server.app_command(release, "confs", *server.env.confs_options(), "--current", layout.current, hide=True,
                                  as_root=True)
    return [line.split(" ", 1)[1] for line in rendered.stdout.splitlines() if line.startswith("changed ")]


def restarts_and_reloads(changed, new_code=True):
    """Which services to restart (their unit changed) and which to reload (their config changed; uWSGI for new code)."""
    restart = [name for name in rundir.SERVICES if any(path.endswith("/" + rundir.unit_file(name)) for path in changed)]
    configs = {"uwsgi": ("/uwsgi.ini",), "nginx": ("/nginx.conf", "/htpasswd"), "varnish": ("/varnish.vcl",)}
    reload = [name for name, files in configs.items()
              if (name == "uwsgi" and new_code) or any(path.endswith(files) for path in changed)]
    return restart, [name for name in reload if name not in restart]


def refresh(server, release, changed, new_code=True):
    """Start the services if they are down, else restart and reload what changed; True if they were started."""
    restart, reload = restarts_and_reloads(changed, new_code)
    options = [*(word for name in restart for word in ("--restart", name)),
               *(word for name in reload for word in ("--reload", name))]
    done = server.deploy_command(release, "refresh", server.layout.run, "--manager", server.env.services, *options)
    return done.stdout.strip() == "started"


def refresh_confs(server, release):
    """Render the running release's confs and start the services, or reload those whose confs changed.
    True if anything changed."""
    changed = render_confs(server, release)
    return refresh(server, release, changed, new_code=False) or bool(changed)


def setup(server, requirements):
    """Prepare a server, idempotently; once a release is current, also render its confs and start its services.
    Returns whether anything changed."""
    steps = [
        ("check the server's programs and user", lambda: check_programs(server)),
        ("create the directories", lambda: make_dirs(server)),
        ("write the settings (shared/.env)", lambda: write_settings(server)),
        ("make the venv for requirements.txt", lambda: ensure_venv(server, requirements)),
    ]
    current = server.current()
    if current:
        steps.append(("render the confs and start the services", lambda: refresh_confs(server, current)))
    else:
        click.echo("no release yet: the first `fab deploy` renders the confs and starts the services", err=True)
    return any(run_steps(steps))


# Deploy --------------------------------------------------------------------------------------------------------

def check_clean_tree(conn, root):
    """Refuse uncommitted changes: a deploy ships exactly a commit."""
    dirty = conn.local(f"git -C {root} status --porcelain", hide=True).stdout
    if dirty.strip():
        raise DeployError(f"the working tree has uncommitted changes; commit or stash them first:\n{dirty.rstrip()}")


def local_commit(conn, root):
    """The short hash of the commit a deploy from here ships."""
    return conn.local(f"git -C {root} rev-parse --short HEAD", hide=True).stdout.strip()


def remote_commit(server, branch):
    """The short hash of the branch's head in the environment's repo, as the server sees it."""
    if not server.env.repo:
        raise DeployError(f"--branch needs `repo` in [{server.env.name}] of deploy.toml: what the server clones")
    heads = server.output(words("git", "ls-remote", server.env.repo, f"refs/heads/{branch}"))
    if not heads:
        raise DeployError(f"{server.env.repo} has no branch {branch}")
    return heads.split()[0][:7]


def rsync_code(server, root, release):
    """Copy the tracked files into the release (hard-linking those unchanged since the current one)."""
    link = [f"--link-dest={server.layout.current}/"] if server.current() else []
    sudo = [] if server.conn.user == "root" else ["--rsync-path=sudo -n rsync"]
    target = f"{server.conn.user}@{server.conn.host}:{server.layout.release(release)}/"
    rsync = words("rsync", "-rlt", "--chmod=go+rX,go-w", "--stats", "--from0", "--files-from=-", *link, *sudo,
                  "-e", server.ssh_command(), "./", target)
    server.conn.local(f"cd {root} && git ls-files -z | {rsync}")


def clone_branch(server, branch, release):
    """Clone the branch into the release, on the server."""
    server.run(words("git", "clone", "--quiet", "--depth", "1", "--branch", branch, server.env.repo,
                     server.layout.release(release)))


def link_shared(server, release):
    """The release's name, its .env (shared/.env) and a www/ the app's user bakes into."""
    path, layout = server.layout.release(release), server.layout
    server.run(" && ".join([
        f"echo {release} > {path / 'RELEASE'}", words("ln", "-sfn", layout.env_file, path / ".env"),
        words("mkdir", "-p", path / "www"), words("chown", server.env.user, path / "www"),
    ]))


def install(server, release):
    """Link the release to the venv for its requirements.txt, making that venv if it is new."""
    path = server.layout.release(release)
    requirements = server.run(words("cat", path / "requirements.txt"), hide=True).stdout
    ensure_venv(server, requirements)
    server.run(words("ln", "-sfn", server.layout.venvs / requirements_key(requirements), path / ".venv"))


def switch(server, release):
    """Point `current` at the release in one rename, so nothing ever sees it missing."""
    current = server.layout.current
    server.run(words("ln", "-sfn", server.layout.release(release), f"{current}.new") + " && "
               + words("mv", "-T", f"{current}.new", current))


def activate(server, release):
    """Make a release the one that runs: bake, render confs, switch, reload, purge, check."""
    changed, started = [], []
    run_steps([
        ("bake the homepage", lambda: server.app_command(release, "bake")),
        ("render the confs", lambda: changed.extend(render_confs(server, release))),
        ("switch current", lambda: switch(server, release)),
        ("start or reload the services", lambda: started.append(refresh(server, release, changed))),
        ("purge Varnish", lambda: started[0] or server.app_command(release, "varnish")),
        ("check /api/health and the homepage", lambda: check_release(server, release)),
    ])


def check_release(server, release):
    """Check the release behind the cache, where its own server errors show and fail the check at once (Varnish
    marks a backend whose health fails sick and answers for it), then through the cache, as visitors get it.
    Two commands, not a new option: an older release's check, run for a rollback to it, would refuse one."""
    for url in (server.env.app_url, server.env.local_url):
        server.deploy_command(release, "check", url, "--release", release, "--timeout", server.env.check_timeout)


def remove_release(server, release):
    """Delete a release that failed."""
    server.run(words("rm", "-rf", server.layout.release(release)))


def prune(server):
    """Keep the newest `keep` releases (and always the current one), and the venvs they use."""
    layout, current = server.layout, server.current()
    old = [name for name in server.releases()[:-max(server.env.keep, 1)] if name != current]
    if old:
        server.run(words("rm", "-rf", *(layout.release(name) for name in old)))
    used = set(server.output(f"readlink {layout.releases}/*/.venv").split())
    venvs = server.output(words("ls", "-1", layout.venvs)).split()
    unused = [layout.venvs / name for name in venvs if str(layout.venvs / name) not in used]
    if unused:
        server.run(words("rm", "-rf", *unused))


def ship_steps(server, root, release, branch=None):
    """The steps that put a new release on the server, without running it."""
    ship = (lambda: clone_branch(server, branch, release)) if branch else (lambda: rsync_code(server, root, release))
    return [
        (f"ship the code ({f'git clone of {branch}' if branch else 'rsync of the tracked files'})", ship),
        ("link the settings", lambda: link_shared(server, release)),
        ("install requirements", lambda: install(server, release)),
    ]


def pull(server, root, branch=None):
    """Put a new release on the server without switching to it; its name."""
    release = release_name(remote_commit(server, branch) if branch else local_commit(server.conn, root))
    try:
        run_steps(ship_steps(server, root, release, branch))
    except StepFailed:
        remove_release(server, release)
        raise
    return release


def pytest_command(marks, parallel=True):
    """The pytest command line for the tests these marks select (`-m`), in parallel (pytest-xdist) on one more
    worker than cores: the daemon and browser tests spend a fair share of their time waiting (on 2 cores the
    full parallel part took 150 s with 2 workers, 137 s with 3, 146 s with 4; the quick set 20 s with 2 or 3)."""
    return words(sys.executable, "-m", "pytest", *(("-n", os.cpu_count() + 1) if parallel else ()), "-m", marks)


def deploy(server, root, skip_tests=False, branch=None):
    """Ship, install and switch to a new release; when it fails its checks, switch back and remove it."""
    previous, env = server.current(), server.env
    release = release_name(remote_commit(server, branch) if branch else local_commit(server.conn, root))
    local = [("check the working tree is clean", lambda: check_clean_tree(server.conn, root))]
    if not skip_tests:
        local.append(("run the fast tests here (--skip-tests skips them)",
                      lambda: server.conn.local(f"cd {root} && {pytest_command(FAST_TESTS)} -q -x")))
    try:
        run_steps(local)
    except StepFailed as failure:
        raise DeployError(f"{failure}\nNothing was sent to {server.name}.") from None
    try:
        run_steps([*ship_steps(server, root, release, branch),
                   ("apply indexes", lambda: server.app_command(release, "indexes"))])
    except StepFailed as failure:
        remove_release(server, release)
        raise DeployError(f"{failure}\nNothing changed: {server.name} still runs {previous or 'no release'}. "
                          f"Fix that and run `fab e {env.name} deploy` again.") from None
    try:
        activate(server, release)
    except StepFailed as failure:
        if not previous:
            raise DeployError(f"{failure}\n{release} is current but failing, and there is no earlier release to go "
                              f"back to: `fab e {env.name} logs` shows why.") from None
        click.echo(f"rolling back to {previous}", err=True)
        try:
            activate(server, previous)
        except StepFailed as again:
            raise DeployError(f"{failure}\nRolling back to {previous} failed too, {again}. `fab e {env.name} logs` "
                              f"shows why; `fab e {env.name} rollback` or a fixed deploy tries again.") from None
        remove_release(server, release)
        raise DeployError(f"{failure}\nRolled back: {server.name} runs {previous} again, and {release} is removed. "
                          f"`fab e {env.name} logs` shows why it failed.") from None
    # Again once switched: the old release's workers stored votes under older _ids until the switch.
    run_steps([("move votes the old release stored meanwhile", lambda: server.app_command(release, "indexes")),
               ("remove old releases", lambda: prune(server))])
    return release


def rollback(server):
    """Switch back to the release before the current one; its name."""
    current = server.current()
    earlier = [name for name in server.releases() if current and name < current]
    if not earlier:
        raise DeployError(f"{server.name} has no release before {current or 'none'} to roll back to")
    activate(server, earlier[-1])
    return earlier[-1]


def download(server, remote, local):
    """Fetch a file from the server into a local dir, made if needed."""
    local.parent.mkdir(parents=True, exist_ok=True)
    server.conn.get(str(remote), str(local))


def backup(server, local_dir):
    """Back up the database on the server into shared/backups and download it, named by environment, host and
    time; the local path."""
    stamp = timestamp()
    remote = server.layout.backups / f"backup-{stamp}.json"
    local = local_dir / f"{server.env.name}-{server.conn.host}-{stamp}.json"
    run_steps([
        ("back up the database", lambda: server.app_command(None, "backup", "--output", remote)),
        (f"download it to {local}", lambda: download(server, remote, local)),
    ])
    return local


def restore(server, source, force=False):
    """Upload a backup file and restore it (refused on a non-empty database without force)."""
    path = server.layout.backups / f"restore-{timestamp()}.json"
    run_steps([
        ("upload the backup", lambda: server.put(str(source), path)),
        ("restore it", lambda: server.app_command(None, "restore", path, *(["--force"] if force else []))),
    ])


def pip_install(server):
    """Make sure the current release's venv holds its requirements (a half-made one is made again)."""
    release = server.current()
    if not release:
        raise DeployError(f"{server.name} has no current release: `fab deploy` first")
    run_steps([("install requirements", lambda: install(server, release))])


def bounce(server):
    """Restart uWSGI: a full restart, where deploys reload it gracefully."""
    run_steps([("restart uWSGI", lambda: server.deploy_command(
        None, "restart", server.layout.run, "--manager", server.env.services, "uwsgi"))])


def logs(server, lines=100, follow=True, pty=False):
    """Show the services' logs on the server (and keep following them)."""
    if server.env.services == "systemd":
        command = words("journalctl", "-n", lines, *(["-f"] if follow else []), "-u", rundir.UNITS_PATTERN)
    else:
        command = f"tail -n {int(lines)} {'-F ' if follow else ''}{server.layout.logs}/*.log"
    server.run(command, pty=pty)
