"""Tidy result objects shared by every estimator: a table of estimates plus weights and diagnostics."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Estimate:
    """One estimate: what it is (kind, label), its value, standard error and confidence interval."""

    kind: str  # e.g. "simple", "dynamic", "group_time", "att", "placebo"
    label: str  # e.g. "overall", an event time, "2006:2007"
    estimate: float
    se: float | None
    ci_low: float | None
    ci_high: float | None
    band: str = "pointwise"  # or "uniform" (simultaneous over the kind) or "none"


@dataclass
class EvaluationResult:
    """What an estimator returns: estimates, optional weights and paths, diagnostics and plain notes."""

    estimator: str
    settings: dict[str, Any]
    estimates: list[Estimate]
    diagnostics: dict[str, Any] = field(default_factory=dict)
    weights: dict[str, dict[str, float]] = field(default_factory=dict)  # e.g. {"donor": {...}, "time": {...}}
    paths: dict[str, dict[str, list[float]]] = field(default_factory=dict)  # e.g. {"treated": {...}}
    notes: list[str] = field(default_factory=list)

    def table(self) -> pd.DataFrame:
        """The estimates as a DataFrame, one row per estimate."""
        return pd.DataFrame([asdict(e) for e in self.estimates])

    def get(self, kind: str, label: str = "overall") -> Estimate:
        """The estimate of ``kind`` and ``label`` (KeyError naming what exists otherwise)."""
        for e in self.estimates:
            if e.kind == kind and e.label == label:
                return e
        known = sorted({(e.kind, e.label) for e in self.estimates})
        raise KeyError(f"no estimate {kind}/{label}; have {known[:20]}")

    def to_dict(self) -> dict[str, Any]:
        return _clean(
            {
                "estimator": self.estimator,
                "settings": self.settings,
                "estimates": [asdict(e) for e in self.estimates],
                "weights": self.weights,
                "paths": self.paths,
                "diagnostics": self.diagnostics,
                "notes": self.notes,
            }
        )

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "EvaluationResult":
        return cls(
            estimator=data["estimator"],
            settings=data.get("settings", {}),
            estimates=[Estimate(**e) for e in data.get("estimates", [])],
            diagnostics=data.get("diagnostics", {}),
            weights=data.get("weights", {}),
            paths=data.get("paths", {}),
            notes=data.get("notes", []),
        )


def _clean(value: Any) -> Any:
    """JSON-safe: numpy scalars to Python, NaN/inf to None (JSON has no NaN)."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_clean(v) for v in value.tolist()]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return None if math.isnan(value) or math.isinf(value) else value
    return value
