"""The one set of settings every file in confs/ is rendered from, on a laptop and in production."""
import getpass
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ...config import ROOT


@dataclass(frozen=True)
class StackSettings:
    """Ports, paths, user and sizes of the stack; nothing else varies between machines."""

    run_dir: Path                  # rendered confs, pid files, logs and Varnish's work dir
    www_dir: Path                  # the baked homepage nginx serves
    port: int = 8080               # Varnish: the only public port
    nginx_port: int = 8081
    admin_port: int = 8083         # varnishadm, loopback only
    db_port: int = 27017           # the embedded database's systemd unit, when there is no MONGO_URI
    host: str = "127.0.0.1"        # where nginx listens (uWSGI only ever on its unix socket)
    varnish_host: str = "127.0.0.1"  # Varnish's address as nginx sees it, trusted for X-Forwarded-For
    listen: str = "127.0.0.1"      # where Varnish listens ("" = every address, in production)
    proxy_count: int = 0           # LT_PROXY_COUNT: proxies in front of Varnish whose X-Forwarded-For it believes
    workers: int = 2               # uWSGI worker processes
    threads: int = 4               # threads per worker: a request mostly waits on the database
    backends: tuple = ()           # "host:port" of each app server's nginx; empty = this machine's
    user: str = field(default_factory=getpass.getuser)
    cache_ttl: str = "10h"         # how long Varnish keeps the homepage and assets; a bake purges it
    probe_interval: str = "1s"     # how often Varnish asks /api/health: a failure shows after three of them
    max_body_kb: int = 64          # the app's MAX_CONTENT_LENGTH, so nginx refuses the same bodies
    production: bool = False
    embedded_db: bool = True       # no MONGO_URI: run the embedded database too
    root: Path = ROOT
    bin_dir: Path = Path(sys.executable).parent  # the venv: pyuwsgi ignores `home`, so run it from here

    @property
    def app_backends(self):
        """(host, port) of every app server Varnish balances over."""
        listed = [b.rsplit(":", 1) for b in self.backends] or [(self.host, self.nginx_port)]
        return [(host, int(port)) for host, port in listed]

    @property
    def purgers(self):
        """Addresses allowed to PURGE and BAN: loopback, and app servers that re-bake."""
        return sorted({"127.0.0.1", "::1", *(host for host, _ in self.app_backends)})

    @property
    def nginx_prefix(self):
        """nginx's prefix: its pid, temp files and logs stay inside the run dir."""
        return self.run_dir / "nginx"

    @property
    def varnish_dir(self):
        """Varnish's work dir (-n), which varnishadm and varnishlog are pointed at."""
        return self.run_dir / "varnish"

    @property
    def uwsgi_socket(self):
        """uWSGI's unix socket, for nginx's uwsgi_pass: never TCP, as the uwsgi protocol can load and run code."""
        return self.run_dir / "uwsgi" / "uwsgi.sock"

    @property
    def reload_file(self):
        """Touching this file makes uWSGI reload its workers gracefully (deploys)."""
        return self.run_dir / "uwsgi.reload"

    @classmethod
    def from_config(cls, config, **options):
        """Settings for this checkout: paths and limits from the app's Config; options add to or override them."""
        production = config.ENV == "production"
        return cls(**{
            "run_dir": config.RUN_DIR, "www_dir": config.WWW_DIR, "max_body_kb": config.MAX_CONTENT_LENGTH // 1024,
            "production": production, "listen": "" if production else "127.0.0.1",
            "embedded_db": not config.MONGO_URI, "proxy_count": config.PROXY_COUNT, **options,
        })
