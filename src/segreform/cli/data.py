"""CLI commands for the data job."""

from segreform.cli.app import main  # noqa: F401
