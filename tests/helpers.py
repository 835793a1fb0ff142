"""Helpers for tests that drive real programs (nginx, Varnish, sshd, Chromium...)."""
import os
import shutil

import pytest

SYSTEM_DIRS = "/usr/local/sbin:/usr/sbin:/sbin"


def require(*programs):
    """Skip unless every program is installed; under CI=true a missing one fails the test instead."""
    path = f"{os.environ.get('PATH', '')}:{SYSTEM_DIRS}"
    missing = [name for name in programs if not shutil.which(name, path=path)]
    if not missing:
        return
    unavailable(f"not installed: {', '.join(missing)}")


def unavailable(reason):
    """Skip for this reason; under CI=true, where everything must run, fail instead."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(reason)
    pytest.skip(reason)
