"""CLI commands for the measure job."""

from segreform.cli.app import main  # noqa: F401
