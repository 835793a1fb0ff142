"""`fab setup`: make a server ready to run releases (its programs, directories, settings and venvs), and render a
release's confs and start or reload the services, which setup and every deploy do."""
import hashlib
import secrets

import click

from .. import rundir
from .server import words
from .steps import DeployError, run_steps

PROGRAMS = ("nginx", "varnishd", "rsync", "openssl", "runuser")
APT_PACKAGES = "python3-venv nginx varnish rsync openssl"


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
