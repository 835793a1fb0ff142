"""Rendering confs/ into the run dir from one StackSettings, plus the dashboard's htpasswd."""
import os
import pwd
import shlex
import subprocess
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from ... import headers
from ...config import ROOT
from .. import rundir
from . import commands

CONFS = ROOT / "confs"
DAEMON_CONFS = ("nginx.conf", "varnish.vcl", "uwsgi.ini")


def _templates():
    return Environment(loader=FileSystemLoader(CONFS), undefined=StrictUndefined, trim_blocks=True,
                       lstrip_blocks=True, keep_trailing_newline=True)


def _units(s):
    """The systemd units this machine needs: the database's only without MONGO_URI."""
    return [rundir.unit_file(name) for name in rundir.SERVICES if name != "db" or s.embedded_db]


def _write(path, text, mode=0o644):
    """Write the file if its text changed; True if it did (deploys reload only what changed)."""
    path = Path(path)
    if path.exists() and path.read_text() == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    return True


def _sha512_crypt(password, salt=None):
    """SHA-512 crypt by openssl, which nginx checks with the system's crypt(); the password goes by stdin."""
    argv = ["openssl", "passwd", "-6", *(["-salt", salt] if salt else []), "-stdin"]
    return subprocess.run(argv, input=password, capture_output=True, text=True, check=True).stdout.strip()


def _htpasswd(s, config):
    """The dashboard's htpasswd; its salt is kept while the password is the same, so it changes only then."""
    path = s.run_dir / "htpasswd"
    user, password = config.DASHBOARD_USER, config.DASHBOARD_PASSWORD
    if path.exists():
        stored_user, _, stored = path.read_text().strip().partition(":")
        if stored_user == user and stored.count("$") == 3 and _sha512_crypt(password, stored.split("$")[2]) == stored:
            return False
    if not _write(path, f"{user}:{_sha512_crypt(password)}\n", 0o600):
        return False
    _share_with_group(path, s.user)
    return True


def _app_ids(user):
    """(uid, gid) of the app's user when rendering as root for it; None when what we write stays ours."""
    if os.geteuid() != 0 or user == "root":
        return None
    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        return None  # no such user here: the files are for another machine
    return entry.pw_uid, entry.pw_gid


def _share_with_group(path, user):
    """Rendered as root, a secret is root's; nginx's workers read it as `user`, so give that
    user's group read access (and nobody else)."""
    ids = _app_ids(user)
    if ids:
        os.chown(path, -1, ids[1])
        path.chmod(0o640)


def _socket_dir(s):
    """uWSGI's socket dir: the app's user creates the socket there, nginx's workers (that user and group)
    connect, nobody else may even look in."""
    path = s.uwsgi_socket.parent
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o750)
    ids = _app_ids(s.user)
    if ids:
        os.chown(path, *ids)


def render(s, config):
    """Write every conf for these settings into s.run_dir; return the paths that changed."""
    context = {
        "s": s,
        "security_headers": headers.for_env("production" if s.production else "development"),
        "purge_secret": config.PURGE_SECRET,  # PURGE and BAN carry it (app/homepage/varnish.py)
        "argv": {
            "uwsgi": shlex.join(commands.uwsgi(s)), "nginx": shlex.join(commands.nginx(s)),
            "nginx_test": shlex.join([*commands.nginx(s), "-t", "-q"]),
            "varnishd": shlex.join(commands.varnishd(s)), "db": shlex.join(commands.db(s)),
        },
    }
    templates = _templates()
    changed = [s.run_dir / name for name in (*DAEMON_CONFS, *_units(s))
               if _write(s.run_dir / name, templates.get_template(name).render(context))]
    if _htpasswd(s, config):
        changed.append(s.run_dir / "htpasswd")
    s.nginx_prefix.mkdir(parents=True, exist_ok=True)
    _socket_dir(s)
    # Made if missing, never touched: uWSGI reloads when its time moves (in whole seconds), so a touch here reloaded
    # the old release before a deploy switched `current`, and hid the deploy's own reload in the same second.
    os.close(os.open(s.reload_file, os.O_WRONLY | os.O_CREAT, 0o644))
    return changed
