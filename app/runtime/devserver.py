"""The threaded development server behind `fab serve`, logging paths without query strings."""
from http import HTTPStatus

from werkzeug.serving import WSGIRequestHandler, run_simple


class PathOnlyHandler(WSGIRequestHandler):
    """Logs method, path and status; never the query string, which may hold a password."""

    # A request line http.server cannot parse leaves it at its default version: HTTP/0.9 would
    # answer with a bare body and no status line.
    default_request_version = "HTTP/1.0"
    error_content_type = "application/json"
    error_message_format = '{"success": false, "text": "%(message)s"}'

    def send_error(self, code, message=None, explain=None):
        """http.server's own refusals in the API's error shape; its message, which quotes the
        request line, is replaced by the status's name."""
        super().send_error(code, f"{HTTPStatus(code).phrase}.")

    def log_request(self, code="-", size="-"):
        """One line per request, without the query string, and with control characters escaped."""
        code = getattr(code, "value", code)
        # http.server refuses (400, 414) a request line it cannot parse before setting `command`.
        if getattr(self, "command", None) is None:
            # Not quoted: it may hold a query string, and `path` may be the previous request's.
            self.log("info", '"(malformed request line)" %s', code)
            return
        path = self.path.split("?", 1)[0]
        printable = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in path)
        self.log("info", '"%s %s" %s', self.command, printable, code)


def run(app, host, port):
    """Serve until Ctrl-C."""
    run_simple(host, port, app, threaded=True, request_handler=PathOnlyHandler)
