"""The ``segreform`` command line. Each job registers its commands in its own module."""

from segreform.cli.app import main
from segreform.cli import measure, data, evaluate, web, programme, scale, spatial  # noqa: F401,E402

__all__ = ["main"]
