"""The data layer's rules, as fast single-threaded unit tests on mongomock."""
import pytest

from app.counts import ledger
from app.store import talks, users, votes

SIGNALS = {"ip": "127.0.0.1", "ua": "test", "fingerprint": ""}


@pytest.fixture
def ctx(mock_app):
    with mock_app.app_context():
        yield


@pytest.fixture
def speaker(ctx):
    return users.register("s@example.org", "12345678", "Speaker", SIGNALS)


def test_register_twice_gives_none_the_second_time(speaker):
    assert users.register("s@example.org", "other-password", "Other", SIGNALS) is None
    user = users.by_email("s@example.org")
    assert user["_id"] == speaker["_id"] and users.password_matches(user, "12345678")
    assert not users.password_matches(user, "other-password")
    assert users.by_email("nobody@example.org") is None


def test_find_never_returns_the_password_hash(speaker):
    assert "password_hash" not in users.find(speaker["_id"])


@pytest.mark.parametrize(("wants", "expect"), [
    ([None], (True, 1)),
    ([None, None], (False, 0)),
    ([True, True], (True, 1)),
    ([False], (False, 0)),
    ([True, None, None], (True, 1)),
    ([True, False, False], (False, 0)),
])
def test_cast_sets_or_toggles(speaker, wants, expect):
    talk = talks.create(speaker, "T", "D")
    for want in wants:
        result = ledger.cast(speaker, talk, want, SIGNALS)
    assert result == expect
    assert talks.count_of(talk) == (expect[1], True)
    assert votes.talks_voted_by(speaker["_id"]) == ([talk] if expect[0] else [])


def test_hidden_talks_leave_the_public_views(speaker, mock_app):
    shown, hidden = talks.create(speaker, "Shown", "D"), talks.create(speaker, "Hidden", "D")
    mock_app.extensions["mongo"]["unit"].sessions.update_one({"_id": hidden}, {"$set": {"hidden": True}})
    assert [t["_id"] for t in talks.public_list()] == [shown]
    assert talks.public_one(hidden) is None
    assert ledger.cast(speaker, hidden, True, SIGNALS) is None
    assert ledger.cast(speaker, shown, True, SIGNALS) == (True, 1)
    assert votes.talks_voted_by(speaker["_id"]) == [shown]  # the vote for the hidden talk was taken back
    assert talks.count_of(hidden) == (0, False)  # and so was its count


def test_public_talks_carry_no_private_fields(speaker):
    talks.create(speaker, "T", "D")
    (talk,) = talks.public_list()
    assert "user" not in talk and "hidden" not in talk
    assert speaker["_id"] not in str(talk)
