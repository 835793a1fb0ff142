"""The one MongoDB client of this process, and the database handle views reach it by."""
from flask import current_app, request
from pymongo import MongoClient
from pymongo.errors import ServerSelectionTimeoutError


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
        # While the database is down, its monitor looks again each second: then requests flow again.
        heartbeatFrequencyMS=1000,
    )


def refuse_while_down():
    """Fail at once while the client's monitor last found the database unreachable.

    Otherwise each request would hold its worker for the whole selection timeout, and under load
    the queue behind them makes every reply, even the 503, take many times as long."""
    if request.blueprint == "site":
        return  # the baked files under `fab serve` need no database
    servers = current_app.extensions["mongo"].topology_description.server_descriptions().values()
    if servers and all(server.error is not None for server in servers):
        raise ServerSelectionTimeoutError("the database was unreachable at the last check")


def init_app(app, client=None):
    """Attach a client (the one given, e.g. mongomock, or one built from MONGO_URI)."""
    if client is None:
        if not app.config["MONGO_URI"]:
            raise RuntimeError("MONGO_URI is not set: start the embedded database (fab serve) or point it at MongoDB")
        client = make_client(app.config)
        app.before_request(refuse_while_down)  # a client given (mongomock in tests) has no monitor
    app.extensions["mongo"] = client
    # One handle for the app's life: PyMongo builds a new one on each lookup, which a vote did four times.
    app.extensions["db"] = client[app.config["DB_NAME"]]


def get_db():
    """The app's database."""
    return current_app.extensions["db"]
