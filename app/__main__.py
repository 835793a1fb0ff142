"""`python -m app COMMAND`: see app/cli.py."""
import sys

from .cli import main
from .config import ConfigError

try:
    main()
except ConfigError as error:  # a setting to fix, not a bug: its message alone says what to do
    sys.exit(f"Error: {error}")
