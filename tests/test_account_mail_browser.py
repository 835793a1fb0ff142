"""Account mail end to end: Debian's Chromium against `python -m app serve`, which mails its links
through aiosmtpd on loopback. Register, confirm by the link, vote; forget, reset, log in."""
import email
import email.policy
import re
import time
import uuid

import pytest
from playwright.sync_api import expect

from tests.a11y import axe_violations
from tests.artifacts import from_the_top
from tests.browser_helpers import Site, card, log_in, open_login, open_page, register_in_form  # noqa: F401
from tests.helpers import require

pytestmark = [pytest.mark.browser, pytest.mark.daemons,  # it also runs `python -m app serve`
              pytest.mark.xdist_group("account_mail_browser")]  # one site for the whole file


@pytest.fixture(scope="module")
def inbox(smtp_server):
    """The run's SMTP server on loopback, which keeps what the site sends; emptied for this file."""
    smtp_server.messages.clear()
    return smtp_server


@pytest.fixture(scope="module")
def site(tmp_path_factory, inbox):
    """The site with LT_VERIFY_EMAIL on, sending through the inbox."""
    require("chromium")
    site = Site(tmp_path_factory.mktemp("mailsite"), {
        "LT_SMTP_HOST": "127.0.0.1", "LT_SMTP_PORT": str(inbox.port), "LT_SMTP_TLS": "none",
        "LT_VERIFY_EMAIL": "1"})
    yield site
    site.stop()


def mailed_link(inbox, to, purpose, timeout=10):
    """The path and fragment of the last `purpose` link mailed to `to`, waiting for it to arrive."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for recipients, raw in reversed(inbox.messages):
            body = email.message_from_string(raw, policy=email.policy.default).get_content()
            found = re.search(rf"(http://\S+)/(#{purpose}=[A-Za-z0-9_-]+)", body)
            if recipients == [to] and found:
                return found.group(1), "/" + found.group(2)
        time.sleep(0.1)
    raise AssertionError(f"no {purpose} mail to {to}")


def assert_accessible(page):
    """axe finds nothing wrong with the page as it stands, light or dark."""
    assert [axe_violations(page, scheme) for scheme in ("light", "dark")] == [[], []]


def confirmed(site, inbox, name="Grace Hopper"):
    """A new attendee whose email is confirmed (through the API, with the password)."""
    user = site.register(name=name)
    _, path = mailed_link(inbox, user["email"], "verify")
    site.post("/api/user/action/", {"action": "verify", "token": path.split("=", 1)[1], "password": user["password"]})
    return user


def test_register_then_the_mailed_link_lets_them_vote(site, inbox, open_page):
    talk = site.pitch(confirmed(site, inbox), title=f"Compilers {uuid.uuid4().hex[:4]}")
    site.phase("voting")
    page = open_page()
    address = f"{uuid.uuid4().hex[:10]}@example.org"
    register_in_form(page, "Katherine Johnson", address, "orbital mechanics")
    expect(page.locator("#verify-pending")).to_contain_text("Check your inbox")
    assert_accessible(page)
    from_the_top(page, "account-mail-confirm-pending")
    card(page, talk).locator("button.vote").click()
    expect(card(page, talk).locator(".talk-message")).to_contain_text("Confirm your email")
    assert site.votes(talk) == 0

    base, path = mailed_link(inbox, address, "verify")
    assert base == site.url  # LT_SITE_URL, not whatever Host the request named
    page.goto(site.url + path)
    expect(page.locator("#account-mail-status")).to_have_text("Your email is confirmed: you can vote and pitch.")
    assert "#" not in page.url  # the token left the address bar
    expect(page.locator("#verify-pending")).to_be_hidden()
    button = card(page, talk).locator("button.vote")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    assert site.settled_votes(talk, 1) == 1

    page.goto(site.url + path)  # the same link again
    expect(page.locator("#account-mail-status")).to_contain_text("expired or was already used")


def test_the_link_in_another_browser_asks_for_the_password(site, inbox, open_page):
    user = site.register(name="Dorothy Vaughan")
    _, path = mailed_link(inbox, user["email"], "verify")
    page = open_page()
    page.goto(site.url + path)
    expect(page.locator("#verify-password")).to_be_focused()
    assert_accessible(page)
    page.fill("#verify-password", user["password"])
    page.click("#verify-form [type=submit]")
    expect(page.locator("#account-mail-status")).to_have_text("Your email is confirmed: you can vote and pitch.")
    expect(page.locator("#me-name")).to_have_text("Dorothy Vaughan")


def test_forgot_password_mails_a_link_that_sets_a_new_one(site, inbox, open_page):
    user = confirmed(site, inbox, name="Mary Jackson")
    page = open_page()
    open_login(page)
    page.fill("#account-email", user["email"])
    page.click("#forgot-open")
    expect(page.locator("#forgot-email")).to_have_value(user["email"])
    page.click("#forgot-form [type=submit]")
    said = page.locator("#forgot-status")
    expect(said).to_contain_text("If an account has this email")
    known_reply = said.text_content()
    page.fill("#forgot-email", f"nobody-{uuid.uuid4().hex[:6]}@example.org")
    page.click("#forgot-form [type=submit]")
    expect(said).to_have_text(known_reply)  # the same words for an email with no account
    assert_accessible(page)
    from_the_top(page, "account-mail-forgot")

    _, path = mailed_link(inbox, user["email"], "reset")
    elsewhere = open_page()
    elsewhere.goto(site.url + path)
    expect(elsewhere.locator("#reset-password")).to_be_focused()
    assert_accessible(elsewhere)
    from_the_top(elsewhere, "account-mail-reset")
    elsewhere.fill("#reset-password", "a brand new password")
    elsewhere.click("#reset-form [type=submit]")
    expect(elsewhere.locator("#account-mail-status")).to_have_text("Your new password is set, and you are logged in.")
    expect(elsewhere.locator("#me-name")).to_have_text("Mary Jackson")

    again = open_page()
    log_in(again, {**user, "password": "a brand new password"})
    used = open_page()
    used.goto(site.url + path)
    used.fill("#reset-password", "yet another password")
    used.click("#reset-form [type=submit]")
    expect(used.locator("#reset-status")).to_contain_text("expired or was already used")


@pytest.fixture(scope="module")
def link_site(tmp_path_factory, inbox):
    """The site with LT_LOGIN=link: no passwords, sign-in links only."""
    require("chromium")
    site = Site(tmp_path_factory.mktemp("linksite"), {
        "LT_SMTP_HOST": "127.0.0.1", "LT_SMTP_PORT": str(inbox.port), "LT_SMTP_TLS": "none", "LT_LOGIN": "link"})
    yield site
    site.stop()


def test_link_login_registers_and_signs_in_without_a_password(link_site, inbox, new_context):
    page = new_context(viewport={"width": 360, "height": 740}).new_page()
    page.goto(link_site.url + "/")
    expect(page.locator("#account-password")).to_be_hidden()
    open_login(page)
    expect(page.locator("#account-password")).to_be_hidden()
    expect(page.locator("#forgot-open")).to_be_hidden()
    page.click("#account-switch")
    address = f"{uuid.uuid4().hex[:10]}@example.org"
    page.fill("#account-name", "Annie Easley")
    page.fill("#account-email", address)
    page.click("#account-submit")
    expect(page.locator("#account-status")).to_have_text(f"We sent a sign-in link to {address}. It works once, within 30 minutes.")
    assert_accessible(page)

    _, path = mailed_link(inbox, address, "login")
    phone = new_context(viewport={"width": 360, "height": 740}).new_page()
    phone.goto(link_site.url + path)
    expect(phone.locator("#account-mail-status")).to_have_text("You are signed in.")
    expect(phone.locator("#me-name")).to_have_text("Annie Easley")
    expect(phone.locator("#pitch-form")).to_be_visible()
    from_the_top(phone, "account-mail-link-signed-in-360")
