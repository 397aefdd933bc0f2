"""A plan's estimator with ALL its settings resolved at registration, so the hash covers what will run.

Every keyword setting of the estimator function (its defaults included) is written into the plan; the
research defaults below override a few library defaults that suit a programme evaluation (a bootstrap for
the DiD's uniform bands, placebos for a synthetic control). A later change of a library default therefore
never changes what a registered plan runs.
"""

from __future__ import annotations

import inspect
import json

import pandas as pd

from segreform.evaluate.did import callaway_santanna
from segreform.evaluate.panel import DesignError
from segreform.evaluate.results import EvaluationResult
from segreform.evaluate.sdid import synthetic_did
from segreform.evaluate.synth import synthetic_control

FUNCTIONS = {"did": callaway_santanna, "synth": synthetic_control, "sdid": synthetic_did}
RESEARCH_DEFAULTS = {
    "did": {"bootstrap": 999, "seed": 1, "control": "notyet"},
    "synth": {"placebos": True, "seed": 0},
    "sdid": {"replications": 200, "seed": 0},
}
# Not settings of the analysis: how it reports progress, or columns the plan fills in itself.
NOT_SETTINGS = {"progress", "covariates"}


def setting_names(estimator: str) -> list[str]:
    parameters = inspect.signature(FUNCTIONS[estimator]).parameters.values()
    return [p.name for p in parameters if p.kind is inspect.Parameter.KEYWORD_ONLY and p.name not in NOT_SETTINGS]


def resolve_settings(estimator: str, settings: dict | None) -> dict:
    """Every setting of ``estimator``: the given ones over the research defaults over the library defaults.

    Raises :class:`DesignError` naming an unknown setting. The result is plain JSON (what the hash covers).
    """
    if estimator not in FUNCTIONS:
        raise DesignError(f"estimator must be one of {', '.join(FUNCTIONS)}, not {estimator!r}")
    names = setting_names(estimator)
    given = dict(settings or {})
    unknown = sorted(set(given) - set(names))
    if unknown:
        raise DesignError(f"unknown setting {unknown[0]!r} for {estimator}; its settings are {', '.join(names)}")
    parameters = inspect.signature(FUNCTIONS[estimator]).parameters
    resolved = {name: parameters[name].default for name in names}
    resolved.update(RESEARCH_DEFAULTS[estimator])
    resolved.update(given)
    try:
        return json.loads(json.dumps(resolved))
    except TypeError as exc:
        raise DesignError(f"settings must be plain values (numbers, text, lists): {exc}") from None


def estimate(estimator: str, frame: pd.DataFrame, treated: dict[str, int], settings: dict,
             *, cohort: str = "first_year") -> EvaluationResult:
    """Run ``estimator`` on the long panel ``frame`` (area_code, year, outcome, ``cohort``) with ``settings``."""
    if estimator == "did":
        return callaway_santanna(frame, "area_code", "year", cohort, "outcome", **settings)
    starts = sorted(set(treated.values()))
    if len(starts) > 1:
        raise DesignError(f"the {estimator} design needs one start year; the treated start in {starts}; use did")
    if estimator == "synth":
        if len(treated) != 1:
            raise DesignError(f"a synthetic control is for one treated unit; this plan has {len(treated)}; use sdid or did")
        return synthetic_control(frame, "area_code", "year", "outcome", next(iter(treated)), starts[0], **settings)
    return synthetic_did(frame, "area_code", "year", "outcome", sorted(treated), starts[0], **settings)
