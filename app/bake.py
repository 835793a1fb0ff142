"""Baking the homepage: the template rendered with the current talks into www/index.html."""
import os
import tempfile
from pathlib import Path

from flask import current_app, render_template

from . import phases
from .store import talks


def render():
    """The homepage's HTML for the current phase and talks."""
    return render_template("index.html", phase=phases.current(), talks=talks.public_list())


def bake():
    """Write www/index.html atomically, so nginx never serves half a file; return its path."""
    www = Path(current_app.config["WWW_DIR"])
    www.mkdir(parents=True, exist_ok=True)
    target = www / "index.html"
    fd, tmp = tempfile.mkstemp(dir=www, prefix=".index-", suffix=".html")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(render())
    os.chmod(tmp, 0o644)
    os.replace(tmp, target)
    return target
