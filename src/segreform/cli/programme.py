"""CLI commands for the programme job."""

from segreform.cli.app import main  # noqa: F401
