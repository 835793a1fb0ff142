"""The threaded development server behind `fab serve`, logging paths without query strings."""
from werkzeug.serving import WSGIRequestHandler, run_simple


class PathOnlyHandler(WSGIRequestHandler):
    """Logs method, path and status; never the query string, which may hold a password."""

    def log_request(self, code="-", size="-"):
        """One line per request, without the query string."""
        path = self.path.split("?", 1)[0]
        self.log("info", '"%s %s" %s', self.command, path, getattr(code, "value", code))


def run(app, host, port):
    """Serve until Ctrl-C."""
    run_simple(host, port, app, threaded=True, request_handler=PathOnlyHandler)
