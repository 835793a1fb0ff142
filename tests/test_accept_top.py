"""Accepting the top N from the dashboard: previewed first, ties across the line decided by the organizer, audited."""
import re

import pytest

from app.organizers.pseudonyms import account_token

from .helpers import error_text

ORGANIZER = ("organizer", "organizer")
HTML = {"Accept": "text/html"}


@pytest.fixture
def close_race(app, client, register, pitch, set_phase):
    """With LT_TOP_N=2: "Clear winner" 3 votes, "Tied B" and "Tied C" 2 each, "Last" 1; returns titles -> ids and voters."""
    app.config["TOP_N"] = 2
    speaker = register(name="Grace Hopper", email="grace@example.org")
    ids = {title: pitch(speaker, title=title) for title in ("Clear winner", "Tied B", "Tied C", "Last")}
    voters = [register(name=f"Voter {n}") for n in range(3)]
    set_phase("voting")
    ballots = (("Clear winner", "Tied B", "Tied C", "Last"), ("Clear winner", "Tied B", "Tied C"), ("Clear winner",))
    for voter, titles in zip(voters, ballots):
        for title in titles:
            vote = {"user": voter["_id"], "session": ids[title], "vote": 1}
            assert client.post("/api/vote/action/", data=vote).status_code == 200
    set_phase("closed")
    return ids, voters


def preview(client):
    """The accept-top page and the digest its form carries."""
    page = client.get("/api/dashboard/accept-top", auth=ORGANIZER, headers=HTML).get_data(as_text=True)
    return page, re.search(r'name="digest" value="([0-9a-f]+)"', page).group(1)


def accept(client, token, digest, tied=()):
    return client.post("/api/dashboard/accept-top", auth=ORGANIZER, headers=HTML,
                       data={"csrf_token": token, "digest": digest, "tied": list(tied)})


def accepted_titles(db):
    return sorted(talk["title"] for talk in db.sessions.find({"accepted": True}))


def test_the_preview_shows_who_goes_in_and_the_tie_to_decide(client, db, close_race):
    overview = client.get("/api/dashboard/", auth=ORGANIZER).get_data(as_text=True)
    assert 'href="/api/dashboard/accept-top">Accept the top 2…</a>' in overview
    page, _ = preview(client)
    sure = page[page.index('id="sure"'):page.index('id="tie"')]
    assert "1 talk will be accepted" in sure and "Clear winner" in sure and "Tied B" not in sure
    tie = page[page.index('id="tie"'):]
    assert "Tie across the line: 2 talks have 2 votes for 1 place" in tie
    assert tie.count('type="checkbox" name="tied"') == 2 and " checked" not in tie  # nothing chosen for the organizer
    assert "Last" not in page
    assert accepted_titles(db) == []  # looking changes nothing


def test_accepting_without_deciding_the_tie_is_refused(client, db, close_race, csrf_token):
    reply = accept(client, csrf_token, preview(client)[1])
    assert reply.status_code == 400
    assert "choose 1 of them, or all 2" in error_text(reply)
    assert accepted_titles(db) == []


def test_accepting_the_top_n_with_the_organizers_choice_is_stored_and_audited(client, db, close_race, csrf_token):
    ids, _ = close_race
    reply = accept(client, csrf_token, preview(client)[1], tied=[ids["Tied C"]])
    assert reply.status_code == 303 and reply.headers["Location"].endswith("/api/dashboard/#ranking")
    assert accepted_titles(db) == ["Clear winner", "Tied C"]
    assert client.get(f"/api/session/?_id={ids['Tied C']}").json["session"]["accepted"] is True
    summary = db.audit.find_one({"action": "accept top 2"})
    assert (summary["by"], summary["target"]) == ("organizer", "2 talks")
    assert summary["detail"] == "2 newly accepted; of the tied, chose Tied C over Tied B"
    each = sorted(entry["target"] for entry in db.audit.find({"action": "accept"}))
    assert each == ["talk “Clear winner”", "talk “Tied C”"]
    # Per-talk Unaccept stays.
    page = client.get("/api/dashboard/", auth=ORGANIZER).get_data(as_text=True)
    assert f'action="/api/dashboard/talks/{ids["Tied C"]}/accepted"' in page and "Unaccept" in page


def test_accepting_every_tied_talk_is_a_choice_too(client, db, close_race, csrf_token):
    ids, _ = close_race
    assert accept(client, csrf_token, preview(client)[1], tied=[ids["Tied B"], ids["Tied C"]]).status_code == 303
    assert accepted_titles(db) == ["Clear winner", "Tied B", "Tied C"]


@pytest.mark.parametrize("tied", [["Last"], ["Clear winner"], ["not-an-id"]])
def test_only_tied_talks_can_be_chosen(client, db, close_race, csrf_token, tied):
    ids, _ = close_race
    reply = accept(client, csrf_token, preview(client)[1], tied=[ids.get(title, title) for title in tied])
    assert reply.status_code == 400 and error_text(reply)
    assert accepted_titles(db) == []


def test_a_stale_preview_is_refused(client, db, close_race, csrf_token, register, set_phase):
    ids, _ = close_race
    _, digest = preview(client)
    set_phase("voting")
    late = register(name="Late voter")
    client.post("/api/vote/action/", data={"user": late["_id"], "session": ids["Tied B"], "vote": 1})
    reply = accept(client, csrf_token, digest, tied=[ids["Tied B"]])
    assert reply.status_code == 409 and "changed since your preview" in error_text(reply)
    assert accepted_titles(db) == []


def test_without_a_tie_the_top_n_is_accepted_at_once(app, client, db, close_race, csrf_token):
    app.config["TOP_N"] = 1
    page, digest = preview(client)
    assert 'id="tie"' not in page and ">Accept 1 talk</button>" in page
    assert accept(client, csrf_token, digest).status_code == 303
    assert accepted_titles(db) == ["Clear winner"]


def test_quarantined_votes_do_not_count_toward_the_top_n(app, client, db, close_race, csrf_token):
    _, voters = close_race
    with app.app_context():  # the honest-voting page names accounts by token, never by id
        account = account_token(voters[2]["_id"])  # the only voter of the winner alone
    quarantined = client.post("/api/dashboard/accounts/quarantine", auth=ORGANIZER, headers=HTML,
                              data={"csrf_token": csrf_token, "account": account})
    assert quarantined.status_code == 303
    page, _ = preview(client)
    assert "0 talks will be accepted" in page
    assert "Tie across the line: 3 talks have 2 votes for 2 places" in page


def test_voting_still_open_is_said_on_the_preview(client, close_race, set_phase):
    set_phase("voting")
    assert "Voting is still open" in preview(client)[0]


def test_accepting_with_no_talks_is_refused(client, db, csrf_token):
    page, digest = preview(client)
    assert "0 talks will be accepted" in page and "Accept 0" not in page
    reply = accept(client, csrf_token, digest)
    assert reply.status_code == 409 and "no talks to accept" in error_text(reply)
    assert db.audit.count_documents({}) == 0


def test_an_api_client_previews_then_chooses_among_the_tied_in_json(client, db, close_race):
    ids, _ = close_race
    plan = client.get("/api/dashboard/accept-top", auth=ORGANIZER, headers={"Accept": "application/json"}).json
    assert client.get("/api/dashboard/accept-top", auth=ORGANIZER, headers={"Accept": "*/*"}).json == plan  # curl's
    assert (plan["n"], plan["seats"], plan["digest"]) == (2, 1, preview(client)[1])
    assert [(talk["title"], talk["votes"]) for talk in plan["sure"]] == [("Clear winner", 3)]
    assert sorted((talk["title"], talk["speaker"]) for talk in plan["tied"]) == [("Tied B", "Grace Hopper"),
                                                                                ("Tied C", "Grace Hopper")]
    reply = client.post("/api/dashboard/accept-top", auth=ORGANIZER, json={"digest": plan["digest"], "tied": [ids["Tied B"]]})
    assert reply.status_code == 200 and reply.json["success"] is True
    assert sorted(reply.json["accepted"]) == sorted([ids["Clear winner"], ids["Tied B"]])
    assert accepted_titles(db) == ["Clear winner", "Tied B"]


@pytest.mark.parametrize("origin", ["https://evil.example", "http://localhost"])
def test_a_json_choice_from_a_browser_page_is_refused_without_the_forms_token(client, db, close_race, origin):
    ids, _ = close_race  # another site's script, or the dashboard's own origin, with the browser's saved Basic auth
    reply = client.post("/api/dashboard/accept-top", auth=ORGANIZER, headers={"Origin": origin},
                        json={"digest": preview(client)[1], "tied": [ids["Tied B"]]})
    assert reply.status_code == 403 and reply.json["success"] is False
    assert accepted_titles(db) == []


@pytest.mark.parametrize("tied", [5, [5], {"id": "x"}])
def test_a_json_choice_that_is_not_a_list_of_ids_is_refused(client, db, close_race, tied):
    reply = client.post("/api/dashboard/accept-top", auth=ORGANIZER, json={"digest": preview(client)[1], "tied": tied})
    assert (reply.status_code, reply.json["field"]) == (400, "tied")
    assert "list of strings" in reply.json["text"]
    assert accepted_titles(db) == []


def test_an_api_client_quarantines_accounts_named_in_a_json_list(app, client, db, close_race):
    _, voters = close_race
    with app.app_context():
        accounts = [account_token(voter["_id"]) for voter in voters[1:]]
    reply = client.post("/api/dashboard/accounts/quarantine", auth=ORGANIZER, json={"account": accounts})
    assert (reply.status_code, reply.json) == (200, {"success": True, "action": "quarantine", "changed": 2})
    assert sorted(user["_id"] for user in db.users.find({"quarantined": True})) == sorted(v["_id"] for v in voters[1:])
