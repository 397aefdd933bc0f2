"""CLI commands for the evaluate job."""

from segreform.cli.app import main  # noqa: F401
