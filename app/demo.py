"""Realistic demo data: attendees, pitched talks and votes skewed towards favourites."""
import itertools
import random
import uuid
from datetime import datetime, timedelta, timezone

from faker import Faker

from .counts.ledger import tally
from .store import talks, users, votes

DEMO_PASSWORD = "lightning"
# Talks as people pitch them at a data and newsroom tech meetup: a title and a few lines each.
PITCHES = [
    ("What I learned scraping 40,000 court records", "Pagination traps, rate limits and the one header that stopped the blocks. With the script."),
    ("SQLite is all the database you need (until it isn't)", "Three newsroom projects on a single file, and the day the fourth one outgrew it."),
    ("Time zones will hurt you: a field guide", "Daylight saving, naive datetimes and the election night the results came in an hour early."),
    ("Making charts screen readers can read", "Alt text is not enough. Tables, ARIA and a quick test with VoiceOver you can do today."),
    ("How git bisect found our bug in 11 minutes", "A live demo of binary search through 600 commits, and how to make your tests bisectable."),
    ("Parsing PDFs without losing your mind", "Camelot, pdfplumber and when to give up and retype the table. Real examples from budget documents."),
    ("Our Varnish cache survived election night", "Grace mode, purges and the graph that made the editor stop asking if the site was down."),
    ("Type hints caught a bug in our payroll script", "How mypy on a 200-line script found the kind of error that costs real money."),
    ("Public records requests as code", "Tracking 300 requests with a spreadsheet, a cron job and polite automatic reminders."),
    ("Small multiples beat one big chart", "Six redesigns of the same pandemic chart, and what readers actually understood."),
    ("Fuzz testing found what 400 unit tests missed", "Hypothesis in five minutes: one strategy, one property, three real bugs."),
    ("Map projections lie, pick your lie", "Why Greenland looks huge, and how to choose a projection for a local story."),
    ("A newsroom bot that posts only when it matters", "Thresholds, quiet hours and the Slack channel nobody muted."),
    ("Unicode bugs I have known", "Names with accents, emoji in CSV files and the byte order mark that broke an import."),
    ("Jupyter notebooks that others can rerun", "Pinning, parameters and a checklist before you share the notebook with the desk."),
    ("Colour palettes for the colour blind", "Testing a map with a simulator, and the three palettes we use for everything now."),
    ("Cron jobs fail silently: make them shout", "Dead man's switches, healthchecks and the job that stopped running in March."),
    ("Cleaning census tables in ten lines of pandas", "Melt, pivot and the footnote column that ruins every join."),
    ("Headless browsers for sites that fight back", "Playwright for pages that need JavaScript, and when plain requests is still the answer."),
    ("Static sites for breaking news", "Baking pages to disk so a traffic spike costs nothing. Our setup in one diagram."),
    ("Rate limiting without annoying your readers", "Token buckets explained with a coffee machine, and the limits we settled on."),
    ("Regular expressions you can read next year", "Verbose mode, named groups and tests as documentation."),
    ("Open data portals: the good, the bad, the CSV", "What makes a dataset usable, from someone who downloads a lot of them."),
    ("MongoDB indexes in five minutes", "Explain plans, compound indexes and the query that went from 4 s to 4 ms."),
    ("Spreadsheets are production systems too", "Version history, locked ranges and why the finance sheet needs a code review."),
    ("Building an election results page in a weekend", "Feeds, caching and the fallback page we were glad to have at 2 a.m."),
    ("How we verify viral videos", "Reverse image search, shadows and metadata: a five-step routine for the night desk."),
    ("Accessibility checks in CI with axe", "Catching contrast and label bugs before a reader does, in one test file."),
    ("The command line for reporters", "grep, sort, uniq and csvkit: answering a question about 2 million rows before lunch."),
    ("Packaging a Python tool your colleagues can install", "pipx, one entry point and a README that starts with the command."),
    ("Geocoding addresses on a budget", "Free geocoders, caching results and checking the ones that land in the ocean."),
    ("Writing a data diary", "The notes that saved a story when the editor asked how we got that number."),
    ("Tracking lobbyists with network graphs", "From a registry of meetings to a graph that shows who talks to whom."),
    ("Designing for the slowest phone in the room", "Our homepage weighs 40 KB. Here is what we cut and nobody missed."),
    ("Fact-checking numbers in speeches live", "A shared sheet, a few formulas and a rule: two sources before it goes out."),
    ("Dark mode without breaking your charts", "CSS variables, contrast ratios and the chart colours that vanished at night."),
]


def _at(base, rng, hours):
    return base + timedelta(seconds=rng.randint(0, int(hours * 3600)))


def make(n_users, n_talks, n_votes, seed=None):
    """Build (users, talks, votes) documents; votes are unique per (user, talk)."""
    rng, fake = random.Random(seed), Faker()
    fake.seed_instance(seed)
    start = datetime.now(timezone.utc) - timedelta(days=3)
    password_hash = users.hash_password(DEMO_PASSWORD)  # one hash: demo accounts share it
    user_docs = [{
        "_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        "email": f"demo{i}.{fake.user_name()}@example.org".lower(),
        "name": fake.name(), "password_hash": password_hash, "created_at": _at(start, rng, 24),
        "signup": {"ip": fake.ipv4_private(), "ua": fake.user_agent(), "fingerprint": uuid.UUID(int=rng.getrandbits(128)).hex},
        "demo": True,
    } for i in range(n_users)]
    talk_docs = []
    pitches = rng.sample(PITCHES, len(PITCHES))
    for i in range(n_talks):
        speaker, (title, description) = rng.choice(user_docs), pitches[i % len(pitches)]
        if i >= len(pitches):  # more talks than pitches written (benchmarks): keep titles distinct
            title = f"{title}, part {i // len(pitches) + 1}"
        talk_docs.append({
            "_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "title": title,
            "description": description,
            "user": speaker["_id"], "speaker": speaker["name"], "votes": 0, "accepted": False, "hidden": False,
            "created_at": _at(start, rng, 36),
        })
    n_votes = min(n_votes, n_users * n_talks)
    # A few favourites and a long tail; cumulative weights make each draw a bisection.
    cum_weights = list(itertools.accumulate(rng.paretovariate(1.5) for _ in talk_docs))
    pairs = set()
    while len(pairs) < n_votes:
        pairs.add((rng.randrange(n_users), rng.choices(range(n_talks), cum_weights=cum_weights)[0]))
    vote_docs = [{
        "_id": votes.vote_id(user_docs[u]["_id"], talk_docs[t]["_id"]),
        "user": user_docs[u]["_id"], "session": talk_docs[t]["_id"],
        "created_at": _at(start + timedelta(days=2), rng, 20), "signals": user_docs[u]["signup"],
    } for u, t in sorted(pairs)]
    return user_docs, talk_docs, vote_docs


def is_empty():
    """Whether there are no users, talks or votes."""
    return users.count() == talks.count() == votes.count() == 0


def load(n_users, n_talks, n_votes, seed=None, progress=lambda n: None, batch=1000):
    """Insert demo data in batches, calling progress(n) per batch, then set every count by tally."""
    user_docs, talk_docs, vote_docs = make(n_users, n_talks, n_votes, seed)
    for insert, docs in ((users.insert_many, user_docs), (talks.insert_many, talk_docs), (votes.insert_many, vote_docs)):
        for i in range(0, len(docs), batch):
            insert(docs[i:i + batch])
            progress(len(docs[i:i + batch]))
    tally()
    return len(user_docs), len(talk_docs), len(vote_docs)
