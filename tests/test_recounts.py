"""Half-applied votes: journaled outside the database and recounted on the next request."""
import os
import signal

import pytest
from pymongo.errors import AutoReconnect

from app.counts.tally import tally
from app.store import journal, talks, users, votes

SIGNALS = {"ip": "127.0.0.1", "ua": "test", "fingerprint": ""}


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield


@pytest.fixture
def talk(ctx):
    speaker = users.register("speaker@example.org", "12345678", "Speaker", SIGNALS)
    return talks.create(speaker, "Recounts", "Half-applied votes.")


@pytest.fixture
def voter(ctx):
    return users.register("voter@example.org", "12345678", "Voter", SIGNALS)


@pytest.fixture
def count_fails(monkeypatch):
    """The database dies after the vote document is written and before the count moves."""
    def dead(talk_id, delta):
        raise AutoReconnect("connection closed")
    monkeypatch.setattr(talks, "add_votes", dead)
    return monkeypatch


def journaled(app):
    """The journal's lines."""
    path = app.config["DATA_DIR"] / f"recount-{app.config['DB_NAME']}.journal"
    return path.read_text().split() if path.exists() else []


def test_a_half_applied_vote_is_recounted_on_the_next_request(app, client, set_phase, talk, voter, count_fails):
    client.set_cookie("lt_user", voter["_id"], path="/api/")
    set_phase("voting")
    reply = client.post("/api/vote/action/", data={"session": talk, "vote": "1"})
    assert (reply.status_code, reply.json["success"]) == (503, False)
    assert (talks.votes_of(talk), tally(fix=False), journaled(app)) == (0, [(talk, 0, 1)], [talk])
    count_fails.undo()
    assert client.get("/api/health").status_code == 200
    assert (talks.votes_of(talk), tally(fix=False), journaled(app)) == (1, [], [])


@pytest.mark.parametrize("want", [True, False, None])
def test_a_failed_cast_journals_its_talk(app, talk, voter, count_fails, want):
    if want is not True:
        votes.insert_many([{"_id": "v", "user": voter["_id"], "session": talk, "counted": True}])
        talks.set_count(talk, 1)
    with pytest.raises(AutoReconnect):
        votes.cast(voter["_id"], talk, want, SIGNALS, mark=0)
    assert journaled(app) == [talk]


def test_a_recount_gives_way_to_a_count_that_moved(talk, voter):
    seq = talks.count_version(talk)
    votes.cast(voter["_id"], talk, True, SIGNALS)
    assert not talks.set_count_if(talk, seq, 5)
    assert talks.votes_of(talk) == 1
    assert talks.set_count_if(talk, talks.count_version(talk), 1)


def test_a_vote_in_flight_during_a_recount_journals_its_talk(app, talk, voter, monkeypatch):
    inc = talks.add_votes

    def recount_first(talk_id, delta):
        assert votes.recount(talk_id)  # between the vote's document and its $inc
        return inc(talk_id, delta)
    mark = talks.votable(talk)
    monkeypatch.setattr(talks, "add_votes", recount_first)
    assert votes.cast(voter["_id"], talk, True, SIGNALS, mark=mark) == (True, 2)  # counted twice, for now
    assert journaled(app) == [talk]
    monkeypatch.undo()
    with app.test_request_context():
        app.preprocess_request()
    assert (talks.votes_of(talk), journaled(app)) == (1, [])


def test_a_vote_without_a_recount_meanwhile_journals_nothing(app, talk, voter):
    assert votes.cast(voter["_id"], talk, True, SIGNALS, mark=talks.votable(talk)) == (True, 1)
    assert journaled(app) == []


def test_a_talk_noted_while_draining_stays(ctx, app, talk):
    journal.note(talk)
    journal.note("other")

    def recount(talk_id):
        journal.note("later")
        journal.drain(pytest.fail)  # another process's drain waits for the next request
        return talk_id == talk
    journal.drain(recount)
    assert journaled(app) == ["other", "later", "later"]


def test_a_failed_recount_leaves_the_journal(ctx, app, talk, monkeypatch):
    def down(talk_id):
        raise AutoReconnect("connection refused")
    journal.note(talk)
    monkeypatch.setattr(votes, "recount", down)
    with pytest.raises(AutoReconnect), app.test_request_context():
        app.preprocess_request()
    assert journaled(app) == [talk]


def test_a_process_that_died_mid_vote_has_its_talk_journaled(ctx, app, talk):
    pid = os.fork()  # as uWSGI forks its workers
    if pid == 0:
        try:
            journal.intend(talk)
            os.kill(os.getpid(), signal.SIGKILL)  # SIGKILLed between the vote's two writes
        finally:
            os._exit(1)
    assert os.waitpid(pid, 0)[1] == signal.SIGKILL
    journal.recover()
    assert journaled(app) == [talk]
    assert list(app.config["DATA_DIR"].glob("*.intent")) == []
