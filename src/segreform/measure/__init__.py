"""segreform.measure: exact, segment-vectorised segregation indices with their uncertainty.

The front end takes a table (wide or long) and returns a long table; :mod:`segreform.measure.table`
is the boundary every front end (and the Dask backend) reads tables through; the kernels in
:mod:`segreform.measure.kernels` take arrays for backends that partition the work.
"""

from segreform.measure.api import compare_segments, expected_indices, indices
from segreform.measure.decompose import decompose_change, decompose_nested
from segreform.measure.inference import expected_dissimilarity
from segreform.measure.kernels import INDEX_NAMES, MULTIGROUP_INDICES, TWO_GROUP_INDICES, compute_segments
from segreform.measure.local import LOCAL_INDEX_NAMES, local_indices
from segreform.measure.table import MeasureInputError, TableSpec

__all__ = [
    "INDEX_NAMES",
    "LOCAL_INDEX_NAMES",
    "MULTIGROUP_INDICES",
    "TWO_GROUP_INDICES",
    "MeasureInputError",
    "TableSpec",
    "compare_segments",
    "compute_segments",
    "decompose_change",
    "decompose_nested",
    "expected_dissimilarity",
    "expected_indices",
    "indices",
    "local_indices",
]
