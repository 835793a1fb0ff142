"""Counts stay equal to the vote documents under real concurrent HTTP requests on the real server."""
import json
import random
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest


@pytest.fixture
def live_url(app, serve_http):
    """The app served over HTTP by a threaded server."""
    return serve_http(app)


def post(url, **fields):
    """POST a form and return the JSON reply."""
    request = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode())
    with urllib.request.urlopen(request, timeout=30) as reply:
        return json.load(reply)


def assert_counts_match_votes(db):
    for talk in db.sessions.find():
        assert talk["votes"] == db.votes.count_documents({"session": talk["_id"]}), talk["title"]


def test_many_users_toggling_many_talks_keep_counts_exact(live_url, register, pitch, set_phase, db):
    voters = [register() for _ in range(8)]
    talks = [pitch(voters[0], title=f"Talk {i}") for i in range(4)]
    set_phase("voting")
    rng = random.Random(7)
    plan = [(voter["_id"], rng.choice(talks), rng.choice(["", "1", "0"])) for voter in voters for _ in range(12)]

    def vote(step):
        user, talk, want = step
        fields = {"user": user, "session": talk, **({"vote": want} if want else {})}
        return post(f"{live_url}/api/vote/action/", **fields)

    with ThreadPoolExecutor(max_workers=8) as pool:
        replies = list(pool.map(vote, plan))
    assert all(reply["success"] for reply in replies)
    assert_counts_match_votes(db)
    assert db.votes.count_documents({}) == sum(t["votes"] for t in db.sessions.find())


def test_a_storm_of_toggles_by_one_user_leaves_at_most_one_vote(live_url, register, pitch, set_phase, db):
    voter = register()
    talk = pitch(voter)
    set_phase("voting")

    def toggle(_):
        return post(f"{live_url}/api/vote/action/", user=voter["_id"], session=talk)

    with ThreadPoolExecutor(max_workers=12) as pool:
        replies = list(pool.map(toggle, range(60)))
    assert all(reply["success"] for reply in replies)
    assert db.votes.count_documents({"user": voter["_id"], "session": talk}) <= 1
    assert_counts_match_votes(db)


def register_at_once(live_url, passwords):
    """Register one email concurrently, once per password; the replies (or {"status": code})."""
    def register(password):
        try:
            return post(f"{live_url}/api/user/action/", email="same@example.org", password=password, name="N")
        except urllib.error.HTTPError as error:
            return {"status": error.code}

    with ThreadPoolExecutor(max_workers=len(passwords)) as pool:
        return list(pool.map(register, passwords))


def test_concurrent_registrations_of_one_email_make_one_account(live_url, db):
    replies = register_at_once(live_url, ["12345678"] * 8)
    assert db.users.count_documents({}) == 1
    # One registers; the others, with the same password, are logged in to that account.
    assert sorted(reply.get("action") for reply in replies) == ["login"] * 7 + ["register"]
    assert len({reply["_id"] for reply in replies}) == 1


def test_concurrent_registrations_with_other_passwords_are_refused(live_url, db):
    replies = register_at_once(live_url, [f"password-{i}" for i in range(8)])
    assert db.users.count_documents({}) == 1
    assert sorted(str(reply.get("action", reply.get("status"))) for reply in replies) == ["401"] * 7 + ["register"]


def test_parallel_pitches_by_one_account_stop_at_the_limit(live_url, register, set_phase, db):
    speaker = register()
    set_phase("pitching")

    def pitch(n):
        try:
            return post(f"{live_url}/api/session/action/", user=speaker["_id"], title=f"Rush {n}", description="d")["success"]
        except urllib.error.HTTPError as refused:
            with refused:
                return refused.code

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(pitch, range(20)))
    assert sorted(outcomes, key=str) == [403] * 15 + [True] * 5
    assert db.sessions.count_documents({"user": speaker["_id"]}) == 5
