"""Synthetic DiD on the Proposition 99 panel: synthdid's published estimates and its placebo SE."""

from __future__ import annotations

import numpy as np
import pytest

from segreform.evaluate.sdid import estimate_matrix, permutations_for, placebo_estimates, settings_for, synthetic_did

# Arkhangelsky et al. (2021), Table 1 / the synthdid package README (California, Proposition 99).
PUBLISHED = {"sdid": -15.604, "sc": -19.620, "did": -27.349}


@pytest.fixture(scope="module")
def prop99_result(prop99):
    return synthetic_did(prop99, "State", "Year", "PacksPerCapita", ["California"], 1989, replications=40, seed=11)


@pytest.mark.parametrize("kind", list(PUBLISHED))
def test_estimates_match_synthdid(prop99_result, kind):
    assert prop99_result.get(kind).estimate == pytest.approx(PUBLISHED[kind], abs=0.01)


def test_weights_and_placebo_standard_errors(prop99_result):
    sdid = prop99_result.get("sdid")
    assert 3 < sdid.se < 20
    assert sdid.ci_low < sdid.estimate < sdid.ci_high
    unit = prop99_result.weights["sdid:unit"]
    assert sum(unit.values()) == pytest.approx(1.0)
    assert "California" not in unit
    # synthdid's time weights for Proposition 99 sit on the last pre-treatment years.
    assert set(prop99_result.weights["sdid:time"]) <= {"1986", "1987", "1988"}
    assert prop99_result.weights["did:unit"]["Alabama"] == pytest.approx(1 / 38)


def test_placebo_replications_do_not_depend_on_the_split(prop99):
    from segreform.evaluate.panel import to_wide

    panel = to_wide(prop99, "State", "Year", "PacksPerCapita")
    order = np.argsort(panel.units == "California", kind="stable")
    y = panel.outcome[order]
    settings, omega0, lam0 = settings_for("sdid", y, 38, 19)
    _, omega, lam = estimate_matrix(y, 38, 19, settings)
    perms = permutations_for(38, 6, seed=3)
    whole = placebo_estimates(y, 38, 19, 1, settings, omega, lam, perms)
    parts = np.concatenate([placebo_estimates(y, 38, 19, 1, settings, omega, lam, perms[i:i + 2]) for i in (0, 2, 4)])
    np.testing.assert_array_equal(whole, parts)
