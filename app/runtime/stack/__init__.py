"""The production stack on one machine: Varnish, nginx and uWSGI, run from the confs rendered into run/."""
import contextlib
import os

from .. import rundir
from ..processes import forget_state, write_state
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
    return {
        "uwsgi": Daemon("uwsgi", commands.uwsgi(s), s.uwsgi_socket, rundir.log(s.run_dir, "uwsgi"),
                        {**os.environ, **app_env}),
        "nginx": Daemon("nginx", commands.nginx(s), s.nginx_port, rundir.log(s.run_dir, "nginx")),
        "varnish": Daemon("varnish", commands.varnishd(s), s.port, rundir.log(s.run_dir, "varnish")),
    }


@contextlib.contextmanager
def running(s, config, mongo_uri, app_env=None):
    """Render the confs and run the daemons for the block (uWSGI's app also gets app_env); they stop in reverse
    order, by PID."""
    render(s, config)
    varnish_url = urls(s)["varnish"].rstrip("/")
    state_file = rundir.stack_state(s.run_dir)
    started = []
    try:
        for daemon in daemons(s, {"MONGO_URI": mongo_uri, "LT_VARNISH_URL": varnish_url, **(app_env or {})}).values():
            started.append(daemon.start())
        running_daemons = {d.name: d for d in started}
        # Commands run by hand meanwhile (`fab bake`) find Varnish here, to purge it, while it lives.
        write_state(state_file, running_daemons["varnish"].pid, varnish_url=varnish_url)
        yield running_daemons
    finally:
        forget_state(state_file)
        for daemon in reversed(started):
            daemon.stop()
