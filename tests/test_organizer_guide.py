"""docs/organizers.md, played in Chromium: an event from the dates to the published results, one
screenshot per step (artifacts/organizer-NN-step.png, which the guide shows), mail through aiosmtpd.
The screenshots are taken with --screenshots (`fab tests --screenshots --args tests/test_organizer_guide.py`)."""
import re
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect

from app import demo
from app.homepage import site
from tests.a11y import axe_violations
from tests.artifacts import ARTIFACTS, screenshot
from tests.helpers import require

pytestmark = pytest.mark.browser

RING = "203.0.113.9"
GUIDE = ARTIFACTS.parent / "docs" / "organizers.md"


@pytest.fixture
def event_url(app, inbox, serve_http):  # noqa: F811
    """The whole site (homepage too) on an empty database with the event's dates set, served for the test."""
    require("chromium")
    morning = datetime.now(timezone.utc).replace(hour=9, minute=0, second=0, microsecond=0)
    app.config.update(TOP_N=3, PITCHING_OPENS=morning + timedelta(days=1), VOTING_OPENS=morning + timedelta(days=3),
                      VOTING_CLOSES=morning + timedelta(days=4, hours=8),
                      EVENT_DATE=(morning + timedelta(days=5)).date().isoformat(), EVENT_TIME="18:00",
                      EVENT_PLACE="Main hall")
    app.register_blueprint(site.bp)
    return serve_http(app)


def shot(target, number, step):
    """Take the screenshot docs/organizers.md shows for this step; its file name."""
    name = f"organizer-{number:02d}-{step}.png"
    screenshot(target, name)
    return name


def switch(page, button, phase):
    """Switch the phase as the guide says: the switch, then its confirmation (none if the dates already did)."""
    if page.locator("#phase").text_content() == phase:
        return
    page.get_by_role("button", name=f"{button}…").click()
    page.get_by_role("button", name=f"Yes, switch to {phase}").click()
    expect(page.locator("#phase")).to_have_text(phase)


def puppets(app, talk_id, n=6):
    """Sock puppets from one address and browser pushing one talk, as the fraud screen should catch."""
    client = app.test_client()
    for i in range(n):
        user = client.post("/api/user/action/", environ_base={"REMOTE_ADDR": RING}, data={
            "email": f"puppet{i}@mailinator.com", "password": "password1", "name": f"Puppet {i}",
            "fingerprint": "f00d"}).json
        assert client.post("/api/vote/action/", environ_base={"REMOTE_ADDR": RING}, data={
            "user": user["_id"], "session": talk_id, "vote": 1, "fingerprint": "f00d"}).status_code == 200


def test_an_event_from_the_dates_to_the_published_results(app, db, inbox, event_url, new_context):  # noqa: F811
    context = new_context(viewport={"width": 1100, "height": 800},
                          http_credentials={"username": "organizer", "password": "organizer"})
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # the confirmations of quarantine and send
    page.goto(event_url + "/dashboard")  # the short address
    cards = page.locator("section.cards")
    taken = []

    # 1. The dates are settings; the dashboard shows them.
    expect(cards).to_contain_text(app.config["VOTING_OPENS"].strftime("%a %d %b 09:00"))
    taken.append(shot(cards, 1, "dates"))

    # 2. Open pitching; attendees pitch.
    switch(page, "Open pitching", "pitching")
    taken.append(shot(cards, 2, "pitching"))

    # 3. Open voting; attendees vote (demo data), and a ring of puppets pushes a talk.
    switch(page, "Open voting", "voting")
    with app.app_context():
        demo.load(40, 10, 200, seed=3)
    pushed = db.sessions.find_one(sort=[("votes", 1)])
    puppets(app, pushed["_id"])
    assert db.sessions.find_one({"_id": pushed["_id"]})["votes"] == pushed["votes"] + 6
    page.reload()
    taken.append(shot(page, 3, "voting"))

    # 4. Screen for fakes, and quarantine the suspects: their votes stop counting.
    page.get_by_role("link", name="Honest voting").click()
    expect(page.locator("table.suspects")).to_contain_text("puppet0@mailinator.com")
    taken.append(shot(page, 4, "screen"))
    page.get_by_role("button", name="Quarantine all").click()
    expect(page.locator("tr.quarantined").first).to_be_visible()
    assert db.sessions.find_one({"_id": pushed["_id"]})["votes"] == pushed["votes"]  # the puppets' no longer count

    # 5. Close voting.
    page.get_by_role("link", name="Overview & ranking").click()
    switch(page, "Close voting", "closed")
    taken.append(shot(cards, 5, "close"))

    # 6. Accept the top 3.
    rows = page.locator("table.ranking tbody tr[id^=talk-]")
    for i in range(3):
        rows.nth(i).get_by_role("button", name="Accept").click()
        expect(rows.nth(i).locator(".badge.ok")).to_have_text("accepted")
    taken.append(shot(page.locator("section:has(#ranking)"), 6, "accept"))

    # 7. Tell speakers: preview, then send, once each.
    page.get_by_role("link", name="Tell speakers").click()
    assert [axe_violations(page, scheme) for scheme in ("light", "dark")] == [[], []]
    page.emulate_media(color_scheme="light")
    taken.append(shot(page, 7, "tell"))
    page.get_by_role("button", name="Send 10 emails").click()
    expect(page.locator("h2")).to_have_text("Sent 10 emails")
    assert len(inbox.messages) == 10
    assert sum("is on stage" in body for _, body in inbox.messages) == 3

    # 8. Publish: the homepage shows the results with the accepted talks marked.
    page.goto(event_url + "/")
    expect(page.locator("header")).to_contain_text("Voting has closed")
    expect(page.locator("#summary")).to_contain_text("10 talks")
    page.evaluate("window.scrollTo(0, document.querySelector('#summary').offsetTop - 80)")
    taken.append(shot(page, 8, "publish"))

    # The guide shows every screenshot taken here.
    assert set(taken) <= set(re.findall(r"\(\.\./artifacts/(organizer-[0-9]{2}-[a-z-]+\.png)\)", GUIDE.read_text()))
