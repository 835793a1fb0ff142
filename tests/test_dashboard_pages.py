"""The dashboard as a browser app: error pages for browsers and JSON for API clients, short addresses,
one h1 per page and scoped table headers. (Its look on a phone and in dark mode: test_dashboard_browser.py.)"""
import re

import pytest

ORGANIZER = ("organizer", "organizer")
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
TALK = "7b0c8f5e-2f4a-4c56-9c55-0d4f3e2a9b11"
PAGES = ["/api/dashboard/", "/api/dashboard/voters", "/api/dashboard/speakers"]


def stale_form(client):
    """A browser posting a form whose token is no longer (or never was) valid."""
    return client.post("/api/dashboard/phase", data={"phase": "closed", "csrf_token": "stale"}, auth=ORGANIZER,
                       headers={**BROWSER, "Origin": "http://localhost"})


ERRORS = [
    (lambda client, headers: client.get("/api/dashboard/", headers=headers), 401, "Organizers only"),
    (lambda client, headers: client.get("/api/dashboard/nowhere", auth=ORGANIZER, headers=headers), 404, "Not found"),
    (lambda client, headers: client.get("/api/dashboard/talks/not-a-uuid/voters", auth=ORGANIZER, headers=headers),
     404, "Not found"),
    (lambda client, headers: client.get(f"/api/dashboard/talks/{TALK}/voters", auth=ORGANIZER, headers=headers),
     404, "No such talk"),
    (lambda client, headers: client.get("/api/dashboard/phase", auth=ORGANIZER, headers=headers), 405, "not allowed"),
]


@pytest.mark.parametrize(("request_", "status", "text"), ERRORS)
def test_browsers_get_an_error_page(client, request_, status, text):
    reply = request_(client, BROWSER)
    page = reply.get_data(as_text=True)
    assert reply.status_code == status
    assert reply.mimetype == "text/html"
    assert re.search(rf"<h1>{status} · [A-Z][^<]+</h1>", page)
    assert text in page
    assert 'href="/api/dashboard/"' in page  # a way back
    assert reply.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("accept", [None, "application/json", "*/*"])
@pytest.mark.parametrize(("request_", "status", "text"), ERRORS)
def test_api_clients_get_json_errors(client, request_, status, text, accept):
    reply = request_(client, {"Accept": accept} if accept else {})
    assert reply.status_code == status
    assert reply.json["success"] is False and text in reply.json["text"]


def test_the_login_page_still_asks_the_browser_for_the_password(client):
    reply = client.get("/api/dashboard/", headers=BROWSER)
    assert reply.headers["WWW-Authenticate"].startswith("Basic ")


def test_a_stale_form_is_a_page_saying_to_reload_and_changes_nothing(client):
    before = client.get("/api/health").json["phase"]
    reply = stale_form(client)
    page = reply.get_data(as_text=True)
    assert (reply.status_code, reply.mimetype) == (403, "text/html")
    assert "out of date" in page and "Nothing was changed" in page and "Reload the page" in page
    assert client.get("/api/health").json["phase"] == before


@pytest.mark.parametrize("path", ["/dashboard", "/dashboard/", "/api/dashboard"])
def test_short_addresses_lead_to_the_dashboard(client, path):
    reply = client.get(path)
    assert reply.status_code in (301, 308)
    assert reply.headers["Location"].endswith("/api/dashboard/")


@pytest.mark.parametrize("path", PAGES)
def test_each_page_has_one_h1_and_scoped_table_headers(client, path):
    page = client.get(path, auth=ORGANIZER).get_data(as_text=True)
    assert page.count("<h1") == 1
    headers = re.findall(r"<th\b[^>]*>", page)
    assert all('scope="' in header for header in headers)


def test_the_guide_is_linked_and_served(client):
    page = client.get("/api/dashboard/", auth=ORGANIZER).get_data(as_text=True)
    assert 'href="/api/dashboard/guide"' in page
    guide = client.get("/api/dashboard/guide", auth=ORGANIZER)
    assert guide.mimetype == "text/plain" and "# Running an event" in guide.get_data(as_text=True)
    guide.close()
