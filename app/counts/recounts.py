"""Recounting the talks that failed votes journaled, on the first request once the database answers."""
import time

from flask import current_app, request

from ..store import journal, votes

# Passes per talk and request: a talk whose count moves during each one waits for the next request.
PASSES = 3
# Looking for dead processes' intents lists a directory: once a second per process is soon enough.
RECOVER_EVERY = 1.0


def _recount(talk_id):
    """Recount one talk; True once a pass was not overtaken by a vote."""
    return any(votes.recount(talk_id) for _ in range(PASSES))


def repair():
    """Recount every journaled talk; one stat when none waits, so it runs before every request.

    Varnish's probe of /api/health each second makes this run soon after the database returns."""
    if request.blueprint == "site":
        return  # the baked files under `fab serve` must not wait for (or fail on) the database
    now = time.monotonic()
    if now - current_app.extensions.get("recovered_at", float("-inf")) >= RECOVER_EVERY:
        current_app.extensions["recovered_at"] = now
        journal.recover()
    if journal.waiting():
        journal.drain(_recount)


def init_app(app):
    """Repair before each request."""
    app.before_request(repair)
