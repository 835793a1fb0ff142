"""The dashboard in Debian's Chromium: it renders with its own CSS and script under the strict CSP,
its buttons work, and it fits a tablet. Screenshots go to artifacts/ (with --screenshots)."""
import pytest
from playwright.sync_api import expect

from tests.artifacts import screenshot

pytestmark = pytest.mark.browser


def test_dashboard_in_a_browser(dashboard_url, new_context):  # the server first, so it stops after the page closes
    context = new_context(viewport={"width": 1280, "height": 900},
                          http_credentials={"username": "organizer", "password": "organizer"})
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(dashboard_url)
    expect(page.locator("#phase")).to_have_text("voting")
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("system-ui")  # the CSS loaded
    expect(page.locator("tr.cutoff-row")).to_contain_text("Top 5 cutoff")
    screenshot(page, "dashboard.png", full_page=True)

    first = page.locator("table.ranking tbody tr[id^=talk-]").first
    first.locator("details summary").click()
    expect(first.locator("details #voters-list li").first).to_be_visible()  # loaded by dashboard.js
    first.get_by_role("button", name="Accept").click()
    expect(page.locator("table.ranking tbody tr[id^=talk-]").first.locator(".badge.ok")).to_have_text("accepted")
    expect(page.locator("table.audit")).to_contain_text("accept")

    page.once("dialog", lambda dialog: dialog.accept())  # dashboard.js asks before hiding
    page.locator("table.ranking tbody tr[id^=talk-]").first.get_by_role("button", name="Hide").click()
    expect(page.locator("tr.hidden .badge.warn")).to_have_text("hidden")

    page.set_viewport_size({"width": 820, "height": 1180})  # a tablet in portrait
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "dashboard-tablet.png")
    page.goto(dashboard_url + "voters")
    expect(page.locator("#robustness-card")).to_contain_text("Yes.")
    assert errors == []
