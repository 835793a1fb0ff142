"""The attendee's event, phone first (issue 12), in Debian's Chromium at 360×740 and 1280 px, with axe
finding nothing in light and dark in every phase and state. Screenshots go to artifacts/homepage-*.png
and where the first talk card starts at 360×740 to artifacts/first-card.txt."""
import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from tests import artifacts
from tests.a11y import axe_violations
from tests.browser_helpers import LIVE_MS, Site, card, log_in, open_login, open_page, poll_within_live_ms  # noqa: F401 (fixture)
from tests.helpers import require

pytestmark = [pytest.mark.browser, pytest.mark.daemons,  # it also runs `python -m app serve`
              pytest.mark.xdist_group("attendee_browser")]  # one site for the whole file

EVENT, TAGLINE = "PyData Nowhere 2026", "Five minutes each, chosen by the people in the room"
NOW = datetime.now(timezone.utc).replace(second=0, microsecond=0)
VOTING_OPENS, VOTING_CLOSES = NOW + timedelta(hours=2), NOW + timedelta(hours=5)
LOGIN_LABEL = {"pitching": "Log in to pitch", "voting": "Log in to vote", "closed": "Log in to see your votes"}
PHASE_LINE = {"pitching": "Pitching is open · voting opens", "voting": "Voting is open · closes", "closed": "Voting has closed"}
WIDTHS = [(360, 740), (1280, 900)]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site with an event name, a tagline and a schedule (organizers' switches set the phase)."""
    require("chromium")
    site = Site(tmp_path_factory.mktemp("site"), {
        "LT_EVENT_NAME": EVENT, "LT_EVENT_TAGLINE": TAGLINE, "LT_PITCHING_OPENS": (NOW - timedelta(days=2)).isoformat(),
        "LT_VOTING_OPENS": VOTING_OPENS.isoformat(), "LT_VOTING_CLOSES": VOTING_CLOSES.isoformat()})
    yield site
    site.stop()


@pytest.fixture(scope="module")
def speaker(site):
    """An attendee with a talk of their own, who voted for it and for one other talk."""
    speaker = site.register(name="Grace Hopper")
    talk = site.pitch(speaker, title=f"Nanoseconds on a wire {uuid.uuid4().hex[:4]}")
    other = next(t["_id"] for t in site.call("GET", "/api/session/")[1]["sessions"] if t["_id"] != talk)
    site.phase("voting")
    for voted in (talk, other):
        site.post("/api/vote/action/", {"user": speaker["_id"], "session": voted, "vote": 1})
    return {**speaker, "talk": talk}


@pytest.fixture(scope="module")
def first_cards():
    """Where the first talk card starts at 360×740, by phase and visitor; written for the report."""
    found = {}
    yield found
    artifacts.ARTIFACTS.mkdir(exist_ok=True)
    lines = [f"{phase:9} {who:10} first card at y={y:.0f} px (360×740)" for (phase, who), y in sorted(found.items())]
    (artifacts.ARTIFACTS / "first-card.txt").write_text("\n".join(lines) + "\n")


def no_axe_violations(page):
    """axe in light and in dark, on the page as it stands. Reduced motion: colours must not be caught
    halfway through the buttons' transition to the other scheme."""
    page.emulate_media(reduced_motion="reduce")
    for scheme in ("light", "dark"):
        assert axe_violations(page, scheme) == [], scheme
    page.emulate_media(color_scheme="light")


def shoot(page, name):
    """Screenshots of the first screen, light and dark, as artifacts/homepage-NAME[-dark].png (with --screenshots)."""
    if not artifacts.wanted:
        return
    page.evaluate("window.scrollTo(0, 0)")
    page.emulate_media(reduced_motion="reduce")  # no button caught halfway to the other scheme's colours
    for scheme, suffix in (("light", ""), ("dark", "-dark")):
        page.emulate_media(color_scheme=scheme)
        artifacts.screenshot(page, f"homepage-{name}{suffix}.png")
    page.emulate_media(color_scheme="light")
    artifacts.screenshot(page, f"homepage-{name}-full.png", full_page=True)


def first_card_y(page):
    return page.locator("li.talk").first.bounding_box()["y"]


# 1. The layout follows the phase, phone first.
@pytest.mark.parametrize(("width", "height"), WIDTHS)
@pytest.mark.parametrize("phase", ["pitching", "voting", "closed"])
def test_layout_follows_the_phase(site, open_page, speaker, first_cards, phase, width, height):
    site.phase(phase)
    page = open_page(width=width, height=height)
    expect(page.locator("#login-open")).to_have_text(LOGIN_LABEL[phase])
    expect(page.locator("#account-form")).to_be_hidden()  # a button, not a box above the list
    expect(page.locator("#phase-line")).to_contain_text(PHASE_LINE[phase])
    expect(page.locator(".how-list")).to_be_hidden()  # the longer help is folded away
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    y = first_card_y(page)
    shoot(page, f"{phase}-{width}")
    if width == 360:
        first_cards[(phase, "logged out")] = y
        if phase != "pitching":  # the list is the first thing under the header, well within the first screen
            assert y < height / 2
    no_axe_violations(page)

    page.click("summary")  # the help unfolds in place
    expect(page.locator(".how-list")).to_be_visible()
    no_axe_violations(page)
    page.click("summary")

    page.click("#login-open")  # the form opens in place, the cursor in the email field
    expect(page.locator("#account-form")).to_be_visible()
    expect(page.locator("#account-email")).to_be_focused()
    expect(page.locator("#login-open")).to_have_attribute("aria-expanded", "true")
    shoot(page, f"{phase}-{width}-login")
    no_axe_violations(page)

    log_in(page, speaker)
    expect(page.locator("#account-form")).to_be_hidden()
    y = first_card_y(page)
    if phase == "pitching":  # the pitch form comes first for a signed-in speaker
        assert page.locator("#pitch").bounding_box()["y"] < y
    if phase == "voting":
        total = page.locator("li.talk").count()
        expect(page.locator("#phase-line")).to_contain_text(f"you voted for 2 of {total}")
    if width == 360:
        first_cards[(phase, "signed in")] = y
    shoot(page, f"{phase}-{width}-signed-in")
    no_axe_violations(page)


# 2. The event has a name and dates, shown in the visitor's time zone.
@pytest.mark.parametrize(("width", "height"), WIDTHS)
def test_event_name_and_dates_in_the_visitors_time_zone(site, new_context, width, height):
    site.phase("voting")
    page = new_context(viewport={"width": width, "height": height}, timezone_id="Asia/Tokyo").new_page()
    page.goto(site.url + "/")
    expect(page.locator("h1")).to_have_text(f"⚡ {EVENT}")
    expect(page.locator(".tagline")).to_have_text(TAGLINE)
    assert EVENT in page.title()
    closes = page.locator("#phase-line time")
    tokyo = VOTING_CLOSES.astimezone(timezone(timedelta(hours=9)))
    expect(closes).to_contain_text(f"{tokyo:%I}:{tokyo:%M}".lstrip("0"))  # Tokyo time, not the server's UTC
    expect(closes).not_to_contain_text("UTC")
    expect(closes).to_contain_text(re.compile(r"\(in [45] h \d+ min\)"))  # the last day counts down
    no_axe_violations(page)


# 3. No flash of the wrong state; no console error for a logged-out visitor.
@pytest.mark.parametrize(("width", "height"), WIDTHS)
def test_no_flash_of_the_wrong_state(site, open_page, speaker, width, height):
    site.phase("voting")
    page = open_page(width=width, height=height)
    log_in(page, speaker)
    held = []
    page.route("**/api/user/me", lambda route: held.append(route))  # /api/user/me is "on its way" until we let it go
    page.reload()
    expect(page.locator("#me-pending")).to_be_visible()
    for hidden in ("#account-form", "#login-open", "button.vote"):
        expect(page.locator(hidden).first).to_be_hidden()
    shoot(page, f"voting-{width}-pending")
    no_axe_violations(page)
    held[0].continue_()
    expect(page.locator("#me-name")).to_have_text(speaker["name"])
    expect(card(page, speaker["talk"]).locator("button.vote")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#me-pending")).to_be_hidden()


@pytest.mark.parametrize(("width", "height"), WIDTHS)
def test_logged_out_load_logs_no_console_error(site, new_context, width, height):
    site.phase("voting")
    page = new_context(viewport={"width": width, "height": height}).new_page()
    errors, asked = [], []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("request", lambda request: "/api/user/me" in request.url and asked.append(request.url))
    page.goto(site.url + "/")
    expect(page.locator("#login-open")).to_be_visible()
    expect(page.locator("button.vote").first).to_be_visible()
    page.wait_for_timeout(500)
    assert (errors, asked) == ([], [])


# 4. A phase change reaches every open page.
@pytest.mark.parametrize(("width", "height"), WIDTHS)
def test_phase_change_reaches_an_open_page(site, open_page, speaker, width, height):
    site.phase("voting")
    page = open_page(width=width, height=height)
    log_in(page, speaker)
    expect(page.locator("button.vote").first).to_be_enabled()
    site.phase("closed")
    poll_within_live_ms(page)
    notice = page.locator("#phase-notice")
    expect(notice).to_contain_text("Voting has closed", timeout=LIVE_MS)
    for button in page.locator("button.vote").all():
        expect(button).to_be_disabled()  # at once, not after a failed click
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    assert notice.bounding_box()["y"] == 0  # sticky: in sight wherever the visitor is
    shoot(page, f"voting-{width}-phase-changed")
    no_axe_violations(page)


# 5. Speakers own their pitches.
@pytest.mark.parametrize(("width", "height"), WIDTHS)
def test_speaker_edits_and_withdraws_own_talk(site, open_page, width, height):
    owner = site.register(name="Katherine Johnson")
    mine = site.pitch(owner, title=f"Orbits by hand {uuid.uuid4().hex[:4]}")
    someone_else = site.pitch(site.register(name="Dorothy Vaughan"), title=f"FORTRAN {uuid.uuid4().hex[:4]}")
    page = open_page(width=width, height=height)
    log_in(page, owner)
    own = card(page, mine)
    expect(own.locator(".badge-own")).to_have_text("Your talk")
    expect(card(page, someone_else).locator(".own")).to_have_count(0)
    expect(page.locator("#my-pitches-link")).to_have_text("Your pitches (1)")
    expect(page.locator("#my-pitch-list a")).to_have_attribute("href", f"#title-{mine}")
    shoot(page, f"pitching-{width}-own-talk")
    no_axe_violations(page)

    own.locator(".own-edit").click()
    expect(page.locator("#pitch-heading")).to_have_text("Edit your talk")
    expect(page.locator("#pitch-title")).to_be_focused()
    new_title = f"Orbital mechanics by hand {uuid.uuid4().hex[:4]}"
    page.fill("#pitch-title", new_title)
    no_axe_violations(page)
    page.click("#pitch-submit")
    expect(page.locator("#pitch-status")).to_contain_text("Saved")
    expect(own.locator(".talk-title")).to_have_text(new_title, timeout=LIVE_MS)
    expect(page.locator("#pitch-heading")).to_have_text("Pitch a talk")
    assert site.call("GET", f"/api/session/?_id={mine}")[1]["session"]["title"] == new_title

    own.locator(".own-withdraw").click()  # dismissed: nothing happens
    assert page.dialogs[-1].startswith(f"Withdraw “{new_title}”?")
    page.wait_for_timeout(300)
    expect(own).to_be_visible()
    page.confirm = True
    own.locator(".own-withdraw").click()
    expect(own).to_have_count(0, timeout=LIVE_MS)
    expect(page.locator("#my-pitches-link")).to_be_hidden()
    assert site.call("GET", f"/api/session/?_id={mine}")[0] == 404
    no_axe_violations(page)


# 7. Errors that say what to do, and keep what was typed.
@pytest.mark.parametrize(("width", "height"), WIDTHS)
def test_account_errors_say_what_to_do(site, open_page, width, height):
    known = site.register(name="Mary Jackson")
    page = open_page(width=width, height=height)
    open_login(page)
    new_email = f"{uuid.uuid4().hex[:10]}@example.org"
    page.fill("#account-email", new_email)
    page.fill("#account-password", "wind tunnel")
    page.click("#account-submit")
    # The server does not say whether the email has an account, so the page offers both ways out.
    login_error = page.locator("#account-password-error")
    expect(login_error).to_contain_text("Wrong password, or no account with this email.")
    no_axe_violations(page)
    login_error.get_by_role("button", name="Create an account").click()
    expect(page.locator("#account-name")).to_be_focused()
    expect(page.locator("#account-email")).to_have_value(new_email)
    expect(page.locator("#account-password")).to_have_value("wind tunnel")

    page.fill("#account-name", "Someone")
    page.fill("#account-email", known["email"])
    page.click("#account-submit")
    error = page.locator("#account-email-error")
    expect(error).to_contain_text("This email already has an account.")
    shoot(page, f"pitching-{width}-account-error")
    no_axe_violations(page)
    error.get_by_role("button", name="Log in instead").click()
    expect(page.locator("#account-submit")).to_have_text("Log in")
    expect(page.locator("#account-email")).to_have_value(known["email"])
    expect(page.locator("#account-password")).to_be_focused()

    page.fill("#account-email", "mary@localhost")
    page.click("#account-submit")
    expect(error).to_have_text("The part after the @ should be a domain, like mary@example.org.")
    expect(page.locator("#account-email")).to_have_attribute("aria-invalid", "true")


# 8. Results worth looking at.
@pytest.mark.parametrize(("width", "height"), WIDTHS)
def test_results_rank_on_stage_first_with_the_line(site, open_page, speaker, width, height):
    site.phase("voting")
    ids = [t["_id"] for t in site.call("GET", "/api/session/")[1]["sessions"]]
    on_stage, tied = ids[-1], ids[-3:-1]
    site.update_talks({}, {"accepted": False})
    site.update_talks({"_id": on_stage}, {"accepted": True})
    site.update_talks({"_id": {"$in": tied}}, {"votes": 1000})
    site.phase("closed")
    page = open_page(width=width, height=height)
    items = page.locator("#talks > li")
    expect(items.nth(0)).to_have_attribute("data-id", on_stage)
    expect(items.nth(0).locator(".badge-accepted")).to_have_text("On stage")
    expect(items.nth(1)).to_have_class("cutoff")
    expect(items.nth(1)).to_have_text("Not on stage this time")
    expect(items.nth(2).locator(".rank")).to_have_text("Rank =1")  # two talks tie for first
    expect(items.nth(3).locator(".rank")).to_have_text("Rank =1")
    expect(page.locator("#summary")).to_contain_text(re.compile(r"^\d+ talks · \d+ voters · \d+ votes$"))
    expect(page.locator("#results-intro")).to_be_hidden()  # no thanks for voting to a visitor not logged in
    shoot(page, f"closed-{width}-results")
    no_axe_violations(page)

    log_in(page, speaker)
    expect(card(page, speaker["talk"]).locator(".badge-voted")).to_have_text("Your vote")
    expect(page.locator(".badge-voted")).to_have_count(2)
    expect(page.locator("#results-intro")).to_contain_text("Thank you for voting!")
    no_axe_violations(page)
    site.update_talks({"_id": {"$in": tied}}, {"votes": 0})
    site.update_talks({}, {"accepted": False})


@pytest.fixture(scope="module")
def hidden_counts_site(tmp_path_factory):
    """A second site with LT_SHOW_COUNTS=after."""
    require("chromium")
    site = Site(tmp_path_factory.mktemp("after"), {"LT_SHOW_COUNTS": "after"})
    yield site
    site.stop()


@pytest.mark.parametrize("phase", ["voting", "closed"])
def test_counts_only_in_the_results_when_shown_after(hidden_counts_site, new_context, phase):
    hidden_counts_site.phase(phase)
    for width, height in WIDTHS:
        page = new_context(viewport={"width": width, "height": height}).new_page()
        page.goto(hidden_counts_site.url + "/")
        expect(page.locator("li.talk").first).to_be_visible()
        expect(page.locator(".count")).to_have_count(0 if phase == "voting" else page.locator("li.talk").count())
        no_axe_violations(page)


# 9. Small things.
@pytest.mark.parametrize(("width", "height"), WIDTHS)
def test_voted_button_stays_put_as_the_count_grows(site, open_page, width, height):
    voter = site.register(name="Annie Easley")
    talk = site.pitch(site.register(name="Mae Jemison"), title=f"Nine to ten {uuid.uuid4().hex[:4]}")
    site.phase("voting")
    site.update_talks({"_id": talk}, {"votes": 8})
    page = open_page(width=width, height=height)
    log_in(page, voter)
    button = card(page, talk).locator("button.vote")
    button.scroll_into_view_if_needed()
    before = button.bounding_box()
    with page.expect_response("**/api/vote/action/"):  # the vote is counted (9 shows at once) before others vote
        button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    expect(button.locator(".vote-label")).to_have_text("Voted")
    expect(button).to_have_accessible_name(re.compile("^Vote for Nine to ten"))  # the name stays; pressed says it
    expect(card(page, talk).locator(".count-number")).to_have_text("9")
    site.update_talks({"_id": talk}, {"votes": 10})  # others vote: 10 is wider than 9
    poll_within_live_ms(page)
    expect(card(page, talk).locator(".count-number")).to_have_text("10", timeout=LIVE_MS)
    after = button.bounding_box()
    assert (after["x"], after["y"], after["width"]) == (before["x"], before["y"], before["width"])
    no_axe_violations(page)


def test_accepted_talk_has_no_stripe_while_voting(site, open_page):
    site.phase("voting")
    ids = [t["_id"] for t in site.call("GET", "/api/session/")[1]["sessions"]]
    site.update_talks({"_id": ids[0]}, {"accepted": True})
    try:
        for width, height in WIDTHS:
            page = open_page(width=width, height=height)
            edge = "(item) => getComputedStyle(item.querySelector('.talk-card')).borderLeftColor"
            assert card(page, ids[0]).evaluate(edge) == card(page, ids[1]).evaluate(edge)
    finally:
        site.update_talks({"_id": ids[0]}, {"accepted": False})


@pytest.mark.parametrize(("width", "height"), WIDTHS)
def test_go_to_the_login_form_moves_focus_to_the_email_field(site, open_page, width, height):
    site.phase("voting")
    page = open_page(width=width, height=height)
    item = page.locator("li.talk").first
    item.locator("button.vote").click()
    item.get_by_role("link", name="Go to the login form").click()
    expect(page.locator("#account-form")).to_be_visible()
    expect(page.locator("#account-email")).to_be_focused()
    no_axe_violations(page)


EMPTY = {"pitching": "No talks pitched yet — be the first!", "voting": "No talks to vote on: none were pitched.",
         "closed": "No talks were pitched, so there are no results."}


def test_empty_state_per_phase(hidden_counts_site, new_context):
    site = hidden_counts_site
    site.update_talks({}, {"hidden": True})
    try:
        for phase in ("pitching", "voting", "closed"):
            site.phase(phase)
            for width, height in WIDTHS:
                page = new_context(viewport={"width": width, "height": height}).new_page()
                page.goto(site.url + "/")
                expect(page.locator("#no-talks")).to_have_text(EMPTY[phase])
                expect(page.locator("li.talk")).to_have_count(0)
                shoot(page, f"{phase}-{width}-empty")
                no_axe_violations(page)
    finally:
        site.update_talks({}, {"hidden": False})
