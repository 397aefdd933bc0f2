"""The names the web layer imports from one place (kept so its import lines need not change).

The code lives by what it knows: :mod:`~segreform.barometer.cache` (:class:`Barometer`, the background rebuild),
:mod:`~segreform.barometer.snapshot` (the parts composed), :mod:`~segreform.barometer.places`,
:mod:`~segreform.barometer.area_types`, :mod:`~segreform.barometer.indicator_values`,
:mod:`~segreform.barometer.police_areas`, :mod:`~segreform.barometer.segregation` and
:mod:`~segreform.barometer.map_layers`.
"""

from __future__ import annotations

from segreform.barometer.cache import Barometer
from segreform.barometer.indicator_values import LICENCES, licence_for
from segreform.barometer.map_layers import MAP_METADATA, Layer, map_layer, map_layer_ready
from segreform.barometer.places import NATION_CODE
from segreform.barometer.segregation import BOOTSTRAP_DRAWS, INDEX_LABELS, PROFILE_INDICES, SEGREFORM_SOURCE
from segreform.barometer.snapshot import Snapshot

__all__ = [
    "BOOTSTRAP_DRAWS", "INDEX_LABELS", "LICENCES", "MAP_METADATA", "NATION_CODE", "PROFILE_INDICES",
    "SEGREFORM_SOURCE", "Barometer", "Layer", "Snapshot", "licence_for", "map_layer", "map_layer_ready",
]
