"""The organizer's decision in Debian's Chromium: accept the top N through a tie, switch the phase
deliberately, tell speakers (refused, then sent through aiosmtpd), set the running order by keyboard.
axe finds nothing on each page, light and dark; screenshots go to artifacts/ (with --screenshots)."""
import pytest
from playwright.sync_api import expect

from app import phases
from tests import artifacts
from tests.a11y import axe_violations
from tests.helpers import require

pytestmark = pytest.mark.browser

TITLES = ("Clear winner", "Tied B", "Tied C", "Last")


@pytest.fixture
def event_url(app, client, register, pitch, set_phase, serve_http):
    """LT_TOP_N=2 and votes 3, 2, 2, 1: a tie across the line; voting open (by the dashboard's switch,
    not LT_PHASE, so the dashboard can switch it). The dashboard's URL."""
    require("chromium")
    app.config.update(TOP_N=2, EVENT_NAME="PyCon", EVENT_DATE="2026-03-14", EVENT_TIME="18:30", EVENT_PLACE="Main hall")
    ids = {title: pitch(register(name=f"Speaker of {title}", email=f"{title.split()[-1].lower()}@example.org"),
                        title=title, description=f"Five minutes on {title.lower()}.") for title in TITLES}
    set_phase("voting")
    for ballot in (TITLES, TITLES[:3], TITLES[:1]):
        voter = register()
        for title in ballot:
            vote = {"user": voter["_id"], "session": ids[title], "vote": 1}
            assert client.post("/api/vote/action/", data=vote).status_code == 200
    set_phase("")
    with app.app_context():
        phases.switch("voting", "setup")
    return serve_http(app) + "/api/dashboard/"


@pytest.fixture
def organizer(event_url, new_context):
    """A logged-in organizer's tab that records console errors; it closes before the event's server stops."""
    context = new_context(viewport={"width": 1280, "height": 900},
                          http_credentials={"username": "organizer", "password": "organizer"})
    page = context.new_page()
    page.errors = []
    page.on("console", lambda message: page.errors.append(message.text) if message.type == "error" else None)
    return page


def assert_accessible(page):
    for scheme in ("light", "dark"):
        assert axe_violations(page, scheme) == [], f"{page.url} in {scheme}"
    page.emulate_media(color_scheme="light")


def switch_phase(page, url, button, target):
    """Switch the phase as an organizer does: the switch, then the confirmation."""
    page.goto(url)
    page.get_by_role("button", name=button).click()
    page.get_by_role("button", name=f"Yes, switch to {target}").click()
    expect(page.locator("#phase")).to_have_text(target)


def test_accept_the_top_n_deciding_the_tie(organizer, event_url):
    page = organizer
    page.goto(event_url)
    page.get_by_role("link", name="Accept the top 2…").click()
    expect(page.locator("#sure")).to_have_text("1 talk will be accepted")
    expect(page.locator("#tie legend")).to_have_text("Tie across the line: 2 talks have 2 votes for 1 place")
    expect(page.locator(".note.warning").first).to_contain_text("Voting is still open")
    assert_accessible(page)
    page.get_by_label("Tied C").check()
    artifacts.whole_page(page, "organizer-01-accept-top-n.png")
    page.get_by_role("button", name="Accept the chosen talks").click()

    accepted = page.locator("table.ranking tr.accepted .title")
    expect(accepted).to_have_text(["Clear winner", "Tied C"])
    expect(page.locator("table.audit tbody tr").first).to_contain_text("accept top 2")
    expect(page.locator("table.audit tbody tr").first).to_contain_text("chose Tied C over Tied B")
    artifacts.whole_page(page, "organizer-02-accepted.png")
    assert page.errors == []


def test_switching_the_phase_asks_first(organizer, event_url):
    page = organizer
    page.goto(event_url)
    expect(page.locator("#phase")).to_have_text("voting")
    expect(page.get_by_role("button", name="Open voting…")).to_have_count(0)  # the current phase is a state
    assert_accessible(page)
    page.get_by_role("button", name="Close voting…").click()
    expect(page.get_by_role("heading", level=2).first).to_have_text("Switch from voting to closed?")
    assert_accessible(page)
    artifacts.whole_page(page, "organizer-03-phase-confirm.png")
    page.get_by_role("link", name="Cancel").click()
    expect(page.locator("#phase")).to_have_text("voting")

    switch_phase(page, event_url, "Close voting…", "closed")
    expect(page.locator("table.audit tbody tr").first).to_contain_text("was voting, in force: closed (via dashboard)")
    assert page.errors == []


def test_tell_speakers_refused_while_voting_then_sent(organizer, event_url, inbox):  # noqa: F811
    page = organizer
    page.goto(event_url + "speakers")
    expect(page.locator("#refusal")).to_contain_text("Voting is still open (phase: voting)")
    expect(page.get_by_role("button", name="Send", exact=False)).to_have_count(0)
    artifacts.whole_page(page, "organizer-04-tell-speakers-refused.png")

    switch_phase(page, event_url, "Close voting…", "closed")
    page.goto(event_url + "speakers")
    expect(page.locator("#refusal")).to_contain_text("No talk is accepted yet")
    page.goto(event_url + "accept-top")
    page.get_by_label("Tied B").check()
    page.get_by_role("button", name="Accept the chosen talks").click()

    page.goto(event_url + "speakers")
    expect(page.locator("#hearing")).to_have_text("2 speakers will hear “accepted” and 2 “not this time”.")
    page.get_by_label("Subject").first.fill("On stage at {event}: {title}")
    page.get_by_role("button", name="Preview").click()
    expect(page.locator("table.mails")).to_contain_text("On stage at PyCon: Clear winner")
    page.get_by_role("button", name="Save the wording").click()
    assert_accessible(page)
    artifacts.whole_page(page, "organizer-05-tell-speakers.png")
    page.once("dialog", lambda dialog: dialog.accept())  # dashboard.js asks before sending
    page.get_by_role("button", name="Send 4 emails").click()
    expect(page.get_by_role("heading", name="Sent 4 emails")).to_be_visible()
    assert sorted(to[0] for to, _ in inbox.messages) == [
        "b@example.org", "c@example.org", "last@example.org", "winner@example.org"]
    winner = next(body for to, body in inbox.messages if to == ["winner@example.org"])
    assert "Subject: On stage at PyCon: Clear winner" in winner
    assert "on 2026-03-14 at 18:30,\nat Main hall." in winner.replace("\r\n", "\n")
    assert page.errors == []


def test_running_order_by_keyboard(organizer, event_url):
    page = organizer
    page.goto(event_url + "accept-top")
    page.get_by_label("Tied B").check()
    page.get_by_label("Tied C").check()  # all tied: three talks
    page.get_by_role("button", name="Accept the chosen talks").click()

    page.goto(event_url + "programme")
    rows = page.locator("table.programme tbody .title")
    expect(rows).to_have_text(["Clear winner", "Tied B", "Tied C"])
    page.get_by_role("button", name="Move “Clear winner” down").focus()
    page.keyboard.press("Enter")
    expect(rows).to_have_text(["Tied B", "Clear winner", "Tied C"])
    # The moved talk's button has the focus again, so Enter moves it on.
    expect(page.get_by_role("button", name="Move “Clear winner” down")).to_be_focused()
    page.keyboard.press("Enter")
    expect(rows).to_have_text(["Tied B", "Tied C", "Clear winner"])
    expect(page.get_by_role("button", name="Move “Clear winner” up")).to_be_focused()  # down is disabled now
    assert_accessible(page)
    artifacts.whole_page(page, "organizer-06-programme.png")
    with page.expect_download() as download:
        page.get_by_role("link", name="programme.csv").click()
    assert download.value.suggested_filename == "pycon-2026-03-14-programme.csv"
    assert page.errors == []
