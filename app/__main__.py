"""`python -m app COMMAND`: see app/cli.py."""
import atexit
import sys

from pymongo.synchronous import monitor

from .cli import main
from .config import ConfigError

# Each command closes its database client when it ends (cli.app_context), and a client's monitor threads are
# daemons: PyMongo's exit handler would only wait, up to half a second, for each closed monitor to wake from its
# sleep, and every `fab` task that runs a command took that much longer.
atexit.unregister(monitor._shutdown_resources)

try:
    main()
except ConfigError as error:  # a setting to fix, not a bug: its message alone says what to do
    sys.exit(f"Error: {error}")
