"""The audit log: every organizer action on talks and accounts (who, what, when)."""
import uuid
from datetime import datetime, timezone

from ..db import get_db


def record(by, action, target, detail=""):
    """Write one entry: `by` did `action` to `target` (a talk or account, by its label)."""
    get_db().audit.insert_one({
        "_id": str(uuid.uuid4()), "at": datetime.now(timezone.utc),
        "by": by, "action": action, "target": target, "detail": detail,
    })


def recent(limit=100):
    """The newest entries first."""
    return list(get_db().audit.find({}, {"_id": 0}).sort("at", -1).limit(limit))
