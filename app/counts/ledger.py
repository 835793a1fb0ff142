"""Votes and the talks' counts, kept equal: the one module that knows how.

A vote is two writes, its document and its talk's `$inc`, and without transactions a count is
one off if the database fails between them or the worker dies there. So while a vote (or a
quarantine flip) writes, a file in LT_DATA_DIR names its talk: removed once both writes are done,
kept for a recount if either fails, and left behind if the process dies. `repair`, run before
requests at most once a second per process (Varnish's probe makes one each second), recounts the
talks those files name, so a count is exact again within seconds and nobody has to act. It recounts
them again at each repair until SETTLE seconds after the failure was seen: the database may still
apply a write whose client gave up on it or died.

A recount is exact under concurrent votes: it reads the talks' `seq` (moved by every change of a
count), counts their vote documents, and sets a count only if its `seq` has not moved and no live
vote's file names the talk; such a vote may have written a document the recount counted and still
be about to `$inc`. The files are per host: several workers and threads on one host are covered,
votes on another app host racing a recount are not."""
import contextlib
import os
import threading
import time
import uuid
from pathlib import Path

from flask import current_app, request

from ..store import talks, votes

# Recount passes per repair: a talk whose count moves during each one waits for the next repair.
PASSES = 3
# Listing the directory of files: once a second per process is soon enough.
REPAIR_EVERY = 1.0
# How long a talk is recounted after a failed or dead write: the server still applies a command whose client
# died (nx-27017 did so up to 22 ms later under 8 writers; MongoDB finishes an operation whose client is gone).
SETTLE = 3.0
VOTING, TO_RECOUNT = "vote", "recount"
_THIS_PROCESS = {}  # pid: "pid.start", computed once per process (a fork gets a new pid)


def _folder():
    """This database's files: in flight (`PID.START.TID.TALK.vote`) and to recount (`RANDOM.TALK.recount`)."""
    config = current_app.config
    return Path(config["DATA_DIR"]) / f"counts-{config['DB_NAME']}"


def _started(pid):
    """When process `pid` started (clock ticks since boot), or None if it is gone; with the pid it names one process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):  # gone before, or while, it was read
        return None
    return stat.rsplit(")", 1)[1].split()[19]  # field 22, starttime, counting from the state after the name


def _this_process():
    """This process as the files name it, PID.START, read once."""
    pid = os.getpid()
    if pid not in _THIS_PROCESS:
        _THIS_PROCESS[pid] = f"{pid}.{_started(pid)}"
    return _THIS_PROCESS[pid]


def _files():
    """(talk, path, whether it is a live process's vote in flight) of every file."""
    folder = _folder()
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return []
    found = []
    for name in names:
        parts = name.split(".")
        if len(parts) < 3 or parts[-1] not in (VOTING, TO_RECOUNT):
            continue  # not ours (an editor's or a copy's)
        alive = parts[-1] == VOTING and _started(parts[0]) == parts[1]
        found.append((parts[-2], folder / name, alive))
    return found


def _create(path):
    """An empty file, its folder made first if missing; no descriptor is kept, so nothing leaks per app."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    except FileNotFoundError:  # the first vote of this database
        path.parent.mkdir(parents=True, exist_ok=True)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def _note(talk_id):
    """Leave a file that asks for a recount of this talk, synced to disk (this path is rare); its path."""
    path = _folder() / f"{uuid.uuid4().hex}.{talk_id}.{TO_RECOUNT}"
    _create(path)
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
    return path


@contextlib.contextmanager
def _writing(talk_id):
    """Around a vote's writes: a file that says, if it outlives them, that the talk needs a recount."""
    path = _folder() / f"{_this_process()}.{threading.get_native_id()}.{talk_id}.{VOTING}"
    _create(path)
    try:
        yield
    except BaseException:  # the database failed, or anything else, between the two writes
        _note(talk_id)
        current_app.extensions.pop("repaired_at", None)  # this process repairs on its next request
        raise
    finally:
        path.unlink(missing_ok=True)


def _weight(vote):
    """What a vote adds to its talk's count: 1, or 0 if it is uncounted or there is none."""
    return 0 if vote is None or not vote.get("counted", True) else 1  # nx-27017 stores a $set False as 0


def _counted(talk_id, delta):
    """Move a shown talk's count by delta (or only read it); the count, or None if there is no such talk to vote
    on. The move is made first and taken back if the talk turns out hidden or withdrawn (a moment's +1 that only
    the dashboard could see), because checking visibility in the update costs the database more on every vote."""
    found = talks.move_count(talk_id, delta) if delta else talks.count_of(talk_id)
    if found is None:
        return None
    count, shown = found
    if not shown and delta:
        talks.move_count(talk_id, -delta)
    return count if shown else None


def cast(user, talk_id, want=None, signals=None):
    """Set (want=True/False) or toggle (want=None) the user's vote on a shown talk: (voted, the talk's count), or
    None if there is no such talk to vote on. A quarantined user's vote is kept but not counted.

    Two commands: the vote document (by its _id), then the count (which also checks the talk, so a vote
    for no talk is taken back); a toggle that finds a vote to remove takes one more."""
    counted = not user.get("quarantined")
    with _writing(talk_id):
        # A toggle tries adding first, and whether it added one says which way to go.
        if want is not False:
            added = votes.add(user["_id"], talk_id, signals or {}, counted)
            if added or want is True:
                count = _counted(talk_id, int(added and counted))
                if count is None and added:
                    votes.remove(user["_id"], talk_id)
                return None if count is None else (True, count)
        removed = votes.remove(user["_id"], talk_id)
        count = _counted(talk_id, -_weight(removed))
        if count is None and removed is not None:
            votes.put_back(removed)
        return None if count is None else (False, count)


def set_counted(user_ids, counted):
    """Make these users' votes count or not, one vote at a time, moving each talk's count (hidden or not) with it.
    Returns how many votes changed."""
    flipped = 0
    for vote in votes.of_users_to_flip(user_ids, counted):
        with _writing(vote["session"]):
            if votes.flip(vote["_id"], counted):
                talks.move_count(vote["session"], 1 if counted else -1)
                flipped += 1
    return flipped


def rekey_old_votes():
    """Move votes stored before their _id followed from voter and talk to that _id (once, on upgrade); how many.
    Each move is a delete and an insert under its talk's file, so a crash between them is recounted; a
    talk its voter voted for again meanwhile is recounted too."""
    moved = votes.under_old_ids()
    for vote in moved:
        with _writing(vote["session"]):
            if not votes.rekey(vote):
                _note(vote["session"])
    return len(moved)


def _drift(stored, actual):
    """[(talk, stored count, counted votes)] where they differ."""
    return [(talk, count, actual.get(talk, 0)) for talk, (count, _) in stored.items() if count != actual.get(talk, 0)]


def _pass(talk_ids=None):
    """One recount of these talks (or all): the drift found, and the talks not known to be exact now.

    Read counts and `seq`s, then count the documents, then see which talks live votes are writing:
    in that order, a count set only if its `seq` has not moved can neither lose nor double a vote."""
    stored = talks.counts(talk_ids)
    actual = votes.counts_by_talk(talk_ids)
    busy = {talk for talk, _, alive in _files() if alive} & set(stored)
    drift = _drift(stored, actual)
    fixed = {talk for talk, _, now in drift if talk not in busy and talks.set_count_if(talk, stored[talk][1], now)}
    return drift, ({talk for talk, _, _ in drift} | busy) - fixed


def _recount(talk_ids=None):
    """Recount until exact, PASSES times at most: the drift found first, and the talks left unsure."""
    drift, unsure = _pass(talk_ids)
    for _ in range(PASSES - 1):
        if not unsure:
            break
        unsure = _pass(unsure)[1]
    return drift, unsure


def tally(fix=True):
    """Compare every count with its counted vote documents in one aggregation and fix drift; [(talk, was, now)].
    A drifted talk that votes kept writing to is left to the next repair."""
    if not fix:
        return _drift(talks.counts(), votes.counts_by_talk())
    drift, unsure = _recount()
    for talk, _, _ in drift:
        if talk in unsure:
            _note(talk)
    return drift


def waiting():
    """The talks a repair will recount, sorted, once per file: those failed writes and dead processes left."""
    return sorted(talk for talk, _, alive in _files() if not alive)


def _settled(path, since):
    """Whether this request to recount is SETTLE seconds older than `since` (False if another repair removed it)."""
    try:
        return since - path.stat().st_mtime >= SETTLE
    except FileNotFoundError:
        return False


def repair():
    """Recount the talks that failed writes and dead processes left; True if their counts are exact now.

    A dead process's file becomes a request to recount, dated now; a request stays until a recount after
    it has settled finds its talk exact, so a write the server applies late is counted too."""
    started = time.time()
    requests = {}
    for talk, path, alive in _files():
        if alive:
            continue
        if path.suffix == f".{VOTING}":
            dead, path = path, _note(talk)
            dead.unlink(missing_ok=True)  # after the request exists, so a crash here leaves one of the two
        requests.setdefault(talk, []).append(path)
    if not requests:
        return True
    unsure = _recount(requests)[1]
    for talk, paths in requests.items():
        if talk not in unsure:
            for path in paths:
                if _settled(path, started):
                    path.unlink(missing_ok=True)
    return not unsure


def _repair_now_and_then():
    """Before a request: repair, at most once a second per process."""
    if request.blueprint == "site":
        return  # the baked files under `fab serve` must not wait for (or fail on) the database
    now = time.monotonic()
    if now - current_app.extensions.get("repaired_at", float("-inf")) >= REPAIR_EVERY:
        current_app.extensions["repaired_at"] = now
        repair()


def init_app(app):
    """Repair before requests."""
    app.before_request(_repair_now_and_then)
