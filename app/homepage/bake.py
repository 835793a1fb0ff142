"""Baking the homepage: the template, its CSS and JS, rendered with the current talks into www/."""
import fcntl
import gzip
import hashlib
import os
import tempfile
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

from flask import current_app, render_template

from .. import phases
from ..organizers import ranking
from ..store import talks, votes
from . import varnish

# Sources of the page's CSS and JS. Baked copies go to www/assets/, not www/static/, whose URL
# Flask's own static route would shadow under `fab serve`.
ASSETS_SRC = Path(__file__).resolve().parent / "assets"
ASSETS = ("site.css", "site.js")
# Which phase the page in www/ was baked for, so a scheduled switch is noticed (see follow_phase).
PHASE_MARKER = ".baked-phase"
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


def publish_assets(www):
    """Copy each asset to www/assets/ under a content-hashed name; return {name: url path}.

    Old hashed copies stay, so a page still cached somewhere finds the files it names."""
    folder = www / "assets"
    folder.mkdir(parents=True, exist_ok=True)
    urls = {}
    for name in ASSETS:
        data = (ASSETS_SRC / name).read_bytes()
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


def bake():
    """Write www/index.html and its hashed assets; return the page's path."""
    www = Path(current_app.config["WWW_DIR"])
    www.mkdir(parents=True, exist_ok=True)
    with _locked(www):
        html, phase = render(publish_assets(www))
        _publish(www / "index.html", html.encode())
        _write(www / PHASE_MARKER, phase.encode())
    return www / "index.html"


def rebake():
    """Re-bake after a change the page shows; the one hook for all that must follow a re-bake."""
    page = bake()
    varnish.purge(current_app.config, ["/", "/index.html"])  # when the stack runs, visitors see it now
    return page


def follow_phase(phase):
    """Re-bake if the page in www/ was baked for another phase, e.g. one the schedule just opened."""
    try:
        baked = (Path(current_app.config["WWW_DIR"]) / PHASE_MARKER).read_text()
    except FileNotFoundError:
        baked = None
    if baked != phase:
        rebake()
