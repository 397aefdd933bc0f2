"""The ``segreform`` command line. Each job registers its commands in its own module.

Commands import their job's modules when they run, not at the top: every command module is loaded for
``segreform --help``, and the jobs' modules (numba kernels, SQLAlchemy, Dask, plotly) take seconds to load.
"""

from segreform.cli.app import main
from segreform.cli import measure, data, evaluate, web, programme, programme_year, scale, spatial, users  # noqa: F401,E402

__all__ = ["main"]
