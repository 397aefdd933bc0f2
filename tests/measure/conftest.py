"""Fixtures for the measure tests."""

from __future__ import annotations

import pandas as pd
import pytest
from measure_helpers import random_wide


@pytest.fixture
def wide() -> pd.DataFrame:
    return random_wide(7)
