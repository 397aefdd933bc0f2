"""segreform.research: programme-linked evaluation, built on the pure estimators of :mod:`segreform.evaluate`.

:mod:`~segreform.research.plans` registers evaluation plans (outcome, estimator, treated units from the
programme's decisions, comparison pool) before the outcomes arrive; :mod:`~segreform.research.runs` estimates
them on the stored data and keeps every run with the releases it read; :mod:`~segreform.research.report`
writes the HTML/PDF report of a run.

Continuous evaluation (re-run the plans whose data changed after each import) is switched on by
:func:`install`, called once at start-up by the web application and the command line; importing this
package registers nothing.
"""

from __future__ import annotations

from sqlalchemy import Engine, select

from segreform.data.writer import on_import
from segreform.store.models.evaluation import EvaluationPlan

__all__ = ["install", "rerun_on_import"]


def install() -> None:
    """Register continuous evaluation as an after-import step of the data layer (idempotent)."""
    on_import(rerun_on_import)


def rerun_on_import(engine: Engine, result) -> str | None:
    """After-import step: re-run the registered plans whose data changed; a note for the user, if any ran."""
    with engine.connect() as conn:
        if conn.execute(select(EvaluationPlan.id).limit(1)).first() is None:
            return None  # no plan to re-run (the usual case of an import): the estimators need not load
    # Imported when a plan may re-run, not at start-up: the estimators (numba) and the programme take
    # seconds to load, and most commands never import data.
    from segreform.research.runs import rerun_after_import  # on use, see above

    new_runs = rerun_after_import(engine, trigger="import")
    return f"re-ran {len(new_runs)} evaluation plan(s) on the new data: runs {new_runs}" if new_runs else None
