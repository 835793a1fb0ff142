"""The organizers' dashboard through the Flask client: auth, CSRF, moderation, ranking, exports."""
import csv
import io
import json

import pytest
from click.testing import CliRunner

from app import cli
from app.organizers import exports, ranking

ORGANIZER = ("organizer", "organizer")
HTML = {"Accept": "text/html"}


@pytest.fixture
def talks_with_votes(client, register, pitch, set_phase):
    """Three talks: two tied on 2 votes and one with 1, from two named voters; returns (titles -> ids, voters)."""
    speaker = register(name="Grace Hopper", email="grace@example.org")
    ids = {title: pitch(speaker, title=title) for title in ("Tied A", "Tied B", "Third")}
    voters = [register(name="Voter One"), register(name="Voter Two")]
    set_phase("voting")
    for voter, titles in zip(voters, (("Tied A", "Tied B", "Third"), ("Tied A", "Tied B"))):
        for title in titles:
            assert client.post("/api/vote/action/", data={"user": voter["_id"], "session": ids[title], "vote": 1}).status_code == 200
    return ids, voters


def post_form(client, path, token, **fields):
    """A dashboard form as a browser posts it: the token, and asking for a page back."""
    return client.post(path, data={"csrf_token": token, **fields}, auth=ORGANIZER, headers=HTML)


@pytest.mark.parametrize("path", ["/", "/voters", "/speakers", "/results.csv", "/results.json", "/votes.csv",
                                  "/static/dashboard.css", "/static/dashboard.js"])
def test_every_dashboard_address_needs_the_organizer(client, path):
    assert client.get(f"/api/dashboard{path}").status_code == 401
    assert client.get(f"/api/dashboard{path}", auth=("organizer", "nope")).status_code == 401
    with client.get(f"/api/dashboard{path}", auth=ORGANIZER) as reply:  # closes the static file's handle
        assert reply.status_code == 200
        assert reply.headers["Cache-Control"] == "no-store"


def test_wrong_dashboard_logins_are_limited_per_address(client):
    guesser, elsewhere = {"REMOTE_ADDR": "203.0.113.66"}, {"REMOTE_ADDR": "198.51.100.7"}

    def status(credentials, address=guesser):
        return client.get("/api/dashboard/results.json", auth=credentials, environ_base=address).status_code
    # Right passwords, and a browser's first request without any, spend nothing of the 20 wrong ones.
    assert [status(ORGANIZER) for _ in range(25)] + [status(None) for _ in range(25)] == [200] * 25 + [401] * 25
    assert [status(("organizer", f"guess {n}")) for n in range(20)] == [401] * 20
    refused = client.get("/api/dashboard/", auth=("organizer", "guess 21"), environ_base=guesser)
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 900
    assert refused.json["success"] is False and "Try again" in refused.json["text"]
    assert status(ORGANIZER) == 429  # or the guesser would learn which guess was right
    assert status(ORGANIZER, elsewhere) == 200


def test_the_dashboard_login_limit_is_a_setting(monkeypatch, make_app, mongo_uri, app):
    monkeypatch.setenv("LT_DASHBOARD_FAILS_PER_IP", "2")
    strict = make_app(MONGO_URI=mongo_uri, DB_NAME=app.config["DB_NAME"]).test_client()
    assert [strict.get("/api/dashboard/", auth=("organizer", "nope")).status_code for _ in range(3)] == [401, 401, 429]


@pytest.mark.parametrize(("headers", "token", "status"), [
    (HTML, None, 403),                                    # a browser form without the token
    (HTML, "forged", 403),
    ({"Origin": "http://localhost"}, None, 403),          # a same-origin script without it
    ({"Sec-Fetch-Site": "same-origin"}, None, 403),
    (HTML, "page", 303),                                  # the dashboard's own form
    ({"Accept": "application/json"}, None, 200),          # an API client with Basic auth
])
def test_browser_posts_need_the_pages_csrf_token(client, csrf_token, headers, token, status):
    fields = {"phase": "voting"}
    if token:
        fields["csrf_token"] = csrf_token if token == "page" else token
    reply = client.post("/api/dashboard/phase", data=fields, auth=ORGANIZER, headers=headers)
    assert reply.status_code == status
    assert client.get("/api/health").json["phase"] == ("pitching" if status == 403 else "voting")


def test_a_token_is_bound_to_its_organizer(make_app, mongo_uri, app, csrf_token):
    other = make_app(MONGO_URI=mongo_uri, DB_NAME=app.config["DB_NAME"], DASHBOARD_USER="someone-else")
    reply = other.test_client().post("/api/dashboard/phase", data={"phase": "closed", "csrf_token": csrf_token},
                                     auth=("someone-else", "organizer"), headers=HTML)
    assert reply.status_code == 403


def test_phase_switch_asks_first_then_switches_and_is_audited(client, db, csrf_token):
    page = client.get("/api/dashboard/", auth=ORGANIZER).get_data(as_text=True)
    assert '<strong class="big" id="phase">pitching</strong>' in page
    switches = page[page.index('action="/api/dashboard/phase/confirm"'):]
    switches = switches[:switches.index("</form>")]
    assert 'method="get"' not in switches  # the form opens a page, posting nothing
    assert 'value="pitching"' not in switches  # the current phase is a state, not a button
    assert 'value="voting"' in switches and 'value="closed"' in switches and 'value="schedule"' in switches

    question = client.get("/api/dashboard/phase/confirm?phase=closed", auth=ORGANIZER).get_data(as_text=True)
    assert "Switch from <strong>pitching</strong> to <strong>closed</strong>?" in question
    assert "Yes, switch to closed" in question
    assert client.get("/api/health").json["phase"] == "pitching"  # asking changed nothing

    assert post_form(client, "/api/dashboard/phase", csrf_token, phase="closed").status_code == 303
    page = client.get("/api/dashboard/", auth=ORGANIZER).get_data(as_text=True)
    assert '<strong class="big" id="phase">closed</strong>' in page
    entry = db.audit.find_one({"action": "phase"})
    assert (entry["by"], entry["target"], entry["detail"]) == (
        "organizer", "closed", "was pitching, in force: closed (via dashboard)")


def test_confirming_an_unknown_phase_is_a_400(client):
    reply = client.get("/api/dashboard/phase/confirm?phase=party", auth=ORGANIZER)
    assert reply.status_code == 400
    assert reply.json["success"] is False and "party" in reply.json["text"]


def test_fab_phase_is_audited_with_the_shell_user(app, db, make_app, monkeypatch, mongo_uri):
    monkeypatch.setenv("MONGO_URI", mongo_uri)
    monkeypatch.setenv("LT_DB_NAME", app.config["DB_NAME"])
    monkeypatch.setattr(cli, "create_app", lambda config: make_app(**config))  # closed after the test
    monkeypatch.setattr("getpass.getuser", lambda: "ada-at-the-shell")
    result = CliRunner().invoke(cli.main, ["phase", "voting"])
    assert result.exit_code == 0, result.output
    assert "phase: voting" in result.output
    entry = db.audit.find_one({"action": "phase"})
    assert (entry["by"], entry["detail"]) == ("ada-at-the-shell", "was pitching, in force: voting (via fab phase)")


def test_ranking_shows_ties_shares_cutoff_and_voters(app, client, talks_with_votes):
    app.config["TOP_N"] = 2
    page = client.get("/api/dashboard/", auth=ORGANIZER).get_data(as_text=True)
    assert page.count('<td class="rank">=1</td>') == 2
    assert '<td class="rank">3</td>' in page
    assert "margin <strong>1 vote</strong> between #2 (2) and #3 (1)" in page
    table = page[page.index('id="ranking"'):]
    assert table.index("Tied B") < table.index("Top 2 cutoff") < table.index("Third")
    assert "grace@example.org" in page
    assert "100%" in page and "50%" in page  # both voters chose the tied talks, one chose the third
    assert '<svg class="chart"' in page
    assert ">=1. Tied A<" in page and ">3. Third<" in page  # the top-talks chart marks ties too


def test_expanding_a_talk_lists_its_voters_with_times(client, db, talks_with_votes):
    ids, voters = talks_with_votes
    page = client.get(f"/api/dashboard/talks/{ids['Third']}/voters", auth=ORGANIZER).get_data(as_text=True)
    assert "Voter One" in page and voters[0]["email"] in page and "Voter Two" not in page
    vote = db.votes.find_one({"session": ids["Third"]})
    assert f'<time datetime="{vote["created_at"].isoformat()}">' in page
    overview = client.get("/api/dashboard/", auth=ORGANIZER).get_data(as_text=True)
    assert f'data-src="/api/dashboard/talks/{ids["Third"]}/voters"' in overview


@pytest.mark.parametrize("talk_id", ["nope", "7b0c8f5e-2f4a-4c56-9c55-0d4f3e2a9b11"])
def test_voters_of_a_missing_talk_is_a_404(client, talk_id):
    assert client.get(f"/api/dashboard/talks/{talk_id}/voters", auth=ORGANIZER).status_code == 404


@pytest.mark.parametrize(("counts", "top_n", "expect"), [
    ([5, 4, 3], 2, {"margin": 1, "tie": False}),
    ([5, 3, 3], 2, {"margin": 0, "tie": True}),
    ([5, 3], 2, None),
])
def test_cutoff_margin(counts, top_n, expect):
    rows = ranking.ranked([{"_id": str(i), "votes": n} for i, n in enumerate(counts)], voters=10)
    found = ranking.cutoff(rows, top_n)
    assert (found and {"margin": found["margin"], "tie": found["tie"]}) == expect


@pytest.mark.parametrize(("counts", "ranks"), [
    ([3, 2, 1], [1, 2, 3]),
    ([3, 3, 1], [1, 1, 3]),
    ([2, 1, 1, 1, 0], [1, 2, 2, 2, 5]),
    ([], []),
])
def test_ties_share_a_rank(counts, ranks):
    assert ranking.competition_ranks(counts) == ranks


def test_accept_is_stored_shown_and_audited(client, db, csrf_token, talks_with_votes):
    ids, _ = talks_with_votes
    reply = post_form(client, f"/api/dashboard/talks/{ids['Third']}/accepted", csrf_token, value=1)
    assert reply.status_code == 303
    assert reply.headers["Location"].endswith(f"/api/dashboard/#talk-{ids['Third']}")
    assert db.sessions.find_one({"_id": ids["Third"]})["accepted"]
    assert client.get(f"/api/session/?_id={ids['Third']}").json["session"]["accepted"] is True
    page = client.get("/api/dashboard/", auth=ORGANIZER).get_data(as_text=True)
    assert "<td>organizer</td><td>accept</td><td>talk “Third”</td>" in page

    post_form(client, f"/api/dashboard/talks/{ids['Third']}/accepted", csrf_token, value=0)
    assert not db.sessions.find_one({"_id": ids["Third"]})["accepted"]
    assert [entry["action"] for entry in db.audit.find().sort("at", 1)] == ["accept", "unaccept"]


def test_hide_leaves_the_homepage_and_unhide_restores_it_with_votes(app, client, db, csrf_token, talks_with_votes):
    ids, _ = talks_with_votes
    homepage = app.config["WWW_DIR"] / "index.html"
    post_form(client, f"/api/dashboard/talks/{ids['Tied A']}/hidden", csrf_token, value=1)
    assert "Tied A" not in homepage.read_text()
    assert "Tied B" in homepage.read_text()
    assert ids["Tied A"] not in [t["_id"] for t in client.get("/api/session/").json["sessions"]]
    assert db.votes.count_documents({"session": ids["Tied A"]}) == 2
    page = client.get("/api/dashboard/", auth=ORGANIZER).get_data(as_text=True)
    assert page.index("Hidden talks") < page.index("Tied A")

    post_form(client, f"/api/dashboard/talks/{ids['Tied A']}/hidden", csrf_token, value=0)
    assert "Tied A" in homepage.read_text()
    assert client.get(f"/api/session/?_id={ids['Tied A']}").json["session"]["votes"] == 2


@pytest.mark.parametrize(("path", "status"), [
    ("/api/dashboard/talks/not-an-id/accepted", 404),
    ("/api/dashboard/talks/7b0c8f5e-2f4a-4c56-9c55-0d4f3e2a9b11/accepted", 404),
    ("/api/dashboard/talks/7b0c8f5e-2f4a-4c56-9c55-0d4f3e2a9b11/deleted", 404),
])
def test_moderating_a_missing_talk_is_a_404(client, path, status):
    reply = client.post(path, data={"value": 1}, auth=ORGANIZER)
    assert reply.status_code == status
    assert reply.json["success"] is False


def test_results_export_parses_back(client, talks_with_votes):
    ids, _ = talks_with_votes
    rows = list(csv.DictReader(io.StringIO(client.get("/api/dashboard/results.csv", auth=ORGANIZER).get_data(as_text=True))))
    assert [(r["rank"], r["title"], r["votes"], r["tied"]) for r in rows] == [
        ("1", "Tied A", "2", "True"), ("1", "Tied B", "2", "True"), ("3", "Third", "1", "False")]
    assert {r["email"] for r in rows} == {"grace@example.org"}
    reply = client.get("/api/dashboard/results.json", auth=ORGANIZER)
    assert reply.headers["Content-Disposition"].startswith('attachment; filename="lightning-talks-')
    results = json.loads(reply.get_data())
    assert results["totals"]["voters"] == 2
    assert [(t["title"], t["votes"], t["share_of_voters"]) for t in results["talks"]] == [
        ("Tied A", 2, 1.0), ("Tied B", 2, 1.0), ("Third", 1, 0.5)]
    assert results["talks"][2]["talk_id"] == ids["Third"]


def test_votes_export_hashes_voters(app, client, talks_with_votes):
    _, voters = talks_with_votes
    body = client.get("/api/dashboard/votes.csv", auth=ORGANIZER).get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(body)))
    assert len(rows) == 5
    assert all(voter["_id"] not in body and voter["email"] not in body for voter in voters)
    assert sorted(sum(1 for r in rows if r["voter"] == key) for key in {r["voter"] for r in rows}) == [2, 3]
    with app.app_context():
        assert {r["voter"] for r in rows} == {exports.voter_key(v["_id"]) for v in voters}


@pytest.mark.parametrize(("value", "expect"), [
    ("=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")"),
    ("+1+1", "'+1+1"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=1", "'\t=1"),
    ("Regex in 5 minutes", "Regex in 5 minutes"),
    (-3, -3),
])
def test_formula_cells_are_neutralised(value, expect):
    assert exports.neutralise(value) == expect


def test_formula_titles_are_neutralised_in_the_download(client, register, pitch):
    pitch(register(name="@admin"), title="=cmd|' /C calc'!A0")
    rows = list(csv.DictReader(io.StringIO(client.get("/api/dashboard/results.csv", auth=ORGANIZER).get_data(as_text=True))))
    assert (rows[0]["title"], rows[0]["speaker"]) == ("'=cmd|' /C calc'!A0", "'@admin")
