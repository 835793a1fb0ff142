"""Half-applied votes: left in files outside the database and recounted on the next requests."""
import os
import signal

import mongomock
import pytest
from click.testing import CliRunner
from pymongo.errors import AutoReconnect

from app import create_app
from app.cli import main
from app.counts import ledger
from app.counts.ledger import tally
from app.store import talks, users, votes

from .helpers import waiting_for_recount

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
    monkeypatch.setattr(talks, "move_count", dead)
    return monkeypatch


def stored(talk_id):
    """The talk's stored count."""
    return talks.counts([talk_id])[talk_id][0]


def settle(app):
    """Date every request to recount as if SETTLE had passed, and a second more (so that one made during a
    repair is old enough for that repair too, were it to look at it)."""
    for path in (app.config["DATA_DIR"] / f"counts-{app.config['DB_NAME']}").glob(f"*.{ledger.TO_RECOUNT}"):
        stamp = path.stat().st_mtime - ledger.SETTLE - 1
        os.utime(path, (stamp, stamp))


def died_mid_vote(talk):
    """A process forked as uWSGI forks its workers, SIGKILLed between a vote's two writes on this talk."""
    pid = os.fork()
    if pid == 0:
        try:
            with ledger._writing(talk):
                os.kill(os.getpid(), signal.SIGKILL)
        finally:
            os._exit(1)
    assert os.waitpid(pid, 0)[1] == signal.SIGKILL


def test_a_half_applied_vote_is_recounted_on_the_next_request(app, client, set_phase, talk, voter, count_fails):
    client.set_cookie("lt_user", voter["_id"], path="/api/")
    set_phase("voting")
    reply = client.post("/api/vote/action/", data={"session": talk, "vote": "1"})
    assert (reply.status_code, reply.json["success"]) == (503, False)
    assert (stored(talk), tally(fix=False), waiting_for_recount(app)) == (0, [(talk, 0, 1)], [talk])
    count_fails.undo()
    assert client.get("/api/health").status_code == 200
    assert (stored(talk), tally(fix=False), waiting_for_recount(app)) == (1, [], [talk])  # until it settles
    settle(app)
    assert ledger.repair()
    assert (stored(talk), tally(fix=False), waiting_for_recount(app)) == (1, [], [])


@pytest.mark.parametrize("want", [True, False, None])
def test_a_failed_cast_leaves_its_talk_to_recount(app, talk, voter, count_fails, want):
    if want is not True:
        votes.insert_many([{"_id": votes.vote_id(voter["_id"], talk), "user": voter["_id"], "session": talk, "counted": True}])
        talks.set_count_if(talk, None, 1)
    with pytest.raises(AutoReconnect):
        ledger.cast(voter, talk, want, SIGNALS)
    assert waiting_for_recount(app) == [talk]


def test_a_recount_gives_way_to_a_count_that_moved(talk, voter):
    seq = talks.counts([talk])[talk][1]
    ledger.cast(voter, talk, True, SIGNALS)
    assert not talks.set_count_if(talk, seq, 5)
    assert stored(talk) == 1
    assert talks.set_count_if(talk, talks.counts([talk])[talk][1], 1)


def test_a_recount_gives_way_to_a_vote_in_flight(app, talk, voter, monkeypatch):
    move = talks.move_count
    found = []

    def recount_first(talk_id, delta):
        found.extend(tally())  # between the vote's document and its $inc
        return move(talk_id, delta)
    monkeypatch.setattr(talks, "move_count", recount_first)
    assert ledger.cast(voter, talk, True, SIGNALS) == (True, 1)  # not counted twice
    assert found == [(talk, 0, 1)]
    assert waiting_for_recount(app) == [talk]  # the recount it gave way to is still asked for
    monkeypatch.undo()
    settle(app)
    assert ledger.repair()
    assert (stored(talk), tally(fix=False), waiting_for_recount(app)) == (1, [], [])


def test_a_vote_without_trouble_leaves_nothing_to_recount(app, talk, voter):
    assert ledger.cast(voter, talk, True, SIGNALS) == (True, 1)
    assert waiting_for_recount(app) == []
    assert list((app.config["DATA_DIR"] / f"counts-{app.config['DB_NAME']}").iterdir()) == []


def test_a_recount_asked_for_during_a_repair_stays(app, talk, voter, monkeypatch):
    def dead(*args, **kwargs):
        raise AutoReconnect("connection closed")
    count = votes.counts_by_talk

    def another_vote_fails(talk_ids=None):
        monkeypatch.setattr(votes, "counts_by_talk", count)
        with pytest.raises(AutoReconnect), monkeypatch.context() as inner:
            inner.setattr(talks, "move_count", dead)
            ledger.cast(voter, talk, False, SIGNALS)  # while the repair counts, another vote fails
        settle(app)
        return count(talk_ids)
    with pytest.raises(AutoReconnect), monkeypatch.context() as first:
        first.setattr(talks, "move_count", dead)
        ledger.cast(voter, talk, True, SIGNALS)
    assert waiting_for_recount(app) == [talk]
    monkeypatch.setattr(votes, "counts_by_talk", another_vote_fails)
    settle(app)
    assert ledger.repair()
    assert waiting_for_recount(app) == [talk]  # the second failure's file outlives the repair that began before it
    assert ledger.repair()
    assert (stored(talk), tally(fix=False), waiting_for_recount(app)) == (0, [], [])


def test_a_failed_recount_leaves_the_talk_waiting(app, talk, voter, count_fails):
    with pytest.raises(AutoReconnect):
        ledger.cast(voter, talk, True, SIGNALS)
    count_fails.undo()

    def down(talk_ids=None):
        raise AutoReconnect("connection refused")
    count_fails.setattr(votes, "counts_by_talk", down)
    with pytest.raises(AutoReconnect), app.test_request_context():
        app.preprocess_request()
    assert waiting_for_recount(app) == [talk]


def test_a_process_that_died_mid_vote_has_its_talk_recounted(app, talk, voter):
    votes.add(voter["_id"], talk, SIGNALS, True)  # the document the dying process wrote
    died_mid_vote(talk)
    assert (tally(fix=False), waiting_for_recount(app)) == ([(talk, 0, 1)], [talk])
    assert ledger.repair()
    assert (stored(talk), tally(fix=False), waiting_for_recount(app)) == (1, [], [talk])
    settle(app)
    assert ledger.repair()
    assert (stored(talk), tally(fix=False), waiting_for_recount(app)) == (1, [], [])


def test_a_write_the_database_applies_after_its_process_died_is_counted(app, talk, voter):
    died_mid_vote(talk)
    assert ledger.repair()
    assert (stored(talk), tally(fix=False), waiting_for_recount(app)) == (0, [], [talk])
    votes.add(voter["_id"], talk, SIGNALS, True)  # the dead process's insert, which the server applies only now
    assert ledger.repair()
    assert (stored(talk), tally(fix=False)) == (1, [])
    settle(app)
    assert ledger.repair()
    assert (stored(talk), tally(fix=False), waiting_for_recount(app)) == (1, [], [])


def test_apps_keep_no_file_open(tmp_path):
    def open_files():
        return len(os.listdir("/proc/self/fd"))
    before = open_files()
    for n in range(3):
        app = create_app({"DB_NAME": f"fd{n}", "WWW_DIR": tmp_path / "www", "DATA_DIR": tmp_path / "data"},
                         client=mongomock.MongoClient())
        with app.app_context():
            speaker = users.register(f"s{n}@example.org", "12345678", "Speaker", SIGNALS)
            assert ledger.cast(speaker, talks.create(speaker, "T", "D"), True, SIGNALS) == (True, 1)
    assert open_files() == before


def test_a_dry_tally_names_the_drift_the_site_is_about_to_repair(app, talk, voter, count_fails, monkeypatch):
    with pytest.raises(AutoReconnect):
        ledger.cast(voter, talk, True, SIGNALS)  # the vote is stored, its count never moved
    monkeypatch.undo()  # the database answers again
    for name, setting in (("MONGO_URI", "MONGO_URI"), ("LT_DB_NAME", "DB_NAME"), ("LT_DATA_DIR", "DATA_DIR")):
        monkeypatch.setenv(name, str(app.config[setting]))
    report = CliRunner().invoke(main, ["tally", "--dry-run"]).output
    assert f"{talk}: stored 0, counted 1\n1 talk(s) drifted\n" in report
    assert "1 talk(s) wait for the recount the site makes by itself on its next requests" in report
    assert report.rstrip().endswith(talk)
    settle(app)
    ledger.repair()
    assert CliRunner().invoke(main, ["tally", "--dry-run"]).output == "0 talk(s) drifted\n"
