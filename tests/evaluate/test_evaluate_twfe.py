"""Two-way fixed effects and event study: pyfixest's numbers, and the staggered-timing warning."""

from __future__ import annotations

import pytest

from segreform.evaluate.twfe import StaggeredTimingWarning, event_study, twfe


def test_twfe_warns_under_staggered_timing_and_reports_negative_weights(mpdta):
    with pytest.warns(StaggeredTimingWarning, match="3 different periods"):
        result = twfe(mpdta, "countyreal", "year", "first_treat", "lemp")
    assert result.notes and "callaway_santanna" in result.notes[0]
    assert result.diagnostics["negative_weight_cells"] > 0


def test_no_warning_with_a_single_start(mpdta, recwarn):
    single = mpdta[mpdta.first_treat.isin([0, 2006])]
    twfe(single, "countyreal", "year", "first_treat", "lemp")
    assert not [w for w in recwarn if issubclass(w.category, StaggeredTimingWarning)]


@pytest.mark.peers
def test_matches_pyfixest(mpdta):
    pf = pytest.importorskip("pyfixest", reason="the peers extra is not installed")
    data = mpdta.assign(post=((mpdta.first_treat > 0) & (mpdta.year >= mpdta.first_treat)).astype(float),
                        rel=(mpdta.year - mpdta.first_treat).where(mpdta.first_treat > 0, -1000).astype(float))
    with pytest.warns(StaggeredTimingWarning):
        static = twfe(mpdta, "countyreal", "year", "first_treat", "lemp").get("twfe")
    peer = pf.feols("lemp ~ post | countyreal + year", data=data, vcov={"CRV1": "countyreal"})
    assert static.estimate == pytest.approx(float(peer.coef()["post"]), abs=1e-10)
    assert static.se == pytest.approx(float(peer.se()["post"]), rel=1e-6)
    with pytest.warns(StaggeredTimingWarning):
        events = event_study(mpdta, "countyreal", "year", "first_treat", "lemp")
    with pytest.warns(UserWarning):  # pyfixest drops the never-treated bin as collinear
        peer = pf.feols("lemp ~ i(rel, ref=-1.0) | countyreal + year", data=data, vcov={"CRV1": "countyreal"})
    for name, coefficient in peer.coef().items():
        e = int(float(name.split("::")[1]))
        assert events.get("event", str(e)).estimate == pytest.approx(coefficient, abs=1e-10)
        assert events.get("event", str(e)).se == pytest.approx(float(peer.se()[name]), rel=1e-6)
