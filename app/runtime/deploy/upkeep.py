"""Looking after a running server: back up and restore its database, mend the venv, restart uWSGI, read the logs."""
from .. import rundir
from .layout import timestamp
from .releases import install
from .server import words
from .steps import DeployError, run_steps


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
