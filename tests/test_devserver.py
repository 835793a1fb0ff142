"""`fab serve`'s development server: what it serves from www/ and what it logs."""
import json
import logging
import socket
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import mongomock
import pytest

from app import create_app
from app.runtime.devserver import PathOnlyHandler


@pytest.fixture
def dev_url(tmp_path, serve_http):
    """The dev server, as `fab serve` runs it, over a www/ holding a page, an asset and some dotfiles."""
    www = tmp_path / "www"
    (www / "assets").mkdir(parents=True)
    (www / "index.html").write_text("<h1>Talks</h1>")
    (www / "assets" / "site.1234.js").write_text("//")
    for hidden in (".bake.lock", ".env", "assets/.site.js.tmp"):
        (www / hidden).write_text("secret")
    app = create_app({"DB_NAME": "dev", "WWW_DIR": www, "DATA_DIR": tmp_path / "data"},
                     client=mongomock.MongoClient(), serve_www=True)
    return serve_http(app, request_handler=PathOnlyHandler)


def status(url):
    """A GET's status, its body read to the end: a client that hangs up early leaves the server's file open."""
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            reply.read()
            return reply.status
    except urllib.error.HTTPError as exc:
        with exc:
            exc.read()
            return exc.code


def raw_request(url, request_line):
    """Send one raw request line; the reply's status and body."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as connection:
        connection.sendall(request_line + b"\r\nHost: x\r\n\r\n")
        reply = connection.makefile("rb").read().decode()
    head, _, body = reply.partition("\r\n\r\n")
    return int(head.split()[1]), body


@pytest.mark.parametrize(("path", "expect"), [
    ("/", 200), ("/assets/site.1234.js", 200),
    ("/.bake.lock", 404), ("/.env", 404), ("/assets/.site.js.tmp", 404), ("/assets/%2Esite.js.tmp", 404),
])
def test_dotfiles_are_not_served(dev_url, path, expect):
    assert status(dev_url + path) == expect


@pytest.mark.parametrize("request_line", [
    b"GARBAGE", b"GET /api/user/action/?password=hunter22 HTTP/1.1 extra", b"GET / HTTP/9.9", b"GET / NOTHTTP/1.1",
])
def test_a_malformed_request_line_is_a_400_and_logged_without_its_text(dev_url, caplog, request_line):
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        code, body = raw_request(dev_url, request_line)
    assert code in (400, 505)
    assert json.loads(body)["success"] is False and "hunter22" not in body
    assert "(malformed request line)" in caplog.text and "hunter22" not in caplog.text
    assert status(dev_url + "/") == 200  # the server still serves
