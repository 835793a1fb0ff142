"""Load generators: wrk for static pages, Python threads with keep-alive for API calls."""
import http.client
import re
import statistics
import subprocess
import threading
import time
import urllib.parse


def wrk(url, seconds=5, threads=2, connections=50):
    """Requests per second that wrk measures against one URL, asking for gzip as browsers do."""
    done = subprocess.run(["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "-H", "Accept-Encoding: gzip", url],
                          capture_output=True, text=True, check=True)
    return float(re.search(r"Requests/sec:\s+([\d.]+)", done.stdout).group(1))


class Client:
    """One keep-alive HTTP connection that posts forms and returns (status, seconds)."""

    def __init__(self, base):
        parts = urllib.parse.urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)

    def post(self, path, fields):
        """POST a form; reconnect once if the server closed the connection."""
        body = urllib.parse.urlencode(fields)
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        started = time.perf_counter()
        for attempt in (1, 2):
            try:
                self.connection.request("POST", path, body, headers)
                reply = self.connection.getresponse()
                reply.read()
                return reply.status, time.perf_counter() - started
            except (http.client.HTTPException, OSError):
                self.connection.close()
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
                if attempt == 2:
                    return 599, time.perf_counter() - started

    def get(self, path):
        """GET a path and return the status."""
        self.connection.request("GET", path)
        reply = self.connection.getresponse()
        reply.read()
        return reply.status

    def close(self):
        """Close the connection."""
        self.connection.close()


def percentile(values, q):
    """The q-th percentile (0-100) of a list of numbers."""
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def hammer(base, path, plans):
    """Run one thread per plan (a list of form dicts) against base+path; return latency figures."""
    latencies, errors, lock = [], [0], threading.Lock()

    def worker(plan):
        client = Client(base)
        mine = []
        for fields in plan:
            status, seconds = client.post(path, fields)
            mine.append(seconds)
            if status != 200:
                with lock:
                    errors[0] += 1
        client.close()
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker, args=(plan,)) for plan in plans]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {"requests": len(latencies), "errors": errors[0], "per_second": round(len(latencies) / elapsed, 1),
            "p50_ms": round(percentile(latencies, 50) * 1000, 1), "p99_ms": round(percentile(latencies, 99) * 1000, 1)}
