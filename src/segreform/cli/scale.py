"""CLI commands for the scale job."""

from segreform.cli.app import main  # noqa: F401
