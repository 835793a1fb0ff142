"""Helpers for tests: skipping or failing without real programs (nginx, Varnish, sshd, Chromium...),
reading the dashboard's error replies, the sockets a process listens on, runs of free ports, and the talks
the ledger waits to recount."""
import contextlib
import html
import os
import re
import shutil
import socket
from pathlib import Path

import pytest

from app.counts import ledger

SYSTEM_DIRS = "/usr/local/sbin:/usr/sbin:/sbin"


def require(*programs):
    """Skip unless every program is installed; under CI=true a missing one fails the test instead."""
    path = f"{os.environ.get('PATH', '')}:{SYSTEM_DIRS}"
    missing = [name for name in programs if not shutil.which(name, path=path)]
    if not missing:
        return
    unavailable(f"not installed: {', '.join(missing)}")


def unavailable(reason):
    """Skip for this reason; under CI=true, where everything must run, fail instead."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def error_text(reply):
    """The error a reply shows: the JSON's text for API clients, the error page's message for browsers."""
    if reply.is_json:
        return reply.json["text"]
    return html.unescape(re.search(r'<p class="big">(.*?)</p>', reply.get_data(as_text=True), re.S).group(1))


def waiting_for_recount(app):
    """The talks the app's files ask a recount of: failed writes' and those of votes whose process died, sorted."""
    with app.app_context():
        return ledger.waiting()


def listening_tcp_sockets():
    """Every listening TCP socket (IPv4 and IPv6) on this machine: {inode: (address, port)}, in /proc's
    hex (127.0.0.1 is 0100007F)."""
    rows = [row.split() for table in ("/proc/net/tcp", "/proc/net/tcp6") for row in
            Path(table).read_text().splitlines()[1:]]
    return {fields[9]: tuple(fields[1].split(":")) for fields in rows if fields[3] == "0A"}  # 0A: LISTEN


def open_sockets(pid):
    """The inodes of the sockets a process holds."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(FileNotFoundError):  # closed meanwhile
            link = os.readlink(fd)
            if link.startswith("socket:["):
                inodes.add(link[len("socket:["):-1])
    return inodes


def free_ports(count):
    """The first of `count` consecutive loopback ports that nothing listens on now (`fab stack --port P` also
    takes P+1 and P+3). Below the kernel's ephemeral range, where no outgoing connection takes one meanwhile."""
    for first in range(20000 + os.getpid() % 500 * 20, 32000, count):  # workers start apart
        with contextlib.ExitStack() as held:
            try:
                for port in range(first, first + count):
                    held.enter_context(socket.socket()).bind(("127.0.0.1", port))
            except OSError:
                continue
        return first
    raise RuntimeError("no free run of loopback ports")
