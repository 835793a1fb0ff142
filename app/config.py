"""Settings, read from the environment (and an optional .env file) in this one place."""
import os
from datetime import datetime, timezone
from pathlib import Path

from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent
PHASES = ("pitching", "voting", "closed")

# Development defaults: fine on a laptop, refused when LT_ENV=production.
DEV_SECRET_KEY = "dev-only-secret-key"
DEV_DASHBOARD_PASSWORD = "organizer"


class ConfigError(ValueError):
    """A setting is missing or malformed."""


def _date(name):
    """Parse an ISO 8601 schedule date from the environment; naive dates are UTC."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise ConfigError(f"{name}={raw!r} is not an ISO 8601 date (e.g. 2026-03-01T09:00)") from exc
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _choice(name, choices, default):
    """Read a setting that must be one of a few words."""
    value = os.environ.get(name, default).strip().lower()
    if value and value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


class Config:
    """Every setting of the app; a new instance re-reads the environment."""

    def __init__(self):
        load_dotenv(os.environ.get("LT_ENV_FILE", ROOT / ".env"), override=False)
        env = os.environ.get
        self.ENV = _choice("LT_ENV", ("development", "production"), "development")
        self.MONGO_URI = env("MONGO_URI", "").strip()
        self.DATA_DIR = Path(env("LT_DATA_DIR", str(ROOT / "var"))).resolve()
        self.DB_NAME = env("LT_DB_NAME", "lightning_talks")
        self.PHASE = _choice("LT_PHASE", PHASES, "")
        self.PITCHING_OPENS = _date("LT_PITCHING_OPENS")
        self.VOTING_OPENS = _date("LT_VOTING_OPENS")
        self.VOTING_CLOSES = _date("LT_VOTING_CLOSES")
        self.DASHBOARD_USER = env("LT_DASHBOARD_USER", "organizer")
        self.DASHBOARD_PASSWORD = env("LT_DASHBOARD_PASSWORD", DEV_DASHBOARD_PASSWORD)
        self.SECRET_KEY = env("LT_SECRET_KEY", DEV_SECRET_KEY)
        self.SHOW_COUNTS = _choice("LT_SHOW_COUNTS", ("always", "after"), "always")
        self.WWW_DIR = Path(env("LT_WWW_DIR", str(ROOT / "www"))).resolve()
        # Seconds pymongo waits for a server before the API answers 503.
        self.DB_TIMEOUT_MS = int(env("LT_DB_TIMEOUT_MS", "2000"))
        # Largest request body accepted; the API's fields are small.
        self.MAX_CONTENT_LENGTH = 64 * 1024
        self.check()

    def check(self):
        """Refuse a production start with development secrets or an impossible schedule."""
        if self.ENV == "production":
            if self.SECRET_KEY == DEV_SECRET_KEY:
                raise ConfigError("LT_SECRET_KEY must be set in production")
            if self.DASHBOARD_PASSWORD == DEV_DASHBOARD_PASSWORD:
                raise ConfigError("LT_DASHBOARD_PASSWORD must be set in production")
        dates = [d for d in (self.PITCHING_OPENS, self.VOTING_OPENS, self.VOTING_CLOSES) if d]
        if dates != sorted(dates):
            raise ConfigError("schedule dates must be in order: pitching opens, voting opens, voting closes")

    def as_flask(self):
        """The settings as a dict for app.config."""
        return {k: v for k, v in vars(self).items() if k.isupper()}
