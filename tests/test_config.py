"""Settings come from the environment, and a start refuses malformed ones (weak secrets: test_secrets.py)."""
import pytest

from app.config import Config, ConfigError


@pytest.mark.parametrize(("env", "says"), [
    ({"LT_PHASE": "party"}, "LT_PHASE"),
    ({"LT_VOTING_OPENS": "next tuesday"}, "LT_VOTING_OPENS"),
    ({"LT_VOTING_OPENS": "2026-03-07", "LT_VOTING_CLOSES": "2026-03-05"}, "in order"),
    ({"LT_SHOW_COUNTS": "sometimes"}, "LT_SHOW_COUNTS"),
    ({"LT_PURGE_SECRET": 'x" || "'}, "LT_PURGE_SECRET"),  # would break out of the VCL's string
])
def test_unsafe_or_malformed_settings_are_refused(monkeypatch, env, says):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=says):
        Config()


def test_production_starts_with_real_secrets(monkeypatch):
    monkeypatch.setenv("LT_ENV", "production")
    monkeypatch.setenv("LT_SECRET_KEY", "k" * 32)  # the shortest allowed
    monkeypatch.setenv("LT_DASHBOARD_PASSWORD", "p" * 16)
    monkeypatch.setenv("LT_VOTING_OPENS", "2026-03-05T09:00+01:00")
    config = Config()
    assert config.VOTING_OPENS.utcoffset().total_seconds() == 3600
    assert config.PHASE == ""


def test_production_sends_hsts_and_secure_cookies(monkeypatch, mongo_uri, make_app):
    monkeypatch.setenv("LT_ENV", "production")
    monkeypatch.setenv("LT_SECRET_KEY", "k" * 32)
    monkeypatch.setenv("LT_DASHBOARD_PASSWORD", "a long organizer password")
    app = make_app(MONGO_URI=mongo_uri, DB_NAME="prod_check")
    reply = app.test_client().post("/api/user/action/", data={"email": "p@example.org", "password": "12345678", "name": "P"})
    assert "max-age" in reply.headers["Strict-Transport-Security"]
    assert "Secure" in reply.headers["Set-Cookie"]
    app.extensions["mongo"].drop_database("prod_check")
