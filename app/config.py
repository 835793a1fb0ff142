"""Settings, read from the environment (and an optional .env file) in this one place."""
import hashlib
import hmac
import os
import re
from datetime import date, datetime, timezone
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import load_dotenv

ROOT = Path(__file__).resolve().parent.parent
PHASES = ("pitching", "voting", "closed")

# Development defaults: fine on a laptop, refused when LT_ENV=production.
DEV_SECRET_KEY = "dev-only-secret-key"
DEV_DASHBOARD_PASSWORD = "organizer"
# Production secrets are at least this long: the key signs CSRF tokens and keys voter hashes, and the
# password is all that guards the dashboard (guesses are also rate limited, LT_DASHBOARD_FAILS_PER_IP).
MIN_SECRET_KEY = 32
MIN_DASHBOARD_PASSWORD = 16
MAKE_SECRET = 'python -c "import secrets; print(secrets.token_urlsafe(32))"'
# Werkzeug's default, which production keeps; the tests choose a cheap one, as scrypt dominated their time.
PASSWORD_HASH = "scrypt"
# The methods of Werkzeug's generate_password_hash allowed here: scrypt, or pbkdf2[:sha256|sha512[:iterations]].
_HASH_METHOD = re.compile(r"scrypt|pbkdf2(:sha(256|512)(:[1-9]\d*)?)?")


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


def _release():
    """The name `fab deploy` gave this checkout (its RELEASE file), or "" outside a deploy."""
    try:
        return (ROOT / "RELEASE").read_text().strip()
    except FileNotFoundError:
        return ""


def _weakness(value, default, minimum):
    """What makes a production secret weak, or "" if nothing does."""
    if not value.strip():
        return "is empty"
    if value == default:
        return "is the development default"
    if len(value) < minimum:
        return f"has {len(value)} characters, fewer than {minimum}"
    return ""


def _require_strong(name, value, default, minimum):
    """Refuse a weak production secret, saying how to make a good one."""
    weakness = _weakness(value, default, minimum)
    if weakness:
        raise ConfigError(f"{name} {weakness}: production needs a random one of at least {minimum} characters. "
                          f"Make one with `{MAKE_SECRET}` and set {name} in the environment or the .env file "
                          "(shared/.env on a server).")


def _choice(name, choices, default):
    """Read a setting that must be one of a few words."""
    value = os.environ.get(name, default).strip().lower()
    if value and value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def _flag(name, default):
    """Read an on/off setting (1/0, true/false, yes/no, on/off); unset or empty gives the default."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    words = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}
    if value not in words:
        raise ConfigError(f"{name} must be 1 or 0, not {value!r}")
    return words[value]


def _site_url(name):
    """The site's public address, for links in emails; never taken from a request's Host header,
    which a client chooses."""
    value = os.environ.get(name, "").strip().rstrip("/")
    if value:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
            raise ConfigError(f"{name} must be the site's address like https://talks.example.org, not {value!r}")
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
        # How new passwords are hashed; a stored hash of any method still verifies.
        self.PASSWORD_HASH = env("LT_PASSWORD_HASH", PASSWORD_HASH).strip()
        self.SHOW_COUNTS = _choice("LT_SHOW_COUNTS", ("always", "after"), "always")
        self.EVENT_NAME = env("LT_EVENT_NAME", "Lightning talks")
        # An optional line under the event's name on the homepage.
        self.EVENT_TAGLINE = env("LT_EVENT_TAGLINE", "").strip()
        self.WWW_DIR = Path(env("LT_WWW_DIR", str(ROOT / "www"))).resolve()
        # The stack's rendered confs, pids and logs (git-ignored), and where its Varnish is, to purge it.
        self.RUN_DIR = Path(env("LT_RUN_DIR", str(ROOT / "run"))).resolve()
        self.VARNISH_URL = env("LT_VARNISH_URL", "").strip().rstrip("/")
        # What a PURGE or BAN must carry for Varnish to obey it (confs/varnish.vcl): its client address proves
        # nothing once a TLS terminator on the same host makes every visitor 127.0.0.1. Unset, it is derived
        # from the secret key, so servers set up before it existed need nothing new.
        self.PURGE_SECRET = env("LT_PURGE_SECRET", "").strip() or hmac.new(
            self.SECRET_KEY.encode(), b"varnish purge", hashlib.sha256).hexdigest()
        # Rate limits. Venue Wi-Fi puts hundreds of attendees behind one address, so per-IP limits
        # are generous; the per-email (from one address) limit is what stops password guessing.
        self.LOGIN_FAILS_PER_EMAIL = int(env("LT_LOGIN_FAILS_PER_EMAIL", "10"))
        self.LOGIN_FAILS_PER_IP = int(env("LT_LOGIN_FAILS_PER_IP", "100"))
        self.LOGIN_PROBES_PER_IP = int(env("LT_LOGIN_PROBES_PER_IP", "100"))
        self.REGISTRATIONS_PER_IP = int(env("LT_REGISTRATIONS_PER_IP", "100"))
        # A pitch flood: talks one account may pitch (hidden ones count), and the shortest time between
        # re-bakes after pitches, whatever their rate (the last pitch is baked that long after at most).
        self.PITCHES_PER_USER = int(env("LT_PITCHES_PER_USER", "5"))
        self.REBAKE_INTERVAL = float(env("LT_REBAKE_INTERVAL", "1"))
        # Each login costs a scrypt hash (CPU by design): even right passwords are limited per address,
        # generously, since site.js keeps a login across visits.
        self.LOGINS_PER_IP = int(env("LT_LOGINS_PER_IP", "300"))
        # Only organizers log in to the dashboard, so few wrong passwords from one address are enough.
        self.DASHBOARD_FAILS_PER_IP = int(env("LT_DASHBOARD_FAILS_PER_IP", "20"))
        # Organizers' side: how many talks get on stage, who may take part, how speakers are told.
        self.TOP_N = int(env("LT_TOP_N", "10"))
        # When and where the talks are given: the speakers' email says it, download names carry the date.
        # The dashboard can change them (and the name) at run time.
        self.EVENT_DATE = env("LT_EVENT_DATE", "").strip()
        self.EVENT_TIME = env("LT_EVENT_TIME", "").strip()
        self.EVENT_PLACE = env("LT_EVENT_PLACE", "").strip()
        self.ALLOWED_EMAIL_DOMAINS = frozenset(
            d.strip().lower().lstrip("@") for d in env("LT_ALLOWED_EMAIL_DOMAINS", "").split(",") if d.strip())
        allow_list = env("LT_ALLOWED_EMAILS_FILE", "").strip()
        self.ALLOWED_EMAILS_FILE = Path(allow_list).resolve() if allow_list else None
        self.SMTP_HOST = env("LT_SMTP_HOST", "").strip()
        self.SMTP_PORT = int(env("LT_SMTP_PORT", "587"))
        self.SMTP_TLS = _choice("LT_SMTP_TLS", ("starttls", "ssl", "none"), "starttls")
        self.SMTP_USER = env("LT_SMTP_USER", "")
        self.SMTP_PASSWORD = env("LT_SMTP_PASSWORD", "")
        self.MAIL_FROM = env("LT_MAIL_FROM", "lightning-talks@localhost")
        # Attendee mail (confirming an email, resetting a password) links to this address.
        self.SITE_URL = _site_url("LT_SITE_URL")
        # New accounts vote and pitch only after clicking a mailed link: on by default where mail can go out.
        self.VERIFY_EMAIL = _flag("LT_VERIFY_EMAIL", self.ENV == "production" and bool(self.SMTP_HOST))
        # Links mailed per address per hour (anyone can ask for one to any address) and per client address.
        # "link": no passwords at all; attendees sign in by a link mailed to them.
        self.LOGIN = _choice("LT_LOGIN", ("password", "link"), "password")
        self.MAILS_PER_EMAIL = int(env("LT_MAILS_PER_EMAIL", "5"))
        self.MAILS_PER_IP = int(env("LT_MAILS_PER_IP", "50"))
        # Proxies in front that set X-Forwarded-For/-Proto; 0 trusts none (the client could forge them).
        self.PROXY_COUNT = int(env("LT_PROXY_COUNT", "0"))
        # Milliseconds pymongo waits for a server before the API answers 503.
        self.DB_TIMEOUT_MS = int(env("LT_DB_TIMEOUT_MS", "2000"))
        # Largest request body accepted; the API's fields are small.
        self.MAX_CONTENT_LENGTH = 64 * 1024
        # Which deployed code answers: a deploy's health check waits for its own release after a reload.
        self.RELEASE = _release()
        self.check()

    def check(self):
        """Refuse a production start with weak secrets, or any start with an impossible schedule."""
        if self.ENV == "production":
            _require_strong("LT_SECRET_KEY", self.SECRET_KEY, DEV_SECRET_KEY, MIN_SECRET_KEY)
            _require_strong("LT_DASHBOARD_PASSWORD", self.DASHBOARD_PASSWORD, DEV_DASHBOARD_PASSWORD,
                            MIN_DASHBOARD_PASSWORD)
            _require_strong("LT_PURGE_SECRET", self.PURGE_SECRET, "", MIN_SECRET_KEY)
            if self.PASSWORD_HASH != PASSWORD_HASH:
                raise ConfigError(f"LT_PASSWORD_HASH must be {PASSWORD_HASH} in production (cheaper ones are for tests)")
        if not _HASH_METHOD.fullmatch(self.PASSWORD_HASH):
            raise ConfigError(f"LT_PASSWORD_HASH={self.PASSWORD_HASH!r} is not scrypt or pbkdf2[:sha256[:iterations]]")
        if not re.fullmatch(r"[A-Za-z0-9_-]+", self.PURGE_SECRET):  # it goes into the VCL as a string
            raise ConfigError(f"LT_PURGE_SECRET may hold only letters, digits, - and _: make one with `{MAKE_SECRET}`")
        if self.ALLOWED_EMAILS_FILE and not self.ALLOWED_EMAILS_FILE.is_file():
            raise ConfigError(f"LT_ALLOWED_EMAILS_FILE={self.ALLOWED_EMAILS_FILE} is not a readable file")
        if self.EVENT_DATE:
            try:
                date.fromisoformat(self.EVENT_DATE)
            except ValueError:
                raise ConfigError(f"LT_EVENT_DATE={self.EVENT_DATE!r} is not a date like 2026-03-14") from None
        if self.VERIFY_EMAIL and not (self.SMTP_HOST and self.SITE_URL):
            raise ConfigError("LT_VERIFY_EMAIL needs LT_SMTP_HOST (to send the links) and LT_SITE_URL (where they "
                              "point, e.g. https://talks.example.org); set both, or LT_VERIFY_EMAIL=0")
        if self.LOGIN == "link" and not (self.SMTP_HOST and self.SITE_URL):
            raise ConfigError("LT_LOGIN=link needs LT_SMTP_HOST and LT_SITE_URL to mail the sign-in links")
        if self.TOP_N < 1:
            raise ConfigError("LT_TOP_N must be at least 1")
        dates = [d for d in (self.PITCHING_OPENS, self.VOTING_OPENS, self.VOTING_CLOSES) if d]
        if dates != sorted(dates):
            raise ConfigError("schedule dates must be in order: pitching opens, voting opens, voting closes")

    def as_flask(self):
        """The settings as a dict for app.config."""
        return {k: v for k, v in vars(self).items() if k.isupper()}
