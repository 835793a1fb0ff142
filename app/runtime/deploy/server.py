"""One server of an environment, over a Fabric connection: commands as root or as the app's user, in its layout."""
import io
import shlex
from pathlib import PurePosixPath

from .layout import Layout

# Settings of the host's ssh_config entry that rsync's ssh must share with Fabric's connection.
SSH_OPTIONS = ("userknownhostsfile", "stricthostkeychecking", "proxyjump")


def words(*parts):
    """A shell command line from words, each quoted."""
    return " ".join(shlex.quote(str(part)) for part in parts)


class Server:
    """A server to deploy to: the connection, its environment's settings and its layout."""

    def __init__(self, conn, env):
        self.conn, self.env = conn, env
        self.layout = Layout(PurePosixPath(env.app_dir))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.conn.close()

    @property
    def name(self):
        """user@host:port, for messages."""
        return f"{self.conn.user}@{self.conn.host}:{self.conn.port}"

    def run(self, command, **options):
        """Run a shell command as root: deploys log in as root, or as a user with passwordless sudo."""
        if self.conn.user != "root":
            command = f"sudo -n sh -c {shlex.quote(command)}"
        return self.conn.run(command, **options)

    def succeeds(self, command):
        """Whether a command exits 0 (a test, not a step)."""
        return self.run(command, warn=True, hide=True).ok

    def output(self, command):
        """A command's standard output, stripped."""
        return self.run(command, hide=True).stdout.strip()

    def app_command(self, release, *parts, as_root=False, **options):
        """Run `python -m app ...` in a release (None: the current one) as the app's unprivileged user, or as root
        for what only root may write (the rendered units)."""
        where = self.layout.release(release) if release else self.layout.current
        user = [] if as_root else ["runuser", "-u", self.env.user, "--"]
        return self.run(f"cd {where} && " + words(*user, where / ".venv" / "bin" / "python", "-m", "app", *parts),
                        **options)

    def deploy_command(self, release, *parts, **options):
        """Run `python -m app.runtime.deploy ...` from a release (None: the current one) as root: it manages services."""
        where = self.layout.release(release) if release else self.layout.current
        return self.run(f"cd {where} && " + words(where / ".venv" / "bin" / "python", "-m", "app.runtime.deploy", *parts),
                        **options)

    def current(self):
        """The name of the release that runs, or None before the first deploy."""
        target = self.run(words("readlink", self.layout.current), warn=True, hide=True)
        return PurePosixPath(target.stdout.strip()).name if target.ok else None

    def releases(self):
        """The names of the releases on the server, oldest first."""
        listing = self.run(words("ls", "-1", self.layout.releases), warn=True, hide=True)
        return sorted(listing.stdout.split()) if listing.ok else []

    def put(self, source, path, mode="640"):
        """Upload a local file (or a file object) as root-owned, readable by the app's group only."""
        upload = self.conn.run("mktemp", hide=True).stdout.strip()
        self.conn.put(source, upload)
        self.run(words("install", "-m", mode, "-g", self.env.user, upload, path) + " && " + words("rm", "-f", upload))

    def put_text(self, text, path, mode="640"):
        """Upload text as a file, as put() does."""
        self.put(io.StringIO(text), path, mode)

    def ssh_command(self):
        """The ssh command line rsync runs: the port, keys and host-key settings Fabric's own connection uses
        (from `fab -i`, `fab -S ssh_config` or ~/.ssh/config)."""
        parts = ["ssh", "-p", self.conn.port, "-o", "BatchMode=yes"]
        keys = self.conn.connect_kwargs.get("key_filename") or []
        for key in [keys] if isinstance(keys, str) else keys:
            parts += ["-i", key, "-o", "IdentitiesOnly=yes"]
        for option in SSH_OPTIONS:
            if option in self.conn.ssh_config:
                parts += ["-o", f"{option}={self.conn.ssh_config[option]}"]
        return words(*parts)
