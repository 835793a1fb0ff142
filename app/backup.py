"""A lossless JSON backup of the database (MongoDB Extended JSON), and its restore."""
from collections import Counter
from datetime import datetime, timezone

from bson import json_util

from .store import snapshots

FORMAT = "lightning-talks-backup"
# Canonical Extended JSON keeps every BSON type exactly: dates, int vs float, binary.
JSON_OPTIONS = json_util.CANONICAL_JSON_OPTIONS


class RestoreError(ValueError):
    """The file is not a backup, or the target is not empty."""


def _recounted(talks, votes):
    """Talks with `votes` recomputed from the votes in the same backup, so the pair is consistent
    even if votes arrived while the collections were being read one after another."""
    counted = Counter(v["session"] for v in votes if v.get("counted", True) is not False)
    return [{**talk, "votes": counted.get(talk["_id"], 0)} for talk in talks]


def dump():
    """The whole database as a backup document (a str of Extended JSON)."""
    collections = {name: snapshots.documents(name) for name in snapshots.collection_names()}
    if "sessions" in collections:
        collections["sessions"] = _recounted(collections["sessions"], collections.get("votes", []))
    document = {"format": FORMAT, "version": 1, "created_at": datetime.now(timezone.utc), "collections": collections}
    return json_util.dumps(document, json_options=JSON_OPTIONS)


def load(text, force=False):
    """Restore a backup; refuses a non-empty target unless force. Returns {collection: count}."""
    try:
        document = json_util.loads(text, json_options=JSON_OPTIONS)
    except ValueError as exc:
        raise RestoreError(f"not a backup file: {exc}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise RestoreError("not a lightning-talks backup file")
    collections = document["collections"]
    occupied = snapshots.non_empty(collections)
    if occupied and not force:
        raise RestoreError(f"the database already has data in {', '.join(occupied)}; add --force to replace it")
    for name, docs in collections.items():
        snapshots.replace(name, docs)
    return {name: len(docs) for name, docs in collections.items()}
