"""The run directory's shared layout (LT_RUN_DIR): the rendered systemd units, the services' logs and the state files
that say what runs there. The daemons' own paths (socket, prefixes) are StackSettings properties."""

# Start order: the database, then the app, then what sits in front of it.
SERVICES = ("db", "uwsgi", "nginx", "varnish")
UNIT_PREFIX = "lightning-talks-"
UNITS_PATTERN = f"{UNIT_PREFIX}*"  # every unit, as `journalctl -u` matches them


def unit_name(service):
    """The systemd unit of one service."""
    return f"{UNIT_PREFIX}{service}.service"


def unit_file(service):
    """A unit's path inside the run dir, which is also its template's inside confs/."""
    return f"systemd/{unit_name(service)}"


def logs(run_dir):
    """The services' own logs, when `fab stack` or our supervisor (not systemd) runs them."""
    return run_dir / "logs"


def log(run_dir, service):
    """One service's log."""
    return logs(run_dir) / f"{service}.log"


def stack_state(run_dir):
    """What `fab stack` records while its Varnish runs: its URL, for bakes run by hand to purge."""
    return run_dir / "stack.json"


def services_state(run_dir):
    """What our supervisor records while it runs: its pid and each service's (for ExecReload's $MAINPID)."""
    return run_dir / "services.json"


# The supervisor's own pid in services.json, under the name releases before rundir.py gave it: a deploy or a
# rollback across that change must still find the supervisor that runs, not start a second one.
SUPERVISOR_PID = "supervisor"
