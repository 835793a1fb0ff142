"""The app's own commands (`python -m app ...`), which the fab tasks call."""
import contextlib
import getpass
import signal
import sys
import time
from datetime import datetime
from pathlib import Path

import click

from . import backup, create_app, demo
from .config import PHASES, Config
from .counts.ledger import rekey_old_votes, tally, waiting
from .homepage import bake as baking
from .homepage import varnish as varnish_client
from .organizers import fraud, moderation
from .runtime import embedded
from .store import indexes, maintenance


@contextlib.contextmanager
def app_context(offline=False, **options):
    """An app bound to the database the running site serves (MONGO_URI, or the embedded server of `fab serve` or
    `fab stack` on this data dir). Only an `offline` task, one that prepares the data a later start serves, may
    start the embedded database for its own duration; any other refuses, naming the data dir it looked in."""
    config = Config()
    with contextlib.ExitStack() as stack:
        try:
            uri = stack.enter_context(embedded.database_uri(config, start=offline))
        except embedded.NotServed as exc:
            raise click.ClickException(str(exc)) from None
        app = create_app({"MONGO_URI": uri}, **options)
        stack.callback(app.extensions["mongo"].close)  # before the embedded server it may have started stops
        stack.enter_context(app.app_context())
        yield app


@click.group()
def main():
    """Lightning talks: pitch five-minute talks and vote on them."""


def _upgrade_database():
    """Create any missing index and move votes stored under older _ids (idempotent); the indexes' names."""
    created = indexes.apply()
    moved = rekey_old_votes()
    if moved:
        click.echo(f"moved {moved} votes to the _ids this version finds them by")
    return created


@main.command("indexes")
def apply_indexes():
    """Create any missing index, and bring older data up to date (idempotent)."""
    with app_context(offline=True):
        for name in _upgrade_database():
            click.echo(f"index {name}")


@main.command("tally")
@click.option("--dry-run", is_flag=True, help="Report drift without fixing it.")
def tally_command(dry_run):
    """Recount every talk from the votes and fix any drift (only in the served database; a dry run anywhere)."""
    with app_context(offline=dry_run):
        drift, due = tally(fix=not dry_run), sorted(set(waiting()))
    for talk_id, was, now in drift:
        click.echo(f"{talk_id}: stored {was}, counted {now}{'' if dry_run else ' (fixed)'}")
    click.echo(f"{len(drift)} talk(s) drifted" + ("" if dry_run or not drift else ", all fixed"))
    if due:  # so that drift the site is about to repair by itself is not taken for a lasting fault
        click.echo(f"{len(due)} talk(s) wait for the recount the site makes by itself on its next requests "
                   f"(a vote's write failed or was cut off): {', '.join(due)}")


@main.command()
@click.argument("name", type=click.Choice([*PHASES, "schedule"]))
def phase(name):
    """Switch the phase now (or `schedule` to follow the dates)."""
    with app_context() as app:
        # The audit log names who switched: here the shell user (over `fab e`, the server's login).
        now = moderation.switch_phase(name, getpass.getuser(), via="fab phase")
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
    with app_context(offline=True):
        if not demo.is_empty():
            if not force:
                raise click.ClickException("the database already has data; add --force to wipe it")
            maintenance.wipe()
        _upgrade_database()
        made = _load_demo(n_users, n_talks, n_votes, seed)
        baking.rebake()
    click.echo("loaded {} users, {} talks, {} votes (demo password: {})".format(*made, demo.DEMO_PASSWORD))


def _echo_account(row):
    state = " [quarantined]" if row["quarantined"] else ""
    click.echo(f"{row['score']:>3}  {row['email']}{state}: {'; '.join(row['reasons']) or 'no signals now'}")


@main.command("check-voters")
def check_voters():
    """Print suspicious accounts with their reasons, worst first, and whether the top N holds without them."""
    with app_context(offline=True) as app:
        started = time.monotonic()
        report = fraud.screen()
        robustness = fraud.robustness(report, app.config["TOP_N"])
        took = time.monotonic() - started
    for row in report:
        _echo_account(row)
    suspects = fraud.suspects(report)
    click.echo(f"{len(report)} account(s) with warning signs, {len(suspects)} scoring {fraud.SUSPECT_SCORE}+ "
               f"(screened in {took:.2f} s)")
    if robustness["holds"]:
        click.echo(f"top {robustness['n']}: holds without the suspects' {robustness['excluded_votes']} vote(s)")
    for word, key in (("leaves", "leave"), ("enters", "enter")):
        for move in robustness[key]:
            click.echo(f"top {robustness['n']}: without suspect votes, {move['talk']['title']!r} {word} "
                       f"({move['now']} -> {move['clean']} votes)")


@main.command("remove-fakes")
@click.option("--apply", "apply_", is_flag=True, help="Quarantine them; without it, only list who would be.")
@click.option("--min-score", default=fraud.SUSPECT_SCORE, show_default=True, help="The score that makes a suspect.")
def remove_fakes(apply_, min_score):
    """Quarantine every suspect account (dry run without --apply): votes stop counting, nothing is deleted."""
    with app_context(offline=not apply_):
        targets = [row for row in fraud.suspects(fraud.screen(), min_score) if not row["quarantined"]]
        for row in targets:
            _echo_account(row)
        if apply_ and targets:
            moderation.quarantine([row["user"] for row in targets], "cli", f"remove_fakes, score {min_score}+")
    verb = "quarantined" if apply_ else "would quarantine (dry run: add --apply)"
    click.echo(f"{verb} {len(targets)} account(s); release any from the dashboard")


@main.command()
def bake():
    """Render the homepage into www/."""
    with app_context(offline=True):
        click.echo(f"baked {baking.rebake()}")


def _ready_site(empty):
    """Indexes, demo data in an empty database (unless `empty`), and a fresh bake: what a served site needs first."""
    _upgrade_database()
    if not empty and demo.is_empty():
        _load_demo(60, 18, 400)
    baking.bake()


EMPTY = click.option("--empty", is_flag=True, help="Start without demo data, even on an empty database.")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@EMPTY
def serve(host, port, empty):
    """Serve the site (embedded database, demo data on first run); Ctrl-C stops everything."""
    from .runtime.devserver import run
    # Ctrl-C and SIGTERM end in a normal exit, so the embedded database is stopped too; SIGINT is
    # reset because a shell's background job inherits it ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with app_context(offline=True, serve_www=True) as app:
        _ready_site(empty)
        click.echo(f"Lightning talks on http://{host}:{port}/  (dashboard: http://{host}:{port}/dashboard, "
                   f"user {app.config['DASHBOARD_USER']})\nPress Ctrl-C to stop.")
        run(app, host, port)


@main.command()
@click.option("--port", default=8080, show_default=True, help="Varnish's port; nginx takes the next one, varnishadm port+3.")
@click.option("--workers", default=2, show_default=True, help="uWSGI worker processes.")
@EMPTY
def stack(port, workers, empty):
    """Run the production stack on loopback: Varnish, nginx, uWSGI (and the database); Ctrl-C stops it."""
    from .runtime import stack as production
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    config = Config()
    settings = production.StackSettings.from_config(
        config, port=port, nginx_port=port + 1, admin_port=port + 3, workers=workers)
    with app_context(offline=True) as app:
        _ready_site(empty)
        try:
            with production.running(settings, config, app.config["MONGO_URI"]) as daemons:
                for layer, url in production.urls(settings).items():
                    click.echo(f"{layer:>8}  {url}")
                click.echo(f"database  {app.config['MONGO_URI']}\nlogs in {settings.run_dir / 'logs'}; "
                           "Ctrl-C stops everything.")
                while all(daemon.running for daemon in daemons.values()):
                    time.sleep(0.5)
                stopped = [name for name, daemon in daemons.items() if not daemon.running]
                raise click.ClickException(f"{', '.join(stopped)} stopped; see {settings.run_dir / 'logs'}")
        except production.StartError as exc:
            raise click.ClickException(str(exc)) from None


@main.command()
@click.option("--port", default=80, show_default=True, help="Varnish's public port.")
@click.option("--workers", default=4, show_default=True, help="uWSGI worker processes.")
@click.option("--user", default="www-data", show_default=True, help="The unprivileged user uWSGI and nginx's workers run as.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Where nginx listens: an app server's private address when scaling out (uWSGI is always on a unix socket).")
@click.option("--varnish-host", default="127.0.0.1", show_default=True, help="Varnish's address, as the app servers see it.")
@click.option("--backend", "backends", multiple=True, help="host:port of an app server's nginx, once per server (default: this one).")
@click.option("--nginx-port", type=int, help="nginx's port (8081).")
@click.option("--admin-port", type=int, help="varnishadm's port (8083).")
@click.option("--db-port", type=int, help="The embedded database's port, without MONGO_URI (27017).")
@click.option("--listen", help="Varnish's address (default: every address in production, else 127.0.0.1).")
@click.option("--current", type=click.Path(file_okay=False),
              help="Run from this path (a deploy's `current` symlink): its code, .venv/ and baked www/.")
def confs(port, workers, user, host, varnish_host, backends, current, **optional):
    """Render confs/ and the systemd units into the run dir for this server; list what changed."""
    from .runtime import stack as production
    if user == "root":
        raise click.ClickException("the app must never run as root: give an unprivileged --user")
    config = Config()
    # A deploy's confs name the `current` symlink, never a release: switching it switches everything.
    paths = {"root": Path(current), "bin_dir": Path(current) / ".venv" / "bin", "www_dir": Path(current) / "www"} if current else {}
    settings = production.StackSettings.from_config(
        config, port=port, workers=workers, user=user, host=host, varnish_host=varnish_host, backends=backends,
        **paths, **{name: value for name, value in optional.items() if value is not None})
    for path in production.render(settings, config):
        click.echo(f"changed {path}")


@main.command()
@click.option("--pattern", default="/", show_default=True, help="Regex of the URLs to drop; `/` drops them all.")
def varnish(pattern):
    """Drop cached pages from the running stack's Varnish."""
    settings = Config().as_flask()
    where = varnish_client.url(settings)
    if not where:
        raise click.ClickException("no Varnish is running: start `fab stack`, or set LT_VARNISH_URL")
    if not varnish_client.ban(settings, pattern):
        raise click.ClickException(f"Varnish at {where} refused the ban")
    click.echo(f"banned {pattern} from {where}")


@main.command()
@click.option("--port", default=27017, show_default=True)
def db(port):
    """Run the embedded database in the foreground until SIGTERM (its systemd unit)."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with embedded.EmbeddedMongo(Config().DATA_DIR, port) as server:
        click.echo(server.announcement)
        server.process.wait()
    raise click.ClickException("the embedded database exited; see its log in LT_DATA_DIR")


@main.command("backup")
@click.option("--output", type=click.Path(dir_okay=False, writable=True, allow_dash=True), default="-",
              show_default=True, help="File to write; - for standard output.")
def backup_command(output):
    """Write every collection as lossless Extended JSON (talk counts agree with its votes)."""
    with app_context(offline=True):
        text = backup.dump()
    with click.open_file(output, "w", atomic=output != "-") as out:
        out.write(text)
    if output != "-":
        click.echo(f"backed up to {output}", err=True)


@main.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--force", is_flag=True, help="Replace existing data.")
def restore_command(source, force):
    """Restore a backup file into the database (refuses a non-empty one without --force)."""
    with click.open_file(source) as src:
        text = src.read()
    with app_context(offline=True):
        try:
            counts = backup.load(text, force)
        except backup.RestoreError as exc:
            raise click.ClickException(str(exc)) from None
        _upgrade_database()
        baking.rebake()
    click.echo("restored " + ", ".join(f"{n} {name}" for name, n in counts.items()))


@main.command()
@click.option("--force", is_flag=True, help="Really empty it (a backup is written first).")
def reset(force):
    """Empty the database for a clean start, after writing a backup of it into the data dir's backups/."""
    with app_context(offline=True) as app:
        held = ", ".join(f"{n} {name}" for name, n in maintenance.counts().items() if n)
        if not held:
            click.echo("the database is already empty")
            return
        if not force:
            raise click.ClickException(f"this deletes {held}; add --force to do it (a backup is written first)")
        saved = Path(app.config["DATA_DIR"]) / "backups" / f"reset-{datetime.now():%Y%m%d-%H%M%S-%f}.json"
        saved.parent.mkdir(parents=True, exist_ok=True)
        with click.open_file(saved, "w", atomic=True) as out:
            out.write(backup.dump())
        maintenance.empty()
        baking.rebake()
    click.echo(f"backed up to {saved}\nemptied the database (it held {held}); "
               f"undo with `python -m app restore --force {saved}`")
