"""Reports: the figures, the headline estimate, diagnostics and caveats that follow from the result."""

from __future__ import annotations

from segreform.research.report import caveats, render_html
from segreform.evaluate.results import Estimate, EvaluationResult


def test_synthetic_control_report_has_paths_placebos_and_weights(adh_fit):
    html = render_html(adh_fit, title="Proposition 99", inline_plotly=False)
    assert "Synthetic control: California and its synthetic twin" in html
    assert "ranks 1 of 39" in html
    assert "Effective number of donors" in html and "Pre-period fit (RMSPE)" in html
    assert '<td>Utah</td><td class="num">0.33' in html
    assert "/static/plotly.min.js" in html and "permutation" in html


def test_report_round_trips_through_json(adh_fit):
    again = EvaluationResult.from_dict(adh_fit.to_dict())
    assert again.get("gap", "2000") == adh_fit.get("gap", "2000")
    assert again.weights == adh_fit.weights


def test_caveats_follow_the_diagnostics():
    result = EvaluationResult(
        estimator="callaway_santanna", settings={}, estimates=[Estimate("simple", "overall", 1.0, 0.5, 0.0, 2.0)],
        diagnostics={"pre_trend_test": {"statistic": 12.0, "df": 3, "p_value": 0.007}, "effective_donors": 1.4},
        notes=["only 2 treated unit(s)"],
    )
    text = " ".join(caveats(result))
    assert "already on different paths" in text and "1.4 effective donors" in text and "only 2 treated" in text
    calm = EvaluationResult(estimator="callaway_santanna", settings={}, estimates=[],
                            diagnostics={"pre_trend_test": {"statistic": 1.0, "df": 3, "p_value": 0.8}})
    assert "already on different paths" not in " ".join(caveats(calm))
