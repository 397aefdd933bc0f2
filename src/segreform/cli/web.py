"""CLI commands for the web job."""

from segreform.cli.app import main  # noqa: F401
