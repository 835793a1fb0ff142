"""Baking the homepage into www/: deterministic, hashed assets, escaped, fast, re-baked on every change."""
import gzip
import hashlib
import re
import shutil
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from app import demo
from app.homepage import bake
from app.store import talks

ORGANIZER = ("organizer", "organizer")
XSS = "<script>alert(1)</script>"


def page(app):
    """The baked homepage's HTML."""
    return (app.config["WWW_DIR"] / "index.html").read_text()


def listed(app):
    """The baked page without the empty card site.js clones, which sits in a <template> at the end."""
    return page(app).split('<template id="talk-template">')[0]


def baked_files(www):
    """Every file a bake wrote, by path, with its bytes."""
    return {path.relative_to(www): path.read_bytes() for path in sorted(www.rglob("*"))
            if path.is_file() and not path.name.startswith(".bake.")}  # the lock and the re-bake times


def test_bake_is_deterministic(app, register, pitch):
    pitch(register(), title="Same every time")
    with app.app_context():
        bake.bake()
        first = baked_files(app.config["WWW_DIR"])
        bake.bake()
    assert baked_files(app.config["WWW_DIR"]) == first
    assert "Same every time" in page(app)


@pytest.mark.parametrize("name", ["site.css", "site.js"])
def test_assets_get_content_hashed_names(app, name):
    with app.app_context():
        bake.bake()
    stem, suffix = name.split(".")
    url = re.search(rf'"/(assets/{stem}\.([0-9a-f]{{12}})\.{suffix})"', page(app))
    served = bake.minified(name)
    assert len(served) < 0.85 * (bake.ASSETS_SRC / name).stat().st_size  # minified: comments and spaces gone
    assert url.group(2) == hashlib.sha256(served).hexdigest()[:12]
    assert (app.config["WWW_DIR"] / url.group(1)).read_bytes() == served


def test_changed_asset_gets_a_new_name_and_the_old_one_stays(app, tmp_path, monkeypatch):
    sources = tmp_path / "assets"
    shutil.copytree(bake.ASSETS_SRC, sources)
    monkeypatch.setattr(bake, "ASSETS_SRC", sources)
    with app.app_context():
        bake.bake()
        before = set((app.config["WWW_DIR"] / "assets").iterdir())
        (sources / "site.css").write_text("body { color: black; }")
        bake.bake()
    after = set((app.config["WWW_DIR"] / "assets").iterdir())
    assert before < after
    new = sorted(path.name for path in after - before)
    assert len(new) == 2 and new[1] == new[0] + ".gz"  # the file and its gzipped twin
    assert new[0] in page(app)


def test_talk_text_is_escaped(app, client, set_phase):
    client.post("/api/user/action/", data={"email": "x@example.org", "password": "12345678", "name": '"><b>Mallory'})
    set_phase("pitching")
    client.post("/api/session/action/", json={"title": XSS, "description": "<img src=x onerror=alert(2)>"})
    html = page(app)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "&#34;&gt;&lt;b&gt;Mallory" in html
    assert XSS not in html
    assert "<img src=x" not in html


def test_pitch_rebakes_the_page(app, register, pitch):
    pitch(register(), title="Fresh off the press")
    assert "Fresh off the press" in page(app)


def test_pitch_flood_rebakes_at_most_once_a_second_and_the_last_pitch_follows(app, client, register, set_phase,
                                                                              monkeypatch):
    app.config["REBAKE_INTERVAL"] = 1
    renders, render = [], bake.render
    monkeypatch.setattr(bake, "render", lambda assets: renders.append(assets) or render(assets))
    speakers = [register() for _ in range(8)]
    set_phase("pitching")
    began = time.monotonic()
    for n in range(40):
        reply = client.post("/api/session/action/", data={"user": speakers[n % 8]["_id"], "title": f"Flood {n}",
                                                          "description": "d"})
        assert reply.status_code == 201
    last_pitch = time.monotonic()
    while "Flood 39" not in page(app) and time.monotonic() < last_pitch + 3:
        time.sleep(0.05)
    shown = time.monotonic()
    for timer in [t for t in threading.enumerate() if isinstance(t, threading.Timer)]:
        timer.join()
    assert "Flood 39" in page(app) and shown - last_pitch < 1.5
    assert len(renders) <= (last_pitch - began) / 1 + 2, f"{len(renders)} bakes in {last_pitch - began:.1f} s"


@pytest.mark.parametrize("phase", ["voting", "closed", "pitching"])
def test_dashboard_phase_switch_rebakes_the_page(app, client, phase):
    reply = client.post("/api/dashboard/phase", json={"phase": phase}, auth=ORGANIZER)
    assert reply.status_code == 200
    assert f'data-phase="{phase}"' in page(app)


def test_page_follows_a_phase_the_schedule_opened(app, client):
    with app.app_context():
        bake.bake()
    assert 'data-phase="pitching"' in page(app)
    now = datetime.now(timezone.utc)
    app.config.update(PITCHING_OPENS=now - timedelta(days=2), VOTING_OPENS=now - timedelta(seconds=1))
    client.get("/api/session/")  # what every open page polls
    assert 'data-phase="voting"' in page(app)


def test_schedule_dates_are_shown(app):
    app.config.update(PITCHING_OPENS=datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc),
                      VOTING_OPENS=datetime(2026, 3, 5, 9, 0, tzinfo=timezone.utc),
                      VOTING_CLOSES=datetime(2026, 3, 6, 17, 30, tzinfo=timezone.utc))
    with app.app_context():
        bake.bake()
    html = page(app)
    assert '<time datetime="2026-03-05T09:00:00+00:00">Thu 5 Mar 2026, 09:00 UTC</time>' in html
    assert "Fri 6 Mar 2026, 17:30 UTC" in html


def test_closed_results_are_sorted_by_votes_with_accepted_marked(app, register, pitch, set_phase, db):
    speaker = register()
    counts = {pitch(speaker, title=f"Talk {n}"): n for n in (3, 9, 0, 5)}
    for talk_id, n in counts.items():
        db.sessions.update_one({"_id": talk_id}, {"$set": {"votes": n, "accepted": n == 9}})
    set_phase("closed")
    with app.app_context():
        bake.bake()
    html = listed(app)
    assert [int(n) for n in re.findall(r'data-votes="(\d+)"', html)] == [9, 5, 3, 0]
    assert html.count('class="badge badge-accepted">') == 1
    assert 'class="vote"' not in html


@pytest.mark.parametrize(("show", "phase", "page_counts", "api_counts"), [
    ("always", "pitching", False, True),
    ("always", "voting", True, True),
    ("always", "closed", True, True),
    ("after", "pitching", False, False),
    ("after", "voting", False, False),
    ("after", "closed", True, True),
])
def test_counts_are_shown_only_where_the_setting_allows(app, client, register, pitch, set_phase, show, phase, page_counts, api_counts):
    app.config["SHOW_COUNTS"] = show
    talk = pitch(register())
    set_phase(phase)
    with app.app_context():
        bake.bake()
    html = page(app)
    assert ("data-votes=" in html) == page_counts
    assert ('value="votes"' in html) == page_counts  # "Most votes" only where counts show
    listed = client.get("/api/session/").json["sessions"]
    assert ("votes" in listed[0]) == api_counts
    assert ("votes" in client.get(f"/api/session/?_id={talk}").json["session"]) == api_counts
    assert ("votes" in client.get("/api/user/me").json["talks"][0]) == api_counts


@pytest.mark.parametrize(("show", "has_count"), [("always", True), ("after", False)])
def test_vote_reply_keeps_the_count_secret_when_hidden(app, client, register, pitch, set_phase, show, has_count):
    app.config["SHOW_COUNTS"] = show
    talk = pitch(register())
    set_phase("voting")
    reply = client.post("/api/vote/action/", json={"session": talk, "vote": 1})
    assert reply.json["action"] == "create vote"
    assert ("votes" in reply.json) == has_count


@pytest.mark.slow
def test_bake_of_1000_talks_is_fast(app, capsys):
    now = datetime.now(timezone.utc)
    with app.app_context():
        talks.insert_many([{
            "_id": str(uuid.uuid4()), "title": f"Talk number {i}", "description": "Five minutes. " * 20,
            "user": str(uuid.uuid4()), "speaker": f"Speaker {i}", "votes": i % 37, "accepted": False,
            "hidden": False, "created_at": now - timedelta(minutes=i),
        } for i in range(1000)])
        started = time.perf_counter()
        bake.bake()
        took = time.perf_counter() - started
    with capsys.disabled():
        print(f"\nbaked 1,000 talks in {took * 1000:.0f} ms ({len(page(app)) // 1024} KiB)")
    assert listed(app).count('<li class="talk"') == 1000
    assert took < 5  # generous: the target is well under a second, but CI machines vary


def test_every_baked_file_has_an_identical_gzipped_twin(app):
    with app.app_context():
        bake.bake()
    www = app.config["WWW_DIR"]
    for path in [www / "index.html", *(www / "assets").glob("*[!z]")]:
        assert gzip.decompress(path.with_name(path.name + ".gz").read_bytes()) == path.read_bytes()


@pytest.mark.parametrize("phase", ["pitching", "voting", "closed"])
def test_homepage_with_50_talks_stays_light(app, set_phase, capsys, phase):
    with app.app_context():
        demo.load(60, 50, 400, seed=1)
        set_phase(phase)
        bake.bake()
    www = app.config["WWW_DIR"]
    sizes = {path.name: path.stat().st_size for path in [www / "index.html", *(www / "assets").glob("*[!z]")]}
    with capsys.disabled():
        print(f"\n{phase}: {sum(sizes.values()) / 1024:.1f} KiB for 50 demo talks {sizes}")
    # HTML + CSS + JS, uncompressed. The 60 KB goal of issue 12 did not hold before it either (75, 87 and 82 KiB
    # for pitching, voting, results); minifying the assets brought it to about 68, 73 and 76. This stops growth.
    assert sum(sizes.values()) < 80 * 1024, sizes


def test_minifying_site_js_keeps_every_string_as_written():
    # rjsmin knows strings and simple template literals, not one template literal inside another's
    # ${...}: there it squeezed "4 h 58 min" into "4h58 min". Every literal must come out verbatim.
    source = (bake.ASSETS_SRC / "site.js").read_text()
    code = re.sub(r"(?m)^\s*//.*$", "", source)  # backticks in comments are prose, not code
    literals = re.findall(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|`[^`\n]*`', code)
    served = bake.minified("site.js").decode()
    assert re.findall(r"\$\{[^}]*`", code) == []  # no template literal inside another
    assert len(literals) > 100
    assert [literal for literal in literals if literal not in served] == []
