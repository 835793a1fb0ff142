"""The production stack on one machine: Varnish, nginx and uWSGI, run from the confs rendered into run/."""
import contextlib
import json
import os

from . import commands
from .daemons import Daemon, StartError
from .render import render
from .settings import StackSettings

__all__ = ["StackSettings", "StartError", "daemons", "render", "running", "urls"]


def urls(s):
    """The address of each layer, outermost first."""
    return {
        "varnish": f"http://127.0.0.1:{s.port}/",
        "nginx": f"http://{s.host}:{s.nginx_port}/",
        "uwsgi": f"unix:{s.uwsgi_socket} (uwsgi protocol, for nginx)",
    }


def daemons(s, app_env):
    """The daemons in start order, innermost first; uWSGI gets the app's environment."""
    logs = s.run_dir / "logs"
    return {
        "uwsgi": Daemon("uwsgi", commands.uwsgi(s), s.uwsgi_socket, logs / "uwsgi.log", {**os.environ, **app_env}),
        "nginx": Daemon("nginx", commands.nginx(s), s.nginx_port, logs / "nginx.log"),
        "varnish": Daemon("varnish", commands.varnishd(s), s.port, logs / "varnish.log"),
    }


@contextlib.contextmanager
def running(s, config, mongo_uri, app_env=None):
    """Render the confs and run the daemons for the block (uWSGI's app also gets app_env); they stop in reverse
    order, by PID."""
    render(s, config)
    varnish_url = urls(s)["varnish"].rstrip("/")
    state_file = s.run_dir / "stack.json"
    started = []
    try:
        for daemon in daemons(s, {"MONGO_URI": mongo_uri, "LT_VARNISH_URL": varnish_url, **(app_env or {})}).values():
            started.append(daemon.start())
        # Commands run by hand meanwhile (`fab bake`) find Varnish here, to purge it.
        state_file.write_text(json.dumps({"varnish_url": varnish_url, "pids": {d.name: d.pid for d in started}}))
        yield {d.name: d for d in started}
    finally:
        with contextlib.suppress(FileNotFoundError):
            state_file.unlink()
        for daemon in reversed(started):
            daemon.stop()
