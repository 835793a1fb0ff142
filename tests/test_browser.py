"""The homepage in a real browser: Debian's Chromium, driven by Playwright, against `python -m app serve`."""
import http.server
import json
import threading
import uuid

import pytest
from playwright.sync_api import expect
from pymongo import MongoClient

from app.runtime import embedded
from tests import artifacts
from tests.browser_helpers import (
    LIVE_MS,
    Site,
    card,
    log_in,
    open_login,
    open_page,  # noqa: F401 (a fixture)
    poll_within_live_ms,
    register_in_form,
)
from tests.helpers import require

XSS = "<script>alert(1)</script>"
pytestmark = [pytest.mark.browser, pytest.mark.daemons,  # it also runs `python -m app serve`
              pytest.mark.xdist_group("browser")]  # one site for the whole file


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """One server for the module; each test sets the phase it needs."""
    require("chromium")
    site = Site(tmp_path_factory.mktemp("site"))
    yield site
    site.stop()


@pytest.fixture
def ballot(site):
    """A talk by one attendee and a voter, with voting open."""
    talk = site.pitch(site.register(name="Grace Hopper"), title=f"Nanoseconds {uuid.uuid4().hex[:4]}")
    voter = site.register(name="Ada Lovelace")
    site.phase("voting")
    return talk, voter


def test_register_log_in_and_pitch(site, open_page):
    site.phase("pitching")
    page = open_page()
    expect(page.locator("#login-open")).to_have_text("Log in to pitch")
    expect(page.locator("#pitch")).to_be_hidden()
    email = f"{uuid.uuid4().hex[:10]}@example.org"
    register_in_form(page, "Katherine Johnson", email, "orbital mechanics")
    # The browser's random id reaches the account, so organizers can spot one browser's many accounts.
    with MongoClient(embedded.running_uri(site.data_dir)) as client:
        signup = client["lightning_talks"].users.find_one({"email": email})["signup"]
    assert signup["fingerprint"] == page.evaluate("localStorage.getItem('lt-visitor')")

    page.click("#logout")
    open_login(page)
    log_in_fields = {"email": email, "password": "wrong password", "name": "Katherine Johnson"}
    page.fill("#account-email", log_in_fields["email"])
    page.fill("#account-password", log_in_fields["password"])
    page.click("#account-submit")
    expect(page.locator("#account-password-error")).to_contain_text("Wrong password, or no account with this email.")
    expect(page.locator("#account-password")).to_have_attribute("aria-invalid", "true")
    log_in(page, {**log_in_fields, "password": "orbital mechanics"})

    title = f"Trajectories by hand {uuid.uuid4().hex[:4]}"
    page.fill("#pitch-title", title)
    expect(page.locator("#pitch-title-counter")).to_have_text(f"{200 - len(title)} characters left")
    page.fill("#pitch-description", "How we checked the computer's numbers.")
    page.click("#pitch-form [type=submit]")
    expect(page.locator("#my-pitch-list li")).to_have_text([title])
    expect(page.locator("#pitch-status")).to_contain_text("is in")

    page.reload()
    expect(page.locator("#me-name")).to_have_text("Katherine Johnson")
    expect(page.locator("#my-pitch-list li")).to_have_text([title])
    # The pitch re-baked the page: the new talk is in the HTML itself, not only added by site.js.
    assert title in page.request.get(site.url + "/").text()


def test_empty_form_errors_show_inline(site, open_page):
    site.phase("pitching")
    page = open_page()
    open_login(page)
    page.click("#account-submit")
    expect(page.locator("#account-email-error")).to_contain_text("email")
    expect(page.locator("#account-password-error")).to_contain_text("8 characters")
    expect(page.locator("#account-email")).to_be_focused()
    assert page.dialogs == []


def test_vote_survives_reload_and_shows_live_elsewhere(site, open_page, ballot):
    talk, voter = ballot
    page, watcher = open_page(), open_page()
    log_in(page, voter)
    button, count = card(page, talk).locator("button.vote"), card(page, talk).locator(".count-number")
    watched = card(watcher, talk).locator(".count-number")
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(watched).to_have_text("0")

    with page.expect_response("**/api/vote/action/"):  # the server has the vote before the watcher polls
        button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(count).to_have_text("1")
    poll_within_live_ms(watcher)
    expect(watched).to_have_text("1", timeout=LIVE_MS)
    assert site.votes(talk) == 1

    page.reload()
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(count).to_have_text("1")

    with page.expect_response("**/api/vote/action/"):
        button.click()  # unvote
    expect(button).to_have_attribute("aria-pressed", "false")
    poll_within_live_ms(watcher)
    expect(watched).to_have_text("0", timeout=LIVE_MS)
    assert site.votes(talk) == 0

    page.click("#logout")
    expect(page.locator("#login-open")).to_be_visible()
    button.click()
    expect(card(page, talk).locator(".talk-message")).to_contain_text("Log in to vote")
    assert site.votes(talk) == 0


def track_votes(page):
    """Record the page's vote requests; the function returned waits until all are answered."""
    sent = []
    page.on("request", lambda request: "/api/vote/action/" in request.url and sent.append(request))

    def wait_answered():
        answered = 0
        while True:
            while answered < len(sent):
                sent[answered].response()
                answered += 1
            page.wait_for_timeout(300)  # an answer may make site.js send the visitor's latest wish
            if answered == len(sent):
                return answered
    return wait_answered


@pytest.mark.parametrize(("clicks", "voted"), [(2, False), (3, True)])
def test_rapid_clicks_leave_page_and_server_agreeing(site, open_page, ballot, clicks, voted):
    talk, voter = ballot
    page = open_page()
    log_in(page, voter)
    button = card(page, talk).locator("button.vote")
    answered = track_votes(page)
    button.click(click_count=clicks, delay=10)
    assert answered() >= 1
    assert site.votes(talk) == int(voted)
    expect(button).to_have_attribute("aria-pressed", str(voted).lower())
    expect(card(page, talk).locator(".count-number")).to_have_text(str(int(voted)))


def test_failed_vote_rolls_back_and_says_why(site, open_page, ballot):
    talk, voter = ballot
    page = open_page()
    log_in(page, voter)
    page.route("**/api/vote/action/", lambda route: route.fulfill(
        status=503, content_type="application/json",
        body=json.dumps({"success": False, "text": "The database is unavailable; please try again in a moment."})))
    button = card(page, talk).locator("button.vote")
    button.click()
    expect(card(page, talk).locator(".talk-message")).to_contain_text("database is unavailable")
    expect(button).to_have_attribute("aria-pressed", "false")
    expect(card(page, talk).locator(".count-number")).to_have_text("0")
    assert page.dialogs == []


def tab_to(page, selector, limit=150):
    """Press Tab until the element matching `selector` has focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(selector) => document.activeElement.matches(selector)", selector):
            return
    raise AssertionError(f"Tab never reached {selector}")


def test_keyboard_only_voting(site, open_page, ballot):
    talk, voter = ballot
    page = open_page()
    tab_to(page, "#login-open")
    page.keyboard.press("Enter")  # opens the form with the cursor in the email field
    page.keyboard.type(voter["email"])
    page.keyboard.press("Tab")
    page.keyboard.type(voter["password"])
    page.keyboard.press("Enter")
    expect(page.locator("#me-name")).to_have_text(voter["name"])

    selector = f'li.talk[data-id="{talk}"] button.vote'
    tab_to(page, selector)
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"  # focus is visible
    page.keyboard.press("Space")
    expect(page.locator(selector)).to_have_attribute("aria-pressed", "true")
    expect(card(page, talk).locator(".count-number")).to_have_text("1")
    assert site.settled_votes(talk, 1) == 1
    page.keyboard.press("Enter")
    expect(page.locator(selector)).to_have_attribute("aria-pressed", "false")
    expect(card(page, talk).locator(".count-number")).to_have_text("0")
    assert site.settled_votes(talk, 0) == 0


def test_xss_title_is_shown_as_text(site, open_page):
    speaker = site.register(name=XSS)
    baked = site.pitch(speaker, title=XSS)
    page = open_page()
    expect(card(page, baked).locator(".talk-title")).to_have_text(XSS)
    expect(card(page, baked).locator(".speaker")).to_have_text(XSS)

    later_title = f'<img src=x onerror="alert(2)"> {uuid.uuid4().hex[:4]}'
    later = site.pitch(speaker, title=later_title)  # site.js adds this one from the live list
    poll_within_live_ms(page)
    expect(card(page, later).locator(".talk-title")).to_have_text(later_title, timeout=LIVE_MS)

    log_in(page, speaker)
    expect(page.locator("#me-name")).to_have_text(XSS)
    expect(page.locator("#my-pitch-list li").first).to_have_text(later_title)
    assert page.dialogs == []
    assert page.locator("img[src=x]").count() == 0


class EvilSite:
    """A page on another origin that makes its visitor POST to the site, as a CSRF attack would."""

    def __init__(self, html):
        page = html.encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


def auto_submit(action, fields, method="post"):
    """An HTML page that submits a form to `action` as soon as it loads (a GET form navigates to
    `action` with the fields in the query string)."""
    inputs = "".join(f'<input name="{name}" value="{value}">' for name, value in fields.items())
    return f'<form method="{method}" action="{action}">{inputs}</form><script>document.forms[0].submit()</script>'


@pytest.mark.parametrize("attack", ["vote", "pitch"])
def test_page_on_another_origin_cannot_vote_or_pitch(site, open_page, ballot, attack):
    talk, voter = ballot
    if attack == "vote":
        target, fields = f"{site.url}/api/vote/action/", {"session": talk, "vote": "1"}
    else:
        site.phase("pitching")
        target, fields = f"{site.url}/api/session/action/", {"title": "Pwned", "description": "CSRF"}
    evil = EvilSite(auto_submit(target, fields))
    page = open_page()
    log_in(page, voter)
    try:
        with page.expect_response(target) as sent:
            page.goto(evil.url)
    finally:
        evil.close()
    assert sent.value.status == 403
    assert "another site" in sent.value.json()["text"]
    assert site.votes(talk) == 0
    assert "Pwned" not in json.dumps(site.call("GET", "/api/session/")[1])


@pytest.mark.parametrize("method", ["get", "post"])
def test_page_on_another_origin_cannot_login_its_visitor_as_the_attacker(site, new_context, method):
    # Login CSRF: logged in as the attacker, the visitor's pitches and votes would be the attacker's.
    attacker = site.register(name="Mallory")
    target = f"{site.url}/api/user/action/"
    evil = EvilSite(auto_submit(target, {"email": attacker["email"], "password": attacker["password"]}, method))
    page = new_context().new_page()
    try:
        with page.expect_response(lambda response: response.url.startswith(target)) as sent:
            page.goto(evil.url)
    finally:
        evil.close()
    assert sent.value.status == 403
    assert "another site" in sent.value.json()["text"]
    assert page.context.cookies() == []


def test_closed_phase_shows_results_by_votes_with_accepted_marked(site, open_page, ballot):
    talk, voter = ballot
    site.post("/api/vote/action/", {"user": voter["_id"], "session": talk, "vote": 1})
    site.accept(talk)
    site.phase("closed")
    page = open_page()
    expect(page.locator("li.talk").first).to_have_attribute("data-id", talk)  # on stage first, then the rest
    counts = [int(n) for n in page.locator("li.talk").evaluate_all("items => items.map(i => i.dataset.votes)")][1:]
    assert counts == sorted(counts, reverse=True)
    assert len(counts) > 1
    expect(card(page, talk).locator(".badge-accepted")).to_be_visible()
    expect(page.locator(".badge-accepted:visible")).to_have_count(1)
    expect(page.locator("button.vote")).to_have_count(0)


@pytest.mark.parametrize("phase", ["pitching", "voting", "closed"])
def test_each_phase_fits_phone_and_desktop(site, open_page, ballot, phase):
    talk, voter = ballot
    site.post("/api/vote/action/", {"user": voter["_id"], "session": talk, "vote": 1})
    site.phase(phase)
    for width in (360, 1280):
        page = open_page(width=width, height=800)
        log_in(page, voter)
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling
        artifacts.from_the_top(page, f"{phase}-{width}")
