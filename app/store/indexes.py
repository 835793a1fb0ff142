"""Every index the queries need, declared once and applied idempotently by deploy and serve."""
from pymongo import ASCENDING, DESCENDING, IndexModel

from ..db import get_db

INDEXES = {
    "users": [
        ([("email", ASCENDING)], {"unique": True, "name": "email_unique"}),
    ],
    "sessions": [
        # The public list: visible talks, newest first.
        ([("hidden", ASCENDING), ("created_at", DESCENDING)], {"name": "visible_by_date"}),
        ([("user", ASCENDING)], {"name": "by_speaker"}),
    ],
    # Old rate-limit windows expire on their own (expires_at is the end of the window).
    "ratelimits": [
        ([("expires_at", ASCENDING)], {"expireAfterSeconds": 0, "name": "expire_windows"}),
    ],
    # Mailed one-time links: found by their hash; dead ones expire on their own.
    "tokens": [
        ([("expires_at", ASCENDING)], {"expireAfterSeconds": 0, "name": "expire_tokens"}),
        ([("user", ASCENDING), ("purpose", ASCENDING)], {"name": "by_user"}),
    ],
    "votes": [
        # One vote per user per talk, enforced by the database under any concurrency.
        ([("user", ASCENDING), ("session", ASCENDING)], {"unique": True, "name": "user_session_unique"}),
        ([("session", ASCENDING)], {"name": "by_session"}),
    ],
    # The dashboard shows the newest entries first.
    "audit": [
        ([("at", DESCENDING)], {"name": "newest_first"}),
    ],
    # A speaker hears about each decision on a talk once, even if two organizers click Send.
    "mails": [
        ([("talk", ASCENDING), ("decision", ASCENDING)], {"unique": True, "name": "once_per_decision"}),
    ],
}


def apply():
    """Create any missing index; existing ones are left alone, nothing is dropped."""
    db = get_db()
    created = []
    for collection, specs in INDEXES.items():
        names = db[collection].create_indexes([IndexModel(keys, **options) for keys, options in specs])
        created.extend(f"{collection}.{name}" for name in names)
    return created
