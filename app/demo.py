"""Realistic demo data: attendees, pitched talks and votes skewed towards favourites."""
import itertools
import random
import uuid
from datetime import datetime, timedelta, timezone

from faker import Faker

from .counts.ledger import tally
from .store import talks, users, votes

DEMO_PASSWORD = "lightning"
TOPICS = [
    "Python packaging", "SQLite", "accessibility", "Varnish", "Unicode", "regular expressions",
    "time zones", "open data", "election maps", "web scraping", "CSV files", "type hints",
    "data journalism", "census tables", "headless browsers", "cron jobs", "PDF tables",
    "public records requests", "map projections", "colour palettes", "spreadsheets", "git bisect",
    "fuzz testing", "caching", "rate limiting", "screen readers", "small multiples", "Fabric",
    "nginx", "MongoDB indexes", "static sites", "newsroom bots", "Jupyter notebooks", "hypothesis",
]
TITLES = [
    "What {topic} taught me in one bad week", "{topic} in five minutes", "Stop fearing {topic}",
    "{topic}: the parts nobody documents", "I rebuilt our newsroom's {topic} over a weekend",
    "Ten things I wish I knew about {topic}", "A love letter to {topic}", "{topic} for the impatient",
    "How {topic} saved election night", "Why our {topic} broke, and how we fixed it",
]
DESCRIPTIONS = [
    "A quick tour of {topic}, with the mistakes I made so you don't have to.",
    "Live demo, no slides: {topic} from zero to something useful before the bell rings.",
    "Three stories from the newsroom about {topic}, and one tool you can use on Monday.",
    "{topic} looks simple until deadline day. Here is what actually works.",
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
    for _ in range(n_talks):
        speaker, topic = rng.choice(user_docs), rng.choice(TOPICS)
        talk_docs.append({
            "_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "title": rng.choice(TITLES).format(topic=topic)[:200],
            "description": rng.choice(DESCRIPTIONS).format(topic=topic),
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
        "_id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
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
