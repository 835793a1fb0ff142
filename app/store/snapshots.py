"""Reading and writing whole collections, for backup and restore."""
from ..db import get_db

# Rate-limit windows are short-lived and not worth restoring.
SKIPPED = {"ratelimits"}


def collection_names():
    """Every collection worth backing up, sorted."""
    return sorted(set(get_db().list_collection_names()) - SKIPPED)


def documents(name):
    """Every document of one collection, in _id order."""
    return list(get_db()[name].find({}).sort("_id", 1))


def non_empty(names):
    """Which of these collections hold documents."""
    db = get_db()
    return [name for name in names if db[name].count_documents({}, limit=1)]


def replace(name, docs, batch=1000):
    """Empty a collection (keeping its indexes) and insert these documents."""
    collection = get_db()[name]
    collection.delete_many({})
    for start in range(0, len(docs), batch):
        collection.insert_many(docs[start:start + batch], ordered=True)
