"""Checking a release on its server: its health answers from its own code, and the homepage is served."""
import json
import time
import urllib.error
import urllib.request


class CheckFailed(RuntimeError):
    """The release did not answer as it should; the message says what it answered."""


def _get(url):
    """(status, content type, body) of a GET; status None when nothing answers."""
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.headers.get("Content-Type", ""), error.read().decode(errors="replace")
    except OSError as error:
        return None, "", str(error)


def _release(body):
    try:
        return json.loads(body).get("release")
    except (ValueError, AttributeError):
        return None


def check(base, release, timeout=30):
    """Wait until /api/health answers 200 from this release (a reload takes a moment), then fetch the homepage."""
    deadline = time.monotonic() + timeout
    while True:
        status, _, body = _get(f"{base}/api/health")
        if status == 200 and _release(body) == release:
            break
        if time.monotonic() > deadline:
            raise CheckFailed(f"/api/health did not answer 200 from release {release} within {timeout} s; "
                              f"last answer: {status or 'none'} {body[:300]}")
        time.sleep(0.5)
    status, content_type, body = _get(f"{base}/")
    if status != 200 or not content_type.startswith("text/html"):
        raise CheckFailed(f"the homepage answered {status or 'nothing'} ({content_type or 'no content type'}): {body[:300]}")
