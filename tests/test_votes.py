"""/api/vote/action/: toggling and setting votes while voting is open."""
import uuid
from datetime import datetime, timezone

import pytest
from pymongo import MongoClient, monitoring

from app import create_app
from app.counts.ledger import rekey_old_votes

VOTE = "/api/vote/action/"


@pytest.fixture
def voter_and_talk(register, pitch, set_phase):
    """A registered voter, a talk by someone else, and voting open."""
    talk = pitch(register())
    voter = register()
    set_phase("voting")
    return voter, talk


def test_toggle_creates_then_deletes(client, voter_and_talk, db):
    voter, talk = voter_and_talk
    fields = {"user": voter["_id"], "session": talk}
    assert client.get(VOTE, query_string=fields).json == {"success": True, "action": "create vote", "votes": 1}
    assert db.votes.count_documents({"session": talk}) == 1
    assert client.post(VOTE, json=fields).json == {"success": True, "action": "delete vote", "votes": 0}
    assert db.votes.count_documents({"session": talk}) == 0


@pytest.mark.parametrize(("sequence", "expect_votes"), [
    (["1", "1", "1"], 1),
    (["1", "0", "0"], 0),
    (["0", "1", "1"], 1),
    (["1", "0", "1"], 1),
])
def test_set_form_is_idempotent(client, voter_and_talk, db, sequence, expect_votes):
    voter, talk = voter_and_talk
    for want in sequence:
        reply = client.post(VOTE, data={"user": voter["_id"], "session": talk, "vote": want})
        assert reply.json["action"] == ("create vote" if want == "1" else "delete vote")
    assert reply.json["votes"] == expect_votes
    assert db.votes.count_documents({"session": talk}) == expect_votes
    assert db.sessions.find_one({"_id": talk})["votes"] == expect_votes


def test_counts_add_up_across_voters(client, register, voter_and_talk):
    _, talk = voter_and_talk
    for _ in range(3):
        voter = register()
        reply = client.post(VOTE, data={"user": voter["_id"], "session": talk, "vote": "1"})
    assert reply.json["votes"] == 3
    assert client.get("/api/session/", query_string={"_id": talk}).json["session"]["votes"] == 3


@pytest.mark.parametrize("fate", [{"hidden": True}, {"withdrawn": True}])
@pytest.mark.parametrize("want", ["1", "0", None])
def test_a_talk_taken_off_the_list_takes_no_vote_and_keeps_its_count(client, voter_and_talk, db, fate, want):
    voter, talk = voter_and_talk
    before = client.post(VOTE, data={"user": voter["_id"], "session": talk, "vote": "1"})
    assert before.json["votes"] == 1
    db.sessions.update_one({"_id": talk}, {"$set": fate})
    reply = client.post(VOTE, data={"user": voter["_id"], "session": talk, **({"vote": want} if want else {})})
    assert (reply.status_code, reply.json["success"]) == (404, False)
    assert db.votes.count_documents({"session": talk}) == 1  # the vote cast while it was listed stays
    assert db.sessions.find_one({"_id": talk})["votes"] == 1


@pytest.mark.parametrize("phase", ["pitching", "closed"])
def test_vote_outside_voting_is_refused(client, voter_and_talk, set_phase, db, phase):
    voter, talk = voter_and_talk
    set_phase(phase)
    reply = client.post(VOTE, data={"user": voter["_id"], "session": talk})
    assert reply.status_code == 403
    assert "Voting is not open" in reply.json["text"]
    assert db.votes.count_documents({}) == 0


@pytest.mark.parametrize(("field", "value", "status"), [
    ("session", "00000000-0000-4000-8000-000000000000", 404),
    ("session", "bogus", 404),
    ("session", "", 400),
    ("user", "00000000-0000-4000-8000-000000000000", 401),
    ("user", "bogus", 401),
])
def test_vote_for_unknown_user_or_talk_is_refused(app, voter_and_talk, db, field, value, status):
    voter, talk = voter_and_talk
    fields = {"user": voter["_id"], "session": talk, field: value}
    reply = app.test_client().post(VOTE, data=fields)
    assert reply.status_code == status
    assert reply.json["success"] is False
    assert db.votes.count_documents({}) == 0


def test_vote_with_login_cookie(client, voter_and_talk):
    voter, talk = voter_and_talk  # the test client holds the voter's cookie from registering
    reply = client.post(VOTE, json={"session": talk, "vote": 1})
    assert reply.json["action"] == "create vote"


def test_get_never_uses_the_cookie(client, voter_and_talk):
    # A cross-site link could make a browser send a GET with its cookies; only POST may use them.
    _, talk = voter_and_talk
    reply = client.get(VOTE, query_string={"session": talk})
    assert reply.status_code == 401


class CommandCounter(monitoring.CommandListener):
    """The database commands a client sends, by name (the driver's own handshakes left out)."""

    def __init__(self):
        self.names = []

    def started(self, event):
        if event.command_name not in ("hello", "ismaster", "isMaster", "ping", "endSessions"):
            self.names.append(event.command_name)

    def succeeded(self, event):
        pass

    def failed(self, event):
        pass


@pytest.fixture
def counted_client(tmp_path, mongo_uri, app):
    """(a test client of an app on the test's database whose commands are counted, the counter)."""
    counter = CommandCounter()
    mongo = MongoClient(mongo_uri, event_listeners=[counter], uuidRepresentation="standard", tz_aware=True)
    counted = create_app({"MONGO_URI": mongo_uri, "DB_NAME": app.config["DB_NAME"], "WWW_DIR": tmp_path / "www",
                          "DATA_DIR": tmp_path / "data"}, client=mongo)
    yield counted.test_client(), counter
    mongo.close()


@pytest.mark.parametrize("sequence", [["1"], ["1", "0"], ["1", "1"], ["0"]])
def test_a_vote_takes_at_most_three_database_commands(client, counted_client, register, pitch, sequence):
    talk = pitch(register())
    voter = register()
    # The organizer's phase, not LT_PHASE: reading it is part of a vote's path.
    client.post("/api/dashboard/phase", data={"phase": "voting"}, auth=("organizer", "organizer"))
    counted, counter = counted_client
    counted.post(VOTE, data={"user": voter["_id"], "session": talk, "vote": "0"})  # warms caches
    for want in sequence:
        counter.names.clear()
        reply = counted.post(VOTE, data={"user": voter["_id"], "session": talk, "vote": want})
        assert reply.json["success"] is True
        assert len(counter.names) <= 3, counter.names


@pytest.mark.parametrize("counted", [True, False])
def test_votes_stored_by_an_older_version_are_moved_and_can_be_taken_back(app, client, db, voter_and_talk, counted):
    voter, talk = voter_and_talk
    # As versions before derived vote _ids stored it: a random _id, and the talk's count moved with it.
    db.votes.insert_one({"_id": str(uuid.uuid4()), "user": voter["_id"], "session": talk,
                         "created_at": datetime.now(timezone.utc), "signals": {}, "counted": counted})
    db.sessions.update_one({"_id": talk}, {"$inc": {"votes": int(counted)}})
    with app.app_context():
        assert (rekey_old_votes(), rekey_old_votes()) == (1, 0)
    fields = {"user": voter["_id"], "session": talk}
    assert db.votes.find_one(fields, {"_id": 0, "counted": 1}) == {"counted": counted}  # moved, not lost
    assert client.post(VOTE, data={**fields, "vote": "0"}).json == {"success": True, "action": "delete vote", "votes": 0}
    assert db.votes.count_documents({}) == 0
