"""Lightning talks: pitch five-minute talks and vote on which get on stage."""


def create_app(config=None, client=None, serve_www=False):
    """Build the app from the environment, with `config` overrides and an optional DB client."""
    # Imported here, as flaskr does: `fab` and the deploy commands import app.runtime, and Flask, PyMongo and
    # every view cost each of those processes a fifth of a second they never use.
    from flask import Flask
    from werkzeug.middleware.proxy_fix import ProxyFix

    from . import db, errors, headers, origins, params
    from .api import health, talks, users, votes
    from .config import Config
    from .counts import ledger
    from .homepage import site
    from .organizers import dashboard

    app = Flask(__name__)
    app.config.from_mapping(Config().as_flask())
    app.config.update(config or {})
    app.json.sort_keys = False
    db.init_app(app, client)
    errors.init_app(app)
    headers.init_app(app)
    app.before_request(params.refuse_unreadable_input)
    app.before_request(origins.refuse_cross_site)
    ledger.init_app(app)
    for blueprint in (users.bp, talks.bp, votes.bp, health.bp, dashboard.bp):
        app.register_blueprint(blueprint)
    if serve_www:  # In the stack nginx serves www/; `fab serve` has only Flask.
        app.register_blueprint(site.bp)
    # The client's address, for fraud signals and rate limits, is in X-Forwarded-For. In the stack Varnish has
    # already cut the header down to that one address (confs/varnish.vcl), which nginx also passes as REMOTE_ADDR.
    if app.config["PROXY_COUNT"]:
        proxies = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)
    return app
