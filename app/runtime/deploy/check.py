"""Checking a release on its server: its health answers from its own code, and the homepage is served."""
import json
import time
import urllib.error
import urllib.request

# Server errors in a row from the new release's own code that fail the check at once: waiting will not mend a
# broken build, and meanwhile it serves visitors. Two, for a first request's one-off failure.
BROKEN_AFTER = 2


class CheckFailed(RuntimeError):
    """The release did not answer as it should; the message says what it answered."""


def _get(url):
    """(status, headers, body) of a GET; status None (and no headers) when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.headers, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers, error.read().decode(errors="replace")
    except OSError as error:
        return None, {}, str(error)


def _release(body):
    try:
        return json.loads(body).get("release")
    except (ValueError, AttributeError):
        return None


def check(base, release, timeout=30):
    """Wait until /api/health answers 200 from this release (a reload takes a moment), then fetch the homepage.
    Fail at once when the release itself keeps answering a server error (a 503, the database down, is waited out)."""
    deadline, errors = time.monotonic() + timeout, 0
    while True:
        status, headers, body = _get(f"{base}/api/health")
        if status == 200 and _release(body) == release:
            break
        errors = errors + 1 if status == 500 and headers.get("X-Release") == release else 0
        if errors == BROKEN_AFTER:
            raise CheckFailed(f"release {release} answers /api/health with a server error: {body[:300]}")
        if time.monotonic() > deadline:
            raise CheckFailed(f"/api/health did not answer 200 from release {release} within {timeout} s; "
                              f"last answer: {status or 'none'} {body[:300]}")
        time.sleep(0.5)
    status, headers, body = _get(f"{base}/")
    content_type = headers.get("Content-Type", "")
    if status != 200 or not content_type.startswith("text/html"):
        raise CheckFailed(f"the homepage answered {status or 'nothing'} ({content_type or 'no content type'}): {body[:300]}")
