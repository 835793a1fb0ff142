"""Backup and restore: a lossless round trip, refusing to overwrite data without force."""
import json

import pytest

from app import backup, demo
from app.counts.ledger import tally
from app.store import indexes


@pytest.fixture
def empty(make_app, mongo_uri, app):
    """A second, empty database on the same server."""
    other = make_app(MONGO_URI=mongo_uri, DB_NAME=app.config["DB_NAME"] + "_restore")
    with other.app_context():
        indexes.apply()
    yield other
    other.extensions["mongo"].drop_database(other.config["DB_NAME"])


def snapshot(app):
    db = app.extensions["mongo"][app.config["DB_NAME"]]
    return {name: list(db[name].find().sort("_id", 1)) for name in ("users", "sessions", "votes", "settings")}


def test_round_trip_is_lossless(app, empty, client):
    with app.app_context():
        demo.load(20, 5, 40, seed=5)
    client.post("/api/dashboard/phase", data={"phase": "voting"}, auth=("organizer", "organizer"))
    with app.app_context():
        text = backup.dump()
    with empty.app_context():
        restored = backup.load(text)
        assert tally(fix=False) == []
    assert restored["users"] == 20 and restored["votes"] == 40
    assert snapshot(empty) == snapshot(app)  # ids, dates (to the millisecond) and types included
    assert empty.test_client().get("/api/health").json["phase"] == "voting"


def test_backup_counts_agree_with_its_votes_even_with_drift(app, empty):
    with app.app_context():
        demo.load(10, 3, 15, seed=6)
        app.extensions["mongo"][app.config["DB_NAME"]].sessions.update_many({}, {"$inc": {"votes": 2}})
        text = backup.dump()
    with empty.app_context():
        backup.load(text)
        assert tally(fix=False) == []


def test_restore_refuses_a_non_empty_target_without_force(app, empty):
    with app.app_context():
        demo.load(5, 2, 3, seed=7)
        text = backup.dump()
    with empty.app_context():
        demo.load(3, 1, 1, seed=8)
        with pytest.raises(backup.RestoreError, match="--force"):
            backup.load(text)
        assert backup.load(text, force=True)["users"] == 5
    assert snapshot(empty)["users"] == snapshot(app)["users"]


@pytest.mark.parametrize("text", ["", "{}", "[1]", json.dumps({"format": "something-else"}), "not json"])
def test_restore_refuses_what_is_not_a_backup(empty, text):
    with empty.app_context(), pytest.raises(backup.RestoreError):
        backup.load(text)
