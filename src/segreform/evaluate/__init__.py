"""segreform.evaluate: evaluation estimators, pre-registered plans and their runs.

Estimators (long panel in, :class:`~segreform.evaluate.results.EvaluationResult` out):
:func:`callaway_santanna` (staggered DiD), :func:`synthetic_control`, :func:`synthetic_did`,
:func:`twfe` and :func:`event_study`. Plans and runs: :mod:`segreform.evaluate.plans`,
:mod:`segreform.evaluate.runs`; reports: :mod:`segreform.evaluate.report`.
"""

from segreform.evaluate.did import callaway_santanna
from segreform.evaluate.panel import DesignError
from segreform.evaluate.results import Estimate, EvaluationResult
from segreform.evaluate.sdid import synthetic_did
from segreform.evaluate.synth import synthetic_control
from segreform.evaluate.twfe import StaggeredTimingWarning, event_study, twfe
from segreform.data.writer import on_import as _on_import
from segreform.evaluate.runs import _rerun_on_import

# Continuous evaluation: every import that stores new data re-runs the plans whose data changed.
_on_import(_rerun_on_import)

__all__ = [
    "DesignError", "Estimate", "EvaluationResult", "StaggeredTimingWarning", "callaway_santanna", "event_study",
    "synthetic_control", "synthetic_did", "twfe",
]
