"""The one MongoDB client of this process, and the database handle views reach it by."""
from flask import current_app
from pymongo import MongoClient


def make_client(config):
    """A client that opens no socket until first used, so uWSGI can fork safely."""
    timeout = config["DB_TIMEOUT_MS"]
    return MongoClient(
        config["MONGO_URI"],
        connect=False,
        uuidRepresentation="standard",
        tz_aware=True,
        serverSelectionTimeoutMS=timeout,
        connectTimeoutMS=timeout,
        socketTimeoutMS=timeout * 2,
    )


def init_app(app, client=None):
    """Attach a client (the one given, e.g. mongomock, or one built from MONGO_URI)."""
    if client is None:
        if not app.config["MONGO_URI"]:
            raise RuntimeError("MONGO_URI is not set: start the embedded database (fab serve) or point it at MongoDB")
        client = make_client(app.config)
    app.extensions["mongo"] = client


def get_db():
    """The app's database."""
    return current_app.extensions["mongo"][current_app.config["DB_NAME"]]
