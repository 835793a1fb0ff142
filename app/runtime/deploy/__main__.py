"""The deploy's commands that run on the server itself (`python -m app.runtime.deploy ...`), called by fab over SSH."""
import click

from . import services, supervisor
from .check import CheckFailed
from .check import check as check_release

MANAGER = click.option("--manager", type=click.Choice(list(services.MANAGERS)), default="systemd", show_default=True,
                       help="systemd, or our supervisor running the units as plain processes.")
RUN_DIR = click.argument("run_dir", type=click.Path(exists=True, file_okay=False))


@click.group()
def main():
    """Run and check the stack on this server."""


@main.command()
@RUN_DIR
def supervise(run_dir):
    """Run the rendered units as plain processes until SIGTERM (what `--manager processes` starts)."""
    supervisor.supervise(run_dir)


@main.command()
@RUN_DIR
@MANAGER
@click.option("--reload", "reloads", multiple=True, help="A service to reload, when they already run.")
@click.option("--restart", "restarts", multiple=True, help="A service to restart (its unit changed).")
def refresh(run_dir, manager, reloads, restarts):
    """Start the services if they are down; else restart and reload the ones named. Prints what it did."""
    stack = services.manager(manager, run_dir)
    if not stack.running():
        stack.start()
        click.echo("started")
        return
    if restarts:
        stack.restart(restarts)
    if reloads:
        stack.reload(reloads)
    click.echo(f"restarted {' '.join(restarts) or 'none'}; reloaded {' '.join(reloads) or 'none'}")


@main.command()
@RUN_DIR
@MANAGER
@click.argument("names", nargs=-1, required=True)
def restart(run_dir, manager, names):
    """Restart these services (`fab bounce`)."""
    services.manager(manager, run_dir).restart(names)


@main.command()
@RUN_DIR
@MANAGER
def stop(run_dir, manager):
    """Stop every service."""
    services.manager(manager, run_dir).stop()


@main.command()
@click.argument("base")
@click.option("--release", required=True, help="The release that must answer /api/health.")
@click.option("--timeout", default=30, show_default=True, help="Seconds to wait for it.")
def check(base, release, timeout):
    """Check a release at BASE (nginx or Varnish on this server): its own /api/health, then the homepage."""
    try:
        check_release(base.rstrip("/"), release, timeout)
    except CheckFailed as failure:
        raise click.ClickException(str(failure)) from None
    click.echo(f"release {release} is healthy and serves the homepage")


main()
