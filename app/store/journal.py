"""Talks whose count may be off, listed in files outside the database until a recount clears them.

A vote writes its document and then moves the talk's count. When the database fails between the
two, the vote notes the talk in the journal (locked and fsynced: this path is rare). When the
process itself dies between them (a SIGKILLed worker), nothing runs to note it: so each vote first
writes its talk into its process's intent file and empties it after, two cheap syscalls, and an
intent left by a dead process is moved into the journal (recover)."""
import contextlib
import fcntl
import os
import threading
from pathlib import Path

from flask import current_app

# Per process: (pid, fd) of its open intent file, reopened after a fork.
INTENT = "recount_intent"
_OPENING = threading.Lock()


def _path(suffix):
    """A file of this database's journal in LT_DATA_DIR, one set per database name."""
    config = current_app.config
    return Path(config["DATA_DIR"]) / f"recount-{config['DB_NAME']}.{suffix}"


def _made(path):
    """The path, its directory made first if missing (writers only: a request's check must not make it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def _locked(path, blocking=True):
    """The file open read-write under an exclusive flock; BlockingIOError if not blocking and it is held."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if blocking else fcntl.LOCK_NB))
        yield fd
    finally:
        os.close(fd)  # which releases the lock


def _read(fd, offset=0):
    """The file's text from offset on."""
    os.lseek(fd, offset, os.SEEK_SET)
    return b"".join(iter(lambda: os.read(fd, 65536), b"")).decode()


def note(talk_id):
    """Remember that this talk's count needs a recount."""
    with _locked(_made(_path("journal"))) as fd:
        os.lseek(fd, 0, os.SEEK_END)
        os.write(fd, f"{talk_id}\n".encode())
        os.fsync(fd)


def waiting():
    """Whether any talk waits for a recount: one stat."""
    try:
        return os.stat(_path("journal")).st_size > 0
    except FileNotFoundError:
        return False


def drain(recount):
    """Call recount(talk_id) once per journaled talk and drop those it returns True for.

    One process drains at a time (the others go on without waiting); lines noted meanwhile stay.
    If recount raises (the database is down again), the journal is left as it was."""
    with contextlib.suppress(BlockingIOError), _locked(_path("lock"), blocking=False):
        with _locked(_path("journal")) as fd:
            seen = _read(fd)
        talk_ids = list(dict.fromkeys(seen.split()))
        done = {talk_id for talk_id in talk_ids if recount(talk_id)}
        with _locked(_path("journal")) as fd:
            kept = "".join(f"{talk_id}\n" for talk_id in talk_ids if talk_id not in done)
            left = (kept + _read(fd, len(seen.encode()))).encode()
            # Never longer than before: overwrite, then cut; a crash in between only repeats lines.
            os.pwrite(fd, left, 0)
            os.ftruncate(fd, len(left))
            os.fsync(fd)


def _intent_fd():
    """This process's intent file, opened on first use; what an earlier process of this pid left is journaled."""
    pid = os.getpid()
    owner, fd = current_app.extensions.get(INTENT, (None, None))
    if owner == pid:
        return fd
    # Under a threaded server two first votes could both open the file, and the second would
    # journal the first's intent as if a dead process had left it: one opener at a time.
    with _OPENING:
        owner, fd = current_app.extensions.get(INTENT, (None, None))
        if owner == pid:
            return fd
        fd = os.open(_made(_path(f"{pid}.intent")), os.O_RDWR | os.O_CREAT, 0o600)
        for talk_id in _read(fd).split():
            note(talk_id)
        os.ftruncate(fd, 0)
        current_app.extensions[INTENT] = (pid, fd)
    return fd


def intend(talk_id):
    """Before a vote's first write: if this process dies before settle(), the talk gets recounted."""
    os.pwrite(_intent_fd(), f"{talk_id}\n".encode(), 0)


def settle():
    """After a vote's last write (or its failure, which note() covers)."""
    os.ftruncate(_intent_fd(), 0)


def _alive(pid):
    """Whether a process with this pid exists (as any user)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def recover():
    """Journal the talks that dead processes were voting on, and remove their intent files.

    A dead process's pid taken by a live one hides its intent until that one exits, or votes (_intent_fd)."""
    for path in _path("journal").parent.glob(f"recount-{current_app.config['DB_NAME']}.*.intent"):
        if _alive(int(path.name.rsplit(".", 2)[-2])):
            continue
        for talk_id in path.read_text().split():
            note(talk_id)
        path.unlink(missing_ok=True)
