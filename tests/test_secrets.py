"""No secret is committed, and production refuses to run on the development defaults."""
import io
import re
import subprocess
from pathlib import Path, PurePosixPath
from types import SimpleNamespace

import pytest
from dotenv import dotenv_values

from app.config import DEV_DASHBOARD_PASSWORD, DEV_SECRET_KEY, Config, ConfigError
from app.runtime.deploy.environments import Environment
from app.runtime.deploy.layout import Layout
from app.runtime.deploy.provision import env_file

ROOT = Path(__file__).resolve().parent.parent
SECRET_SHAPES = [
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    re.compile(r"AKIA[0-9A-Z]{16}"),
    re.compile(r"(?i)\b(LT_SECRET_KEY|LT_DASHBOARD_PASSWORD|SMTP_PASSWORD)\s*=\s*['\"]?[^\s'\"$<{]{6,}"),
    re.compile(r"mongodb(\+srv)?://[^/\s:@]+:[^@\s]+@"),
]


def tracked_files():
    listing = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    return [ROOT / name for name in listing.decode().split("\0") if name]


def test_no_secret_is_committed():
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    found = []
    for path in tracked_files():
        if path.is_file() and path.suffix not in (".png", ".ico", ".woff2"):
            text = path.read_text(errors="ignore")
            found += [f"{path.relative_to(ROOT)}: {m.group(0)[:40]}" for shape in SECRET_SHAPES for m in shape.finditer(text)]
    assert found == []


def test_the_secret_patterns_do_catch_secrets():
    # Built from pieces so that this file does not trip the scan itself.
    samples = ["-----BEGIN OPENSSH " + "PRIVATE KEY-----", "LT_SECRET_KEY" + "=hunter2hunter2",
               "mongodb://admin:" + "pa55@db.example.org/"]
    assert all(any(shape.search(s) for shape in SECRET_SHAPES) for s in samples)
    assert not any(shape.search("LT_SECRET_KEY=$(openssl rand -hex 32)") for shape in SECRET_SHAPES)


STRONG = {"LT_ENV": "production", "LT_SECRET_KEY": "k" * 32, "LT_DASHBOARD_PASSWORD": "p" * 16}


@pytest.mark.parametrize(("name", "value", "says"), [
    ("LT_SECRET_KEY", None, "is the development default"),
    ("LT_SECRET_KEY", DEV_SECRET_KEY, "is the development default"),
    ("LT_SECRET_KEY", "", "is empty"),
    ("LT_SECRET_KEY", " " * 40, "is empty"),
    ("LT_SECRET_KEY", "k" * 31, "has 31 characters, fewer than 32"),
    ("LT_DASHBOARD_PASSWORD", None, "is the development default"),
    ("LT_DASHBOARD_PASSWORD", DEV_DASHBOARD_PASSWORD, "is the development default"),
    ("LT_DASHBOARD_PASSWORD", "", "is empty"),
    ("LT_DASHBOARD_PASSWORD", "hunter2hunter2", "has 14 characters, fewer than 16"),
    ("LT_PURGE_SECRET", "p" * 31, "has 31 characters, fewer than 32"),
])
def test_production_refuses_a_weak_secret_and_says_how_to_make_one(monkeypatch, name, value, says):
    for setting, strong in STRONG.items():
        monkeypatch.setenv(setting, strong)
    if value is None:
        monkeypatch.delenv(name)
    else:
        monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as refused:
        Config()
    assert str(refused.value).startswith(f"{name} {says}")
    assert 'python -c "import secrets; print(secrets.token_urlsafe(32))"' in str(refused.value)


def test_development_runs_on_the_defaults():
    config = Config()
    assert (config.ENV, config.SECRET_KEY, config.DASHBOARD_PASSWORD) == ("development", DEV_SECRET_KEY,
                                                                          DEV_DASHBOARD_PASSWORD)


def test_production_accepts_the_secrets_setup_writes(monkeypatch):
    monkeypatch.delenv("LT_PASSWORD_HASH")  # the tests' cheap hash, which production refuses
    server = SimpleNamespace(layout=Layout(PurePosixPath("/srv/lt")), env=Environment())
    written = dotenv_values(stream=io.StringIO(env_file(server)))
    for name in ("LT_ENV", "LT_SECRET_KEY", "LT_DASHBOARD_PASSWORD", "LT_PURGE_SECRET"):
        monkeypatch.setenv(name, written[name])
    assert Config().ENV == "production"
