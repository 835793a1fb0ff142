"""Reading the rendered systemd units, so the supervisor runs exactly what systemd would."""
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from .. import rundir


@dataclass(frozen=True)
class Unit:
    """The [Service] lines the supervisor needs."""

    name: str
    start: list
    start_pre: list = field(default_factory=list)
    reload: list = field(default_factory=list)
    env: dict = field(default_factory=dict)
    user: str = ""
    cwd: str = ""
    kill_signal: str = "SIGTERM"


def _service_lines(text):
    """(key, value) of each line in the [Service] section, repeated keys kept."""
    section = None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
        elif section == "Service" and "=" in line and not line.startswith(("#", ";")):
            key, _, value = line.partition("=")
            yield key.strip(), value.strip()


def parse(name, text):
    """A unit from its file's text."""
    lines = list(_service_lines(text))
    single = dict(lines)
    env = dict(value.partition("=")[::2] for key, value in lines if key == "Environment")
    return Unit(
        name=name, start=shlex.split(single["ExecStart"]), start_pre=shlex.split(single.get("ExecStartPre", "")),
        reload=shlex.split(single.get("ExecReload", "")), env=env, user=single.get("User", ""),
        cwd=single.get("WorkingDirectory", ""), kill_signal=single.get("KillSignal", "SIGTERM"),
    )


def installed(run_dir):
    """The names of the services whose units are rendered in run_dir, in start order."""
    return [name for name in rundir.SERVICES if (Path(run_dir) / rundir.unit_file(name)).exists()]


def load(run_dir, name):
    """One rendered unit."""
    return parse(name, (Path(run_dir) / rundir.unit_file(name)).read_text())
