"""`python -m app COMMAND`: see app/cli.py."""
from .cli import main

main()
