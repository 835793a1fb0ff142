"""Phases: what decides the current one, how organizers switch it, and what each allows."""
from datetime import datetime, timezone

import pytest

from app import phases

ORGANIZER = ("organizer", "organizer")


def at(text):
    return datetime.fromisoformat(text).replace(tzinfo=timezone.utc)


SCHEDULE = {"PITCHING_OPENS": at("2026-03-01"), "VOTING_OPENS": at("2026-03-05"), "VOTING_CLOSES": at("2026-03-07")}
NO_SCHEDULE = {"PITCHING_OPENS": None, "VOTING_OPENS": None, "VOTING_CLOSES": None}


@pytest.mark.parametrize(("forced", "override", "schedule", "now", "expect"), [
    ("", None, NO_SCHEDULE, "2026-03-06", "pitching"),
    ("", None, SCHEDULE, "2026-02-01", "pitching"),
    ("", None, SCHEDULE, "2026-03-02", "pitching"),
    ("", None, SCHEDULE, "2026-03-05", "voting"),
    ("", None, SCHEDULE, "2026-03-07", "closed"),
    ("", "closed", SCHEDULE, "2026-03-02", "closed"),
    ("", "voting", NO_SCHEDULE, "2026-03-02", "voting"),
    ("pitching", "closed", SCHEDULE, "2026-03-06", "pitching"),
    ("voting", None, NO_SCHEDULE, "2026-03-06", "voting"),
])
def test_phase_resolution(forced, override, schedule, now, expect):
    assert phases.resolve({"PHASE": forced, **schedule}, override, at(now)) == expect


def test_default_phase_is_pitching(client):
    assert client.get("/api/health").json["phase"] == "pitching"


def test_dashboard_needs_the_organizer(client):
    assert client.get("/api/dashboard/").status_code == 401
    assert client.get("/api/dashboard/").headers["WWW-Authenticate"].startswith("Basic")
    assert client.get("/api/dashboard/", auth=("organizer", "wrong")).status_code == 401
    assert client.get("/api/dashboard/", auth=("someone", "organizer")).status_code == 401
    page = client.get("/api/dashboard/", auth=ORGANIZER)
    assert page.status_code == 200
    assert "pitching" in page.get_data(as_text=True)


def test_dashboard_lists_talks_by_votes(client, register, pitch, set_phase):
    speaker = register()
    quiet, popular = pitch(speaker, title="Quiet talk"), pitch(speaker, title="Popular talk")
    set_phase("voting")
    client.post("/api/vote/action/", data={"user": speaker["_id"], "session": popular})
    page = client.get("/api/dashboard/", auth=ORGANIZER).get_data(as_text=True)
    assert page.index("Popular talk") < page.index("Quiet talk")
    assert quiet


def test_organizer_switches_phase_without_restart(client, register, pitch):
    talk = pitch(register())
    voter = register()
    client.application.config["PHASE"] = ""  # let the stored override decide
    vote = {"user": voter["_id"], "session": talk}
    assert client.post("/api/vote/action/", data=vote).status_code == 403

    reply = client.post("/api/dashboard/phase", data={"phase": "voting"}, auth=ORGANIZER)
    assert reply.json == {"success": True, "phase": "voting"}
    assert client.post("/api/vote/action/", data=vote).status_code == 200
    assert client.post("/api/session/action/", data={"user": voter["_id"], "title": "t", "description": "d"}).status_code == 403

    client.post("/api/dashboard/phase", data={"phase": "closed"}, auth=ORGANIZER)
    assert client.post("/api/vote/action/", data=vote).status_code == 403
    assert client.get("/api/health").json["phase"] == "closed"

    client.post("/api/dashboard/phase", data={"phase": "schedule"}, auth=ORGANIZER)
    assert client.get("/api/health").json["phase"] == "pitching"


def test_browser_form_switch_goes_back_to_the_dashboard(client, csrf_token):
    reply = client.post("/api/dashboard/phase", data={"phase": "voting", "csrf_token": csrf_token}, auth=ORGANIZER,
                        headers={"Accept": "text/html"})
    assert reply.status_code == 303
    assert reply.headers["Location"].endswith("/api/dashboard/")


@pytest.mark.parametrize(("fields", "auth", "status"), [
    ({"phase": "voting"}, None, 401),
    ({"phase": "party"}, ORGANIZER, 400),
    ({}, ORGANIZER, 400),
])
def test_bad_phase_switch_is_refused(client, fields, auth, status):
    reply = client.post("/api/dashboard/phase", data=fields, auth=auth)
    assert reply.status_code == status
    assert reply.json["success"] is False
    assert client.get("/api/health").json["phase"] == "pitching"


def test_cross_site_post_to_dashboard_is_refused(client):
    reply = client.post("/api/dashboard/phase", data={"phase": "closed"}, auth=ORGANIZER,
                        headers={"Origin": "https://evil.example"})
    assert reply.status_code == 403
    assert client.get("/api/health").json["phase"] == "pitching"
