"""Telling the stack's Varnish, when one runs, to drop pages a bake has changed."""
import http.client
import logging
from pathlib import Path
from urllib.parse import urlsplit

from ..runtime import processes, rundir

log = logging.getLogger(__name__)
# The header that proves a PURGE or BAN comes from us (LT_PURGE_SECRET); the VCL checks it.
SECRET_HEADER = "X-Purge-Secret"


def url(config):
    """Where Varnish listens: LT_VARNISH_URL, else the `fab stack` running from RUN_DIR, else None."""
    if config["VARNISH_URL"]:
        return config["VARNISH_URL"]
    state = processes.read_state(rundir.stack_state(Path(config["RUN_DIR"])))
    return state and state["varnish_url"]


def _send(base, method, path, secret):
    """One request to Varnish; its status, or None when it does not answer."""
    address = urlsplit(base)
    connection = http.client.HTTPConnection(address.hostname, address.port or 80, timeout=2)
    try:
        connection.request(method, path, headers={SECRET_HEADER: secret})
        response = connection.getresponse()
        response.read()
        return response.status
    except OSError as exc:
        log.warning("Varnish at %s did not answer %s %s: %s", base, method, path, exc)
        return None
    finally:
        connection.close()


def _tell(config, method, paths):
    """Send METHOD for each path; True when Varnish accepted them all (nothing to do without one)."""
    base = url(config)
    if not base:
        return True
    statuses = [_send(base, method, path, config["PURGE_SECRET"]) for path in paths]
    for path, status in zip(paths, statuses):
        if status not in (200, None):
            log.warning("Varnish refused %s %s: %s", method, path, status)
    return all(status == 200 for status in statuses)


def purge(config, paths):
    """Drop these exact URLs from the cache."""
    return _tell(config, "PURGE", paths)


def ban(config, pattern="/"):
    """Drop every cached URL matching this regex (`/` matches them all)."""
    return _tell(config, "BAN", [pattern])
