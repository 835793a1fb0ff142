"""Baking the homepage: the template, its CSS and JS, rendered with the current talks into www/."""
import fcntl
import gzip
import hashlib
import os
import tempfile
import threading
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import rcssmin
import rjsmin
from flask import current_app, render_template

from .. import phases
from ..organizers import event, ranking
from ..store import talks, votes
from . import varnish

# Sources of the page's CSS and JS. Baked copies go to www/assets/, not www/static/, whose URL
# Flask's own static route would shadow under `fab serve`.
ASSETS_SRC = Path(__file__).resolve().parent / "assets"
# Each asset and what shrinks it: comments and spaces are for the sources' readers, not for phones.
MINIFIERS = {"site.css": rcssmin.cssmin, "site.js": rjsmin.jsmin}
ASSETS = tuple(MINIFIERS)
# Which phase the page in www/ was baked for, so a scheduled switch is noticed (see follow_phase).
PHASE_MARKER = ".baked-phase"
# When the last bake began reading the data, and when a change that the page must show was made
# (a pitch): what lets every worker on this machine share one re-bake a second (see rebake_soon).
STARTED, PENDING = ".bake.started", ".bake.pending"
_timers = threading.Lock()
EMPTY_TALK = {"_id": "", "title": "", "description": "", "speaker": "", "votes": 0, "accepted": False, "created_at": ""}


def _write(path, data):
    """Replace a file atomically, so nginx never serves half of it."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)


def _publish(path, data):
    """Write a file and its gzipped twin, which nginx's gzip_static sends instead of compressing
    the same bytes for every visitor; mtime=0 keeps the bake deterministic."""
    _write(path.with_name(path.name + ".gz"), gzip.compress(data, 9, mtime=0))
    _write(path, data)


def minified(name):
    """An asset as the page gets it: its source, minified."""
    return MINIFIERS[name]((ASSETS_SRC / name).read_text()).encode()


def publish_assets(www):
    """Copy each asset, minified, to www/assets/ under a content-hashed name; return {name: url path}.

    Old hashed copies stay, so a page still cached somewhere finds the files it names."""
    folder = www / "assets"
    folder.mkdir(parents=True, exist_ok=True)
    urls = {}
    for name in ASSETS:
        data = minified(name)
        stem, suffix = name.rsplit(".", 1)
        hashed = f"{stem}.{hashlib.sha256(data).hexdigest()[:12]}.{suffix}"
        if not (folder / hashed).exists():
            _publish(folder / hashed, data)
        urls[name] = f"assets/{hashed}"
    return urls


def _date(value):
    """A schedule date as the page shows it, or None."""
    if value is None:
        return None
    return {"iso": value.isoformat(), "text": value.strftime("%a %-d %b %Y, %H:%M %Z").strip()}


def _results(listed, top_n):
    """Sort the talks as results (on stage first, then most votes; newest breaks ties), rank them
    with ties, and say where the cutoff line goes: after the talks on stage once organizers chose
    them, else after the top N by votes."""
    listed.sort(key=lambda talk: -talk["votes"])
    counts = [talk["votes"] for talk in listed]
    ties = Counter(counts)
    for talk, rank in zip(listed, ranking.competition_ranks(counts)):
        talk["rank"], talk["tied"] = rank, ties[talk["votes"]] > 1
    listed.sort(key=lambda talk: not talk["accepted"])
    on_stage = sum(talk["accepted"] for talk in listed)
    if on_stage:
        cutoff_at, cutoff_text = on_stage, "Not on stage this time"
    else:
        cutoff_at, cutoff_text = sum(talk["rank"] <= top_n for talk in listed), f"Top {top_n} by votes above this line"
    return {
        "cutoff_at": cutoff_at if 0 < cutoff_at < len(listed) else None,
        "cutoff_text": cutoff_text,
        "summary": {"talks": len(listed), "votes": sum(counts), "voters": votes.distinct_voters()},
    }


def render(assets):
    """The homepage's HTML for the current phase and talks, naming the given asset paths."""
    config = current_app.config
    phase = phases.current()
    # Counts mean nothing before voting opens, so the page shows them only from then on.
    show_counts = phase != "pitching" and phases.counts_shown(phase)
    listed = talks.public_list(with_counts=show_counts)
    results = _results(listed, config["TOP_N"]) if phase == "closed" else {}
    return render_template(
        "index.html",
        phase=phase,
        talks=listed,
        show_counts=show_counts,
        top_n=config["TOP_N"],
        # The name as organizers last set it (dashboard or LT_EVENT_NAME), as the speakers' emails say it.
        event_name=event.details()["name"],
        event_tagline=config["EVENT_TAGLINE"],
        **results,
        counts_always=config["SHOW_COUNTS"] == "always",
        schedule={"pitching": _date(config["PITCHING_OPENS"]), "voting": _date(config["VOTING_OPENS"]),
                  "closed": _date(config["VOTING_CLOSES"])},
        limits={"title": talks.MAX_TITLE, "description": talks.MAX_DESCRIPTION},
        assets=assets,
        empty_talk=EMPTY_TALK,
    ), phase


@contextmanager
def _locked(www):
    """Hold a lock across processes, so the last bake to start reads the newest data and wins."""
    with open(www / ".bake.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _stamp(path):
    """Record the time now in this file."""
    _write(path, repr(time.time()).encode())


def _stamped(path):
    """The time recorded in this file; 0 if none is."""
    try:
        return float(path.read_text())
    except (FileNotFoundError, ValueError):
        return 0.0


def _bake_locked(www):
    """Bake, holding the lock. The start is stamped before the data is read: a change made earlier is on this page."""
    _stamp(www / STARTED)
    html, phase = render(publish_assets(www))
    _publish(www / "index.html", html.encode())
    _write(www / PHASE_MARKER, phase.encode())


def _www():
    """The folder the page is baked into, made if missing."""
    www = Path(current_app.config["WWW_DIR"])
    www.mkdir(parents=True, exist_ok=True)
    return www


def bake():
    """Write www/index.html and its hashed assets; return the page's path."""
    www = _www()
    with _locked(www):
        _bake_locked(www)
    return www / "index.html"


def _purge():
    """When the stack runs, visitors see the new page now."""
    varnish.purge(current_app.config, ["/", "/index.html"])


def rebake():
    """Re-bake after a change the page shows; the one hook for all that must follow a re-bake."""
    page = bake()
    _purge()
    return page


def _bake_if_due():
    """Bake a pending change if the last bake began REBAKE_INTERVAL ago; else how many seconds until it may (None
    when nothing is pending). The lock makes every worker on this machine take turns."""
    www = _www()
    with _locked(www):
        started = _stamped(www / STARTED)
        if _stamped(www / PENDING) < started:
            return None  # a bake that began after the change has it
        wait = started + current_app.config["REBAKE_INTERVAL"] - time.time()
        if wait > 0:
            return wait
        _bake_locked(www)
    _purge()
    return None


def _catch_up(app):
    """In a timer thread: bake what is pending once it is due (or wait again)."""
    with _timers:
        app.extensions.pop("bake-timer", None)  # a change stamped from now on schedules its own timer
    with app.app_context():
        _bake_when_due()


def _bake_when_due():
    """Bake a pending change now if due, else in a timer thread of this process when it is."""
    wait = _bake_if_due()
    if wait is None:
        return
    app = current_app._get_current_object()
    with _timers:
        if "bake-timer" not in app.extensions:
            timer = app.extensions["bake-timer"] = threading.Timer(wait, _catch_up, (app,))
            timer.daemon = True
            timer.start()


def rebake_soon():
    """Re-bake after a pitch: now if the last bake is REBAKE_INTERVAL old, else once it is. However fast pitches
    come, the machine bakes at most once an interval, and the page shows the last one an interval later."""
    _stamp(_www() / PENDING)
    _bake_when_due()


def follow_phase(phase):
    """Re-bake if the page in www/ was baked for another phase, e.g. one the schedule just opened."""
    try:
        baked = (Path(current_app.config["WWW_DIR"]) / PHASE_MARKER).read_text()
    except FileNotFoundError:
        baked = None
    if baked != phase:
        rebake()
    else:  # a pitch whose timer died with its worker (max-requests, a reload) is baked now
        _bake_when_due()
