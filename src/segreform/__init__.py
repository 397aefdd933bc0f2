"""segreform: run a national reform programme against residential segregation.

Five jobs over one data flow: measure -> select -> network -> fund -> evaluate.

``segreform.measure`` (segregation indices) and ``segreform.evaluate`` (evaluation estimators) are
loaded on first use, so ``import segreform`` stays cheap:

>>> import segreform
>>> segreform.measure.indices  # doctest: +ELLIPSIS
<function indices at ...>
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# Subpackages reachable as attributes; each is imported on first access (PEP 562).
_LAZY_SUBPACKAGES = ("measure", "evaluate", "research", "scale")

__all__ = ["__version__", *_LAZY_SUBPACKAGES]


def __getattr__(name: str):
    if name in _LAZY_SUBPACKAGES:
        return importlib.import_module(f"segreform.{name}")
    raise AttributeError(f"module 'segreform' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY_SUBPACKAGES})
