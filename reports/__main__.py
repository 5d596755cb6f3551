"""`python -m reports ...` runs the `report` commands without the `cfc` entry point."""

from reports.cli import main

main()
