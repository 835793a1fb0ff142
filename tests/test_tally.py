"""Tally: recounting every talk from the votes and repairing drift."""
from app import demo
from app.counts.ledger import tally


def test_tally_fixes_and_reports_drift(app, db):
    with app.app_context():
        demo.load(30, 6, 80, seed=1)
        talks = [t["_id"] for t in db.sessions.find().sort("_id")]
        true_counts = {t: db.votes.count_documents({"session": t}) for t in talks}
        db.sessions.update_one({"_id": talks[0]}, {"$inc": {"votes": 5}})
        db.sessions.update_one({"_id": talks[1]}, {"$set": {"votes": -2}})
        drift = tally()
    assert sorted(drift) == sorted([(talks[0], true_counts[talks[0]] + 5, true_counts[talks[0]]),
                                    (talks[1], -2, true_counts[talks[1]])])
    assert {t["_id"]: t["votes"] for t in db.sessions.find()} == true_counts


def test_tally_without_drift_changes_nothing(app, db):
    with app.app_context():
        demo.load(10, 3, 20, seed=2)
        before = list(db.sessions.find())
        assert tally() == []
    assert list(db.sessions.find()) == before


def test_dry_run_reports_without_fixing(app, db):
    with app.app_context():
        demo.load(10, 3, 20, seed=3)
        db.sessions.update_many({}, {"$inc": {"votes": 1}})
        assert len(tally(fix=False)) == 3
        assert len(tally(fix=False)) == 3


def test_demo_data_is_realistic_and_consistent(app, db):
    with app.app_context():
        made = demo.load(40, 8, 150, seed=4)
    assert made == (40, 8, 150)
    assert sum(t["votes"] for t in db.sessions.find()) == 150
    votes = list(db.votes.find({}, {"user": 1, "session": 1}))
    assert len({(v["user"], v["session"]) for v in votes}) == 150
    assert all("@" in u["email"] and u["name"] for u in db.users.find())


def test_tally_counts_only_counted_votes(app, db):
    with app.app_context():
        demo.load(10, 3, 20, seed=5)
        quarantined = db.votes.find_one()
        db.votes.update_many({"user": quarantined["user"]}, {"$set": {"counted": False}})
        uncounted = db.votes.count_documents({"session": quarantined["session"], "counted": False})
        drift = dict((talk, (was, now)) for talk, was, now in tally())
    talk = db.sessions.find_one({"_id": quarantined["session"]})
    assert drift[talk["_id"]] == (talk["votes"] + uncounted, talk["votes"])
    assert talk["votes"] == db.votes.count_documents({"session": talk["_id"]}) - uncounted
