"""The programme: accepted talks in a running order the organizer sets, and its downloads."""
import csv
import io
import json

import pytest

ORGANIZER = ("organizer", "organizer")
HTML = {"Accept": "text/html"}


@pytest.fixture
def accepted(app, client, db, register, pitch, set_phase):
    """Three accepted talks by votes 3, 2, 1 ("First", "Second", "Third"), one not accepted; titles -> ids."""
    app.config.update(EVENT_NAME="PyCon Lightning Talks", EVENT_DATE="2026-03-14")
    speaker = register(name="Grace Hopper", email="grace@example.org")
    ids = {title: pitch(speaker, title=title, description=f"All about {title.lower()}.")
           for title in ("First", "Second", "Third", "Not accepted")}
    voters = [register(name=f"Voter {n}") for n in range(3)]
    set_phase("voting")
    for voter, titles in zip(voters, (("First", "Second", "Third"), ("First", "Second"), ("First",))):
        for title in titles:
            client.post("/api/vote/action/", data={"user": voter["_id"], "session": ids[title], "vote": 1})
    set_phase("closed")
    db.sessions.update_many({"title": {"$in": ["First", "Second", "Third"]}}, {"$set": {"accepted": True}})
    return ids


def move(client, token, talk_id, direction):
    return client.post("/api/dashboard/programme/move", auth=ORGANIZER, headers=HTML,
                       data={"csrf_token": token, "talk": talk_id, "direction": direction})


def order_of(client):
    rows = csv.DictReader(io.StringIO(client.get("/api/dashboard/programme.csv", auth=ORGANIZER).get_data(as_text=True)))
    return [(row["order"], row["title"]) for row in rows]


def test_the_programme_starts_in_vote_order_with_accepted_talks_only(client, accepted):
    page = client.get("/api/dashboard/programme", auth=ORGANIZER).get_data(as_text=True)
    assert page.index("First") < page.index("Second") < page.index("Third")
    assert "Not accepted" not in page
    assert order_of(client) == [("1", "First"), ("2", "Second"), ("3", "Third")]


def test_moving_a_talk_changes_the_order_and_is_audited(client, db, accepted, csrf_token):
    reply = move(client, csrf_token, accepted["Third"], "up")
    assert reply.status_code == 303
    assert reply.headers["Location"].endswith(f"/api/dashboard/programme?moved={accepted['Third']}&direction=up")
    assert order_of(client) == [("1", "First"), ("2", "Third"), ("3", "Second")]
    # After the reload, the moved talk's button has the focus, for a keyboard user to go on.
    page = client.get(reply.headers["Location"], auth=ORGANIZER).get_data(as_text=True)
    row = page[page.index(f'id="slot-{accepted["Third"]}"'):]
    assert 'value="up" class="quiet" aria-label="Move “Third” up" autofocus' in row[:row.index("</tr>")]
    move(client, csrf_token, accepted["First"], "down")
    assert order_of(client) == [("1", "Third"), ("2", "First"), ("3", "Second")]
    entry = db.audit.find_one({"action": "move down"})
    assert (entry["by"], entry["target"], entry["detail"]) == ("organizer", "talk “First”", "now #2 of 3")


@pytest.mark.parametrize(("title", "direction", "status", "text"), [
    ("First", "up", 409, "“First” is already first."),
    ("Third", "down", 409, "“Third” is already last."),
    ("Not accepted", "up", 404, "not in the programme"),
    ("First", "sideways", 400, "direction must be up or down"),
])
def test_impossible_moves_are_refused_and_change_nothing(client, accepted, csrf_token, title, direction, status, text):
    reply = move(client, csrf_token, accepted[title], direction)
    assert reply.status_code == status and text in reply.json["text"]
    assert order_of(client) == [("1", "First"), ("2", "Second"), ("3", "Third")]


def test_a_talk_accepted_later_joins_at_the_end(client, db, accepted, csrf_token):
    move(client, csrf_token, accepted["Third"], "up")
    db.sessions.update_one({"_id": accepted["Not accepted"]}, {"$set": {"accepted": True}})
    assert order_of(client) == [("1", "First"), ("2", "Third"), ("3", "Second"), ("4", "Not accepted")]


def test_the_programme_downloads_carry_everything_and_the_event_in_their_names(client, accepted):
    reply = client.get("/api/dashboard/programme.csv", auth=ORGANIZER)
    assert reply.headers["Content-Disposition"] == 'attachment; filename="pycon-lightning-talks-2026-03-14-programme.csv"'
    row = next(csv.DictReader(io.StringIO(reply.get_data(as_text=True))))
    assert row == {"order": "1", "title": "First", "description": "All about first.", "speaker": "Grace Hopper",
                   "email": "grace@example.org", "votes": "3", "talk_id": accepted["First"]}
    reply = client.get("/api/dashboard/programme.json", auth=ORGANIZER)
    assert reply.headers["Content-Disposition"] == 'attachment; filename="pycon-lightning-talks-2026-03-14-programme.json"'
    body = json.loads(reply.get_data())
    assert body["event"]["name"] == "PyCon Lightning Talks"
    assert [(t["order"], t["title"], t["votes"]) for t in body["talks"]] == [(1, "First", 3), (2, "Second", 2), (3, "Third", 1)]


@pytest.mark.parametrize(("path", "name"), [
    ("results.csv", "pycon-lightning-talks-2026-03-14-results.csv"),
    ("results.json", "pycon-lightning-talks-2026-03-14-results.json"),
    ("votes.csv", "pycon-lightning-talks-2026-03-14-votes.csv"),
])
def test_every_download_is_named_for_the_event(client, accepted, path, name):
    reply = client.get(f"/api/dashboard/{path}", auth=ORGANIZER)
    assert reply.headers["Content-Disposition"] == f'attachment; filename="{name}"'


def test_results_carry_the_description(client, accepted):
    rows = list(csv.DictReader(io.StringIO(client.get("/api/dashboard/results.csv", auth=ORGANIZER).get_data(as_text=True))))
    assert rows[0]["description"] == "All about first."
    results = json.loads(client.get("/api/dashboard/results.json", auth=ORGANIZER).get_data())
    assert results["talks"][1]["description"] == "All about second."


def test_an_empty_programme_says_what_to_do(client):
    page = client.get("/api/dashboard/programme", auth=ORGANIZER).get_data(as_text=True)
    assert "No talk is accepted yet" in page
