"""segreform.evaluate: evaluation estimators, pure functions of a long panel.

Estimators (long panel in, :class:`~segreform.evaluate.results.EvaluationResult` out):
:func:`callaway_santanna` (staggered DiD), :func:`synthetic_control`, :func:`synthetic_did`,
:func:`twfe` and :func:`event_study`. This package imports only the numeric stack and
:mod:`segreform.measure`; plans, runs and reports tied to the programme's data live in
:mod:`segreform.research`.
"""

from segreform.evaluate.did import callaway_santanna
from segreform.evaluate.panel import DesignError
from segreform.evaluate.results import Estimate, EvaluationResult
from segreform.evaluate.sdid import synthetic_did
from segreform.evaluate.synth import synthetic_control
from segreform.evaluate.twfe import StaggeredTimingWarning, event_study, twfe

__all__ = [
    "DesignError", "Estimate", "EvaluationResult", "StaggeredTimingWarning", "callaway_santanna", "event_study",
    "synthetic_control", "synthetic_did", "twfe",
]
