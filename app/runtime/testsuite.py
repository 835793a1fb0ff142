"""The test suite's command lines: what `fab tests` runs, and the fast set a deploy runs first."""
import os
import shlex
import sys

# `fab tests --fast`, which a deploy runs first, leaves out what needs real daemons, Chromium or a deploy, or is slow.
FAST_TESTS = "not daemons and not browser and not deploy and not slow"
# The files that hold the tests marked `alone`, which `fab tests` runs on their own after the others: that run
# (`-m alone`) imports only these instead of collecting the whole suite again (a second and a half); conftest.py
# refuses an `alone` test anywhere else.
LOAD_TEST_FILES = ("tests/test_faults.py",)


def pytest_command(marks, parallel=True):
    """The pytest command line for the tests these marks select (`-m`), in parallel (pytest-xdist) on one more
    worker than cores: the daemon and browser tests spend a fair share of their time waiting (on 2 cores the
    full parallel part took 150 s with 2 workers, 137 s with 3, 146 s with 4; the quick set 20 s with 2 or 3)."""
    workers = ["-n", str(os.cpu_count() + 1)] if parallel else []
    return shlex.join([sys.executable, "-m", "pytest", *workers, "-m", marks])
