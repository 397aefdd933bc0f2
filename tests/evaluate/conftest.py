"""Reference panels for the evaluation tests (read once per session)."""

from __future__ import annotations

import pandas as pd
import pytest

from evaluate_references import ADH_PREDICTORS


@pytest.fixture(scope="session")
def mpdta(reference_data) -> pd.DataFrame:
    return pd.read_csv(reference_data / "mpdta.csv")


@pytest.fixture(scope="session")
def smoking(reference_data) -> pd.DataFrame:
    return pd.read_csv(reference_data / "smoking_adh2010.csv")


@pytest.fixture(scope="session")
def prop99(reference_data) -> pd.DataFrame:
    return pd.read_csv(reference_data / "california_prop99_synthdid.csv", sep=";")


@pytest.fixture(scope="session")
def adh_fit(smoking):
    """The ADH 2010 synthetic California with placebos and leave-one-out (fitted once)."""
    from segreform.evaluate.synth import synthetic_control

    return synthetic_control(smoking, "state", "year", "cigsale", "California", 1989,
                             predictors=ADH_PREDICTORS, placebos=True, leave_one_out=True)
