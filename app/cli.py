"""The app's own commands (`python -m app ...`), which the fab tasks call."""
import contextlib
import signal
import sys

import click

from . import bake as baking, create_app, demo, embedded, phases
from .config import PHASES, Config
from .store import indexes, maintenance
from .tally import tally as recount


@contextlib.contextmanager
def app_context(**options):
    """An app bound to the configured database (starting the embedded one if needed)."""
    config = Config()
    with embedded.database_uri(config) as uri:
        app = create_app({"MONGO_URI": uri}, **options)
        with app.app_context():
            yield app


@click.group()
def main():
    """Lightning talks: pitch five-minute talks and vote on them."""


@main.command("indexes")
def apply_indexes():
    """Create any missing index (idempotent)."""
    with app_context():
        for name in indexes.apply():
            click.echo(f"index {name}")


@main.command()
@click.option("--dry-run", is_flag=True, help="Report drift without fixing it.")
def tally(dry_run):
    """Recount every talk from the votes and fix any drift."""
    with app_context():
        drift = recount(fix=not dry_run)
    for talk_id, was, now in drift:
        click.echo(f"{talk_id}: stored {was}, counted {now}{'' if dry_run else ' (fixed)'}")
    click.echo(f"{len(drift)} talk(s) drifted" + ("" if dry_run or not drift else ", all fixed"))


@main.command()
@click.argument("name", type=click.Choice([*PHASES, "schedule"]))
def phase(name):
    """Switch the phase now (or `schedule` to follow the dates)."""
    with app_context() as app:
        now = phases.switch(name, "cli")
        baking.bake()
    forced = f" (forced by LT_PHASE={app.config['PHASE']})" if app.config["PHASE"] else ""
    click.echo(f"phase: {now}{forced}")


def _load_demo(n_users, n_talks, n_votes, seed=None):
    with click.progressbar(length=n_users + n_talks + min(n_votes, n_users * n_talks),
                           label="demo data", file=sys.stderr) as bar:
        return demo.load(n_users, n_talks, n_votes, seed, progress=bar.update)


@main.command("fake-data")
@click.option("--users", "n_users", default=60, show_default=True)
@click.option("--sessions", "n_talks", default=18, show_default=True)
@click.option("--votes", "n_votes", default=400, show_default=True)
@click.option("--seed", type=int, default=None, help="Make the same data every time.")
@click.option("--force", is_flag=True, help="Wipe existing users, talks and votes first.")
def fake_data(n_users, n_talks, n_votes, seed, force):
    """Load realistic demo data; refuses a non-empty database without --force."""
    with app_context():
        if not demo.is_empty():
            if not force:
                raise click.ClickException("the database already has data; add --force to wipe it")
            maintenance.wipe()
        indexes.apply()
        made = _load_demo(n_users, n_talks, n_votes, seed)
        baking.bake()
    click.echo("loaded {} users, {} talks, {} votes (demo password: {})".format(*made, demo.DEMO_PASSWORD))


@main.command()
def bake():
    """Render the homepage into www/."""
    with app_context():
        click.echo(f"baked {baking.bake()}")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
def serve(host, port):
    """Serve the site (embedded database, demo data on first run); Ctrl-C stops everything."""
    from .devserver import run
    # Ctrl-C and SIGTERM end in a normal exit, so the embedded database is stopped too; SIGINT is
    # reset because a shell's background job inherits it ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with app_context(serve_www=True) as app:
        indexes.apply()
        if demo.is_empty():
            _load_demo(60, 18, 400)
        baking.bake()
        click.echo(f"Lightning talks on http://{host}:{port}/  (dashboard: /api/dashboard/, "
                   f"user {app.config['DASHBOARD_USER']})\nPress Ctrl-C to stop.")
        run(app, host, port)
