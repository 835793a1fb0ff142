"""A deploy's check of the release it switched to (app/runtime/deploy/check.py), against the app over HTTP: it waits
while the old release or a database outage answers, and fails at once when the new release's own code answers
server errors, which waiting would not mend while visitors get them."""
import time
import uuid

import pytest

from app.api import health
from app.homepage import bake, site
from app.runtime.deploy.check import CheckFailed, check
from app.runtime.embedded import free_port

NEW, OLD = "20261203-080000-abc1234", "20261202-170000-0ff1ce0"


def broken(*_):
    raise RuntimeError("broken build")


@pytest.fixture
def serve_release(make_app, mongo_uri, serve_http):
    """Serve a release of the app (its baked homepage too, as nginx would); its base URL."""
    def serve_release(release, **config):
        database = {"MONGO_URI": mongo_uri, "DB_NAME": f"t_{uuid.uuid4().hex[:12]}"}
        app = make_app(**{**database, "RELEASE": release, **config})
        app.register_blueprint(site.bp)
        if "MONGO_URI" not in config:  # the homepage is baked from the database
            with app.app_context():
                bake.bake()
        return serve_http(app)
    return serve_release


def timed_check(url, timeout):
    """check(), and the seconds it took; CheckFailed's message instead of None when it failed."""
    started = time.monotonic()
    try:
        failure = check(url, NEW, timeout=timeout)
    except CheckFailed as failed:
        failure = str(failed)
    return failure, time.monotonic() - started


def test_a_healthy_release_passes(serve_release):
    assert timed_check(serve_release(NEW), timeout=5)[0] is None


def test_the_new_release_answering_server_errors_fails_at_once(serve_release, monkeypatch):
    monkeypatch.setattr(health, "get_db", broken)
    failure, took = timed_check(serve_release(NEW), timeout=30)
    assert failure.startswith(f"release {NEW} answers /api/health with a server error") and took < 5


@pytest.mark.parametrize("answering", ["the old release's server errors", "the database down"])
def test_what_waiting_can_mend_is_waited_out(serve_release, monkeypatch, answering):
    if answering == "the database down":
        url = serve_release(NEW, MONGO_URI=f"mongodb://127.0.0.1:{free_port()}/", DB_TIMEOUT_MS=100)
    else:
        monkeypatch.setattr(health, "get_db", broken)
        url = serve_release(OLD)
    failure, took = timed_check(url, timeout=0.5)
    assert failure.startswith(f"/api/health did not answer 200 from release {NEW} within 0.5 s") and took >= 0.5


def test_every_health_reply_names_its_release(make_app, mongo_uri, monkeypatch):
    up = make_app(MONGO_URI=mongo_uri, RELEASE=NEW).test_client().get("/api/health")
    down = make_app(MONGO_URI=f"mongodb://127.0.0.1:{free_port()}/", DB_TIMEOUT_MS=100, RELEASE=NEW).test_client().get(
        "/api/health")
    outside_a_deploy = make_app(MONGO_URI=mongo_uri, RELEASE="").test_client().get("/api/health")
    monkeypatch.setattr(health, "get_db", broken)
    failing = make_app(MONGO_URI=mongo_uri, RELEASE=NEW).test_client().get("/api/health")
    assert [(reply.status_code, reply.headers.get("X-Release")) for reply in (up, down, failing)] == [
        (200, NEW), (503, NEW), (500, NEW)]
    assert "X-Release" not in outside_a_deploy.headers
