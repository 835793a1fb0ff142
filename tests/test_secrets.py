"""No secret is committed, and production refuses to run on the development defaults."""
import re
import subprocess
from pathlib import Path

import pytest

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
