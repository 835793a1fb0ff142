"""The dashboard in Debian's Chromium as organizers see it: accessible in light and dark (axe), usable on
a phone, anchored rows visible below the sticky bar. Screenshots go to artifacts/ (with --screenshots)."""
import pytest
from playwright.sync_api import expect

from tests.a11y import axe_violations
from tests.artifacts import screenshot
from tests.stack_helpers import wait_until

pytestmark = pytest.mark.browser

PAGES = ["", "voters", "speakers", "nowhere"]  # the last: the 404 page
PHONE = {"width": 360, "height": 740}


@pytest.fixture
def organizer_page(dashboard_url, new_context):
    """A browser page logged in to the dashboard, at a given viewport. It needs the served dashboard, so its
    pages close before that server stops (a request in flight would be cut off)."""
    def organizer_page(viewport):
        context = new_context(viewport=viewport, http_credentials={"username": "organizer", "password": "organizer"})
        return context.new_page()
    return organizer_page


def bar_bottom(page):
    return page.evaluate("document.querySelector('header.bar').getBoundingClientRect().bottom")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 900}, PHONE], ids=["laptop", "phone"])
def test_every_page_passes_axe(organizer_page, dashboard_url, scheme, viewport):
    page = organizer_page(viewport)
    page.goto(dashboard_url)
    voters_of_a_talk = page.locator("details.voters a").first.get_attribute("href").removeprefix("/api/dashboard/")
    found = {}
    for path in [*PAGES, voters_of_a_talk]:
        page.goto(dashboard_url + path)
        found[path] = axe_violations(page, scheme)
    assert found == {path: [] for path in found}


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_on_a_phone_the_ranking_is_cards_and_the_bar_is_small(organizer_page, dashboard_url, scheme):
    page = organizer_page(PHONE)
    page.emulate_media(color_scheme=scheme)
    for path in PAGES:
        page.goto(dashboard_url + path)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], path
        assert bar_bottom(page) <= 80, path  # two short lines, of 740 px
    page.goto(dashboard_url)
    rows = page.locator("table.ranking tbody tr[id^=talk-]")
    assert rows.first.evaluate("row => getComputedStyle(row).display") == "block"
    boxes = [rows.nth(i).bounding_box() for i in range(3)]
    assert all(box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] for box in boxes)
    assert boxes[0]["y"] + boxes[0]["height"] <= boxes[1]["y"]  # stacked, one card per talk
    assert "Votes: " in rows.first.locator("td.num").first.aria_snapshot()  # each number says what it counts
    screenshot(page, f"dashboard-phone-{scheme}.png", full_page=True)


@pytest.mark.parametrize("width", [1280, 1000, 360])
def test_an_anchored_row_shows_below_the_sticky_bar(organizer_page, dashboard_url, width):
    page = organizer_page({"width": width, "height": 700})
    page.goto(dashboard_url)
    row = page.locator("table.ranking tbody tr[id^=talk-]").nth(8)
    # Accepting sends the browser back to the row's anchor, as does any link to a talk.
    row.get_by_role("button", name="Accept").click()
    target = page.locator(f"#{row.get_attribute('id')}")
    expect(target.locator(".badge.ok")).to_have_text("accepted")
    # Polled from here: wait_for_function's repeated checks are evals, which the page's CSP refuses.
    wait_until(lambda: page.evaluate("window.scrollY") > 0, timeout=5)
    assert target.bounding_box()["y"] >= bar_bottom(page)
    assert target.bounding_box()["y"] < 700  # and in view
