"""A lossless JSON backup of the database (MongoDB Extended JSON), and its restore."""
from datetime import datetime, timezone

from bson import json_util

from .counts import ledger
from .store import snapshots

FORMAT = "lightning-talks-backup"
# Canonical Extended JSON keeps every BSON type exactly: dates, int vs float, binary.
JSON_OPTIONS = json_util.CANONICAL_JSON_OPTIONS


class RestoreError(ValueError):
    """The file is not a backup, or the target is not empty."""


def dump():
    """The whole database as a backup document (a str of Extended JSON)."""
    collections = {name: snapshots.documents(name) for name in snapshots.collection_names()}
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
    # Votes may have arrived while the collections were read one after another: the tally makes
    # the restored counts equal the restored votes.
    ledger.tally()
    return {name: len(docs) for name, docs in collections.items()}
