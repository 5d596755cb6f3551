"""The `cfc` command line."""
