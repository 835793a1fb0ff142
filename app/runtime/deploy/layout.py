"""Where things live on a server, and how releases are named."""
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import PurePosixPath

from .. import rundir


@dataclass(frozen=True)
class Layout:
    """The app dir: releases/NAME, `current` pointing at one, venvs/ shared by releases, shared/ kept across them."""

    app_dir: PurePosixPath

    @property
    def releases(self):
        """One dir per deploy, named so that sorting puts them in order."""
        return self.app_dir / "releases"

    @property
    def current(self):
        """The symlink to the release that runs; the confs name it, so switching it switches everything."""
        return self.app_dir / "current"

    @property
    def venvs(self):
        """Virtualenvs keyed by a hash of requirements.txt: releases with the same requirements share one."""
        return self.app_dir / "venvs"

    @property
    def shared(self):
        """What outlives releases: settings, rendered confs, logs, data and backups."""
        return self.app_dir / "shared"

    @property
    def env_file(self):
        """The server's settings (secrets included); each release links its .env here."""
        return self.shared / ".env"

    @property
    def run(self):
        """LT_RUN_DIR: the rendered confs and units, uWSGI's socket dir, pid files and the services' logs."""
        return self.shared / "run"

    @property
    def logs(self):
        """The services' own logs, when the supervisor (not systemd) runs them."""
        return rundir.logs(self.run)

    @property
    def data(self):
        """LT_DATA_DIR: the embedded database's files."""
        return self.shared / "data"

    @property
    def backups(self):
        """Backups made and restores uploaded on the server."""
        return self.shared / "backups"

    def release(self, name):
        """A release's dir."""
        return self.releases / name

    def python(self, release):
        """A release's Python, in the venv it links to."""
        return self.release(release) / ".venv" / "bin" / "python"


def release_name(commit, now=None):
    """A release's name: its UTC time, so that names sort in deploy order, and the commit it ships."""
    return f"{(now or datetime.now(timezone.utc)):%Y%m%d-%H%M%S}-{commit}"


def timestamp(now=None):
    """The UTC time for a backup's file name."""
    return f"{(now or datetime.now(timezone.utc)):%Y%m%dT%H%M%SZ}"
