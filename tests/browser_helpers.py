"""The attendee's page in a browser, shared by the browser test files: `python -m app serve` as a `Site`
with shortcuts into its API, a fresh page on it (`open_page`, a fixture: import it into the test file,
which defines its own `site`), and the steps a visitor takes on the page."""
import base64
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pymongo import MongoClient

from app.runtime import embedded

ROOT = Path(__file__).resolve().parent.parent
LIVE_MS = 5000  # Another visitor's vote must show within about 5 s.


class Site:
    """`python -m app serve` on a free port with a fresh data dir and extra `settings`, and shortcuts into its API."""

    def __init__(self, tmp, settings=None):
        self.data_dir = tmp / "var"
        self.url = f"http://127.0.0.1:{embedded.free_port()}"
        env = {**os.environ, "LT_DATA_DIR": str(self.data_dir), "LT_WWW_DIR": str(tmp / "www"),
               "LT_SITE_URL": self.url, **(settings or {})}
        self.log = open(tmp / "serve.log", "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "app", "serve", "--port", self.url.rsplit(":", 1)[1]],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while not self._answers():
            assert self.process.poll() is None, (tmp / "serve.log").read_text()
            assert time.monotonic() < deadline, "the server did not answer"
            time.sleep(0.2)

    def _answers(self):
        try:
            return self.call("GET", "/api/health")[0] == 200
        except OSError:
            return False

    def call(self, method, path, fields=None, auth=None):
        """One request; (status, JSON reply)."""
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if auth:
            headers["Authorization"] = "Basic " + base64.b64encode(":".join(auth).encode()).decode()
        body = json.dumps(fields).encode() if fields is not None else None
        request = urllib.request.Request(self.url + path, body, headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=10) as reply:
                return reply.status, json.loads(reply.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def post(self, path, fields):
        """A successful POST's reply."""
        status, reply = self.call("POST", path, fields)
        assert status < 300, reply
        return reply

    def phase(self, name):
        """Switch the phase as an organizer does; the server re-bakes the page."""
        assert self.call("POST", "/api/dashboard/phase", {"phase": name}, auth=("organizer", "organizer"))[0] == 200

    def register(self, name="Ada Lovelace"):
        """A new attendee: their reply plus email and password."""
        email, password = f"{uuid.uuid4().hex[:10]}@example.org", "correct horse"
        reply = self.post("/api/user/action/", {"email": email, "password": password, "name": name})
        return {**reply, "email": email, "password": password}

    def pitch(self, user, title=None):
        """A new talk by `user`, pitched while pitching is open; its _id."""
        self.phase("pitching")
        title = title or f"Talk {uuid.uuid4().hex[:6]}"
        return self.post("/api/session/action/", {"user": user["_id"], "title": title, "description": "Five minutes."})["session"]

    def votes(self, talk_id):
        """The talk's count as the server has it."""
        return self.call("GET", f"/api/session/?_id={talk_id}")[1]["session"]["votes"]

    def settled_votes(self, talk_id, expect, timeout=5):
        """The talk's count once it equals `expect`, or when the time is up: the page's requests
        may still be on their way when the page already shows their outcome."""
        deadline = time.monotonic() + timeout
        while (votes := self.votes(talk_id)) != expect and time.monotonic() < deadline:
            time.sleep(0.1)
        return votes

    def accept(self, talk_id):
        """Mark a talk accepted in the server's database directly, without a dashboard login round trip."""
        self.update_talks({"_id": talk_id}, {"accepted": True})

    def update_talks(self, which, fields):
        """Set fields on the matching talks in the server's database directly (the page learns by polling)."""
        with MongoClient(embedded.running_uri(self.data_dir)) as client:
            client["lightning_talks"].sessions.update_many(which, {"$set": fields})

    def stop(self):
        """Stop the server as SIGTERM does (the embedded database stops with it)."""
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(30)
        self.log.close()


@pytest.fixture
def open_page(site, new_context):
    """Open the homepage in a fresh browser context (its own cookies and storage)."""
    def open_page(width=1280, height=900):
        page = new_context(viewport={"width": width, "height": height}).new_page()
        page.dialogs, page.confirm = [], False  # set page.confirm to answer OK to the next dialogs
        page.on("dialog", lambda dialog: (page.dialogs.append(dialog.message),
                                          dialog.accept() if page.confirm else dialog.dismiss()))
        page.clock.install()  # its time still flows; poll_within_live_ms moves it on
        page.goto(site.url + "/")
        return page
    return open_page


def poll_within_live_ms(page):
    """Move the page's clock LIVE_MS on, so that site.js's poll, if it is due by then, fetches now rather
    than after up to three real seconds (a poll already on its way still has its next turn in real time)."""
    page.clock.fast_forward(LIVE_MS)


def open_login(page):
    """Open the login form with its button, as a visitor does."""
    expect(page.locator("#login-open")).to_be_visible()
    if page.locator("#account-form").is_hidden():
        page.click("#login-open")


def log_in(page, user):
    """Log in through the form and wait until the page says so."""
    open_login(page)
    page.fill("#account-email", user["email"])
    page.fill("#account-password", user["password"])
    page.click("#account-submit")
    expect(page.locator("#me-name")).to_have_text(user["name"])


def register_in_form(page, name, email, password):
    """Create an account through the form, as a new visitor does, and wait until the page names them."""
    open_login(page)
    page.click("#account-switch")
    page.fill("#account-name", name)
    page.fill("#account-email", email)
    page.fill("#account-password", password)
    page.click("#account-submit")
    expect(page.locator("#me-name")).to_have_text(name)


def card(page, talk_id):
    """A talk's card on the page."""
    return page.locator(f'li.talk[data-id="{talk_id}"]')
