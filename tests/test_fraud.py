"""Honest voting: demo attendees plus a scripted sock-puppet ring, screened, quarantined and released."""
import os
import re
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from app import demo
from app.counts.ledger import cast, tally
from app.organizers import fraud, moderation
from app.store import users

ROOT = Path(__file__).resolve().parent.parent
ORGANIZER = ("organizer", "organizer")
TOP_N = 5
RING_IP = "203.0.113.7"
RING_REASONS = ["fast_votes", "fingerprint", "ip_burst", "same_talks", "shared_ip", "throwaway"]
from .helpers import error_text


def counts(db):
    return {t["_id"]: t["votes"] for t in db.sessions.find({}, {"votes": 1})}


@pytest.fixture
def scenario(app, client, db, set_phase):
    """60 demo attendees voting on 18 talks, then a ring of puppets pushing the 8th talk into the top 5.
    Returns the ids of the ring, the talks they pushed and displaced, and the counts before the ring."""
    app.config["TOP_N"] = TOP_N
    with app.app_context():
        demo.load(60, 18, 400, seed=2)
    set_phase("voting")
    before = counts(db)
    ranked = sorted(before, key=lambda t: -before[t])
    target, displaced = ranked[7], ranked[TOP_N - 1]
    # The seed gives distinct counts around the line, so exactly one talk crosses it each way.
    assert before[ranked[TOP_N - 2]] > before[displaced] > before[ranked[TOP_N]]
    ring = []
    # Enough puppets to lift the 8th talk past the 5th, voting for it and two favourites as cover.
    for i in range(max(6, before[displaced] - before[target] + 1)):
        reply = client.post("/api/user/action/", environ_base={"REMOTE_ADDR": RING_IP}, data={
            "email": f"puppet{i}@mailinator.com", "password": "password1", "name": f"Puppet {i}", "fingerprint": "f00d"})
        ring.append(reply.json["_id"])
        for talk_id in (target, ranked[0], ranked[1]):
            client.post("/api/vote/action/", environ_base={"REMOTE_ADDR": RING_IP},
                        data={"user": reply.json["_id"], "session": talk_id, "vote": 1, "fingerprint": "f00d"})
    return {"ring": set(ring), "target": target, "displaced": displaced, "before": before}


def test_the_ring_is_flagged_with_the_right_reasons_and_nobody_else(app, scenario):
    with app.app_context():
        report = fraud.screen()
    suspects = fraud.suspects(report)
    assert {row["user"] for row in suspects} == scenario["ring"]
    assert all(row["codes"] == RING_REASONS for row in suspects)
    assert report[:len(suspects)] == suspects  # worst first
    assert "throwaway email domain mailinator.com" in suspects[0]["reasons"]


def test_quarantine_changes_counts_exactly_and_release_restores_them(app, client, db, scenario, csrf_token):
    with_ring = counts(db)
    reply = client.post("/api/dashboard/accounts/quarantine", auth=ORGANIZER, headers={"Accept": "text/html"},
                        data={"suspects": 1, "csrf_token": csrf_token})
    assert reply.status_code == 303
    assert counts(db) == scenario["before"]
    assert db.users.count_documents({"quarantined": True}) == len(scenario["ring"])
    assert db.votes.count_documents({"user": {"$in": list(scenario["ring"])}}) == 3 * len(scenario["ring"])  # kept
    with app.app_context():
        assert tally(fix=False) == []
        assert db.audit.count_documents({"action": "quarantine"}) == len(scenario["ring"])

        # A quarantined puppet's new vote is stored but not counted; taking it back changes nothing either.
        puppet, talk = sorted(scenario["ring"])[0], scenario["displaced"]
        assert cast(users.find(puppet), talk, True) == (True, scenario["before"][talk])
        assert cast(users.find(puppet), talk, False) == (False, scenario["before"][talk])

        assert moderation.release(scenario["ring"], "test") == len(scenario["ring"])
        assert counts(db) == with_ring
        assert tally(fix=False) == []


def test_cutoff_view_reports_the_flip(app, client, db, scenario):
    with app.app_context():
        view = fraud.robustness(fraud.screen(), TOP_N)
    assert view["holds"] is False
    assert [move["talk"]["_id"] for move in view["leave"]] == [scenario["target"]]
    assert [move["talk"]["_id"] for move in view["enter"]] == [scenario["displaced"]]
    assert view["excluded_votes"] == 3 * len(scenario["ring"])
    page = client.get("/api/dashboard/voters", auth=ORGANIZER).get_data(as_text=True)
    target_title = db.sessions.find_one({"_id": scenario["target"]})["title"]
    assert "No: the lineup changes." in page
    assert f"<strong>{target_title}</strong> leaves the top {TOP_N}" in page.replace("&#39;", "'")

    with app.app_context():
        moderation.quarantine(scenario["ring"], "test")
        view = fraud.robustness(fraud.screen(), TOP_N)
    assert view == {"n": TOP_N, "excluded_votes": 0, "holds": True, "leave": [], "enter": []}


@pytest.mark.slow
def test_fab_commands_report_then_quarantine(app, db, scenario):
    env = {**os.environ, "MONGO_URI": app.config["MONGO_URI"], "LT_DB_NAME": app.config["DB_NAME"],
           "LT_TOP_N": str(TOP_N), "LT_WWW_DIR": str(app.config["WWW_DIR"])}

    def run(*words):
        done = subprocess.run([sys.executable, "-m", "app", *words], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    report = run("check-voters")
    assert report.count("@mailinator.com") == len(scenario["ring"])
    assert f"{len(scenario['ring'])} scoring {fraud.SUSPECT_SCORE}+" in report
    assert "leaves" in report
    assert "would quarantine (dry run: add --apply) " in run("remove-fakes")
    assert db.users.count_documents({"quarantined": True}) == 0
    assert f"quarantined {len(scenario['ring'])} account(s)" in run("remove-fakes", "--apply")
    assert counts(db) == scenario["before"]


T0 = datetime(2026, 3, 5, 9, tzinfo=timezone.utc)


@pytest.mark.parametrize(("minutes", "window", "min_size", "expect"), [
    ([0, 1, 2, 3], 10, 4, {0: 4, 1: 4, 2: 4, 3: 4}),
    ([0, 1, 2, 30], 10, 3, {0: 3, 1: 3, 2: 3}),
    ([0, 20, 40, 60], 10, 2, {}),
    ([0, 5, 10, 15, 20], 10, 3, {0: 3, 1: 3, 2: 3, 3: 3, 4: 3}),
    ([], 10, 2, {}),
])
def test_clusters_find_runs_within_the_window(minutes, window, min_size, expect):
    stamped = [(T0 + timedelta(minutes=m), i) for i, m in enumerate(minutes)]
    assert fraud.clusters(stamped, timedelta(minutes=window), min_size) == expect


def test_throwaway_list_is_loaded_without_comments():
    domains = fraud.throwaway_domains()
    assert {"mailinator.com", "yopmail.com"} <= domains
    assert not any(d.startswith("#") or d != d.strip().lower() for d in domains)


def test_the_honest_voting_page_names_accounts_by_token_never_by_id(client, db, scenario, csrf_token):
    page = client.get("/api/dashboard/voters", auth=ORGANIZER).get_data(as_text=True)
    assert not [user["_id"] for user in db.users.find({}, {"_id": 1}) if user["_id"] in page]
    puppet = sorted(scenario["ring"])[0]
    email = db.users.find_one({"_id": puppet})["email"]
    row = next(row for row in page.split("<tr") if email in row)
    token = re.search(r'name="account" value="([0-9a-f]+)"', row).group(1)

    def act(action, account):
        return client.post(f"/api/dashboard/accounts/{action}", auth=ORGANIZER, headers={"Accept": "text/html"},
                           data={"account": account, "csrf_token": csrf_token})
    assert act("quarantine", token).status_code == 303
    assert [u["_id"] for u in db.users.find({"quarantined": True})] == [puppet]
    assert act("release", token).status_code == 303
    assert db.users.count_documents({"quarantined": True}) == 0
    # Neither an id nor a token the page never gave names an account.
    for forged in (puppet, "0" * 16):
        reply = act("quarantine", forged)
        assert reply.status_code == 404 and "reload" in error_text(reply)
    assert db.users.count_documents({"quarantined": True}) == 0
