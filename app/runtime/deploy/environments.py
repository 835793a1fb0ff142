"""The servers `fab e NAME` deploys to, read from deploy.toml."""
import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path

from .services import MANAGERS


class SettingsError(ValueError):
    """deploy.toml is missing, or names no such environment, or holds an unknown setting."""


@dataclass(frozen=True)
class Environment:
    """One environment: its hosts, where the app lives there, and how its stack is set up."""

    name: str = "default"
    hosts: tuple = ()                  # "user@host:port"; `fab -H` gives one instead
    app_dir: str = "/srv/lightning-talks"
    url: str = ""                      # the public address, printed after a deploy
    user: str = "www-data"             # the unprivileged user the app runs as
    services: str = "systemd"          # or "processes": our small supervisor, where there is no systemd
    keep: int = 5                      # releases kept on the server, for rollbacks
    repo: str = ""                     # what the server clones for `fab deploy --branch`
    check_timeout: int = 30            # seconds a new release has to answer its health check
    python: str = "/usr/bin/python3"   # the system's, which the app's user can run (not a root-only pyenv)
    port: int = 80                     # Varnish: the only public port
    nginx_port: int = 8081
    admin_port: int = 8083
    db_port: int = 27017               # the embedded database, when the server's .env has no MONGO_URI
    listen: str = ""                   # Varnish's address: "" is every address
    workers: int = 4
    settings: dict = field(default_factory=dict)  # added to the server's .env by the first setup

    @property
    def local_url(self):
        """Varnish's address as seen on the server itself, where deploys check a release."""
        return f"http://{self.listen or '127.0.0.1'}:{self.port}"

    @property
    def app_url(self):
        """nginx's address on the server: the app behind the cache, whose own error replies Varnish hides."""
        return f"http://127.0.0.1:{self.nginx_port}"

    def confs_options(self):
        """`python -m app confs` options that render the stack for this environment."""
        return ["--port", self.port, "--nginx-port", self.nginx_port, "--admin-port", self.admin_port,
                "--db-port", self.db_port, "--workers", self.workers, "--user", self.user,
                *(["--listen", self.listen] if self.listen else [])]


def load(path, name):
    """The environment called name in the settings file at path."""
    try:
        table = tomllib.loads(Path(path).read_text())
    except FileNotFoundError:
        raise SettingsError(f"no {path}: it lists the servers `fab e NAME` deploys to") from None
    if name not in table:
        raise SettingsError(f"no environment {name!r} in {path}; it has: {', '.join(table) or 'none'}")
    settings = table[name]
    unknown = set(settings) - {f.name for f in fields(Environment)}
    if unknown:
        raise SettingsError(f"unknown setting(s) in [{name}] of {path}: {', '.join(sorted(unknown))}")
    env = Environment(**{**settings, "name": name, "hosts": tuple(settings.get("hosts", ()))})
    if env.services not in MANAGERS:
        raise SettingsError(f"[{name}] services must be one of {', '.join(MANAGERS)}, not {env.services!r}")
    return env
