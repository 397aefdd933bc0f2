"""Callaway & Sant'Anna on mpdta: the numbers R's ``did`` publishes, and agreement with the Python peers."""

from __future__ import annotations

import pytest

from segreform.evaluate.did import callaway_santanna

# R did 2.x: att_gt(yname="lemp", tname="year", idname="countyreal", gname="first.treat", xformla=~1,
# est_method="dr", control_group="nevertreated", bstrap=FALSE) followed by aggte(type=...).
PUBLISHED = {
    "simple": (-0.0400, 0.0120),
    "group": (-0.0310, 0.0124),
    "dynamic": (-0.0772, 0.0200),
    "calendar": (-0.0417, 0.0160),
}
# R did's ATT(g, t) table for the same call, four decimals.
PUBLISHED_GROUP_TIME = {
    "2004:2004": -0.0105, "2004:2005": -0.0704, "2004:2006": -0.1373, "2004:2007": -0.1008,
    "2006:2004": 0.0065, "2006:2005": -0.0028, "2006:2006": -0.0046, "2006:2007": -0.0412,
    "2007:2004": 0.0305, "2007:2005": -0.0027, "2007:2006": -0.0311, "2007:2007": -0.0261,
}


@pytest.fixture(scope="module")
def mpdta_dr(mpdta):
    return callaway_santanna(mpdta, "countyreal", "year", "first_treat", "lemp")


@pytest.mark.parametrize("kind", list(PUBLISHED))
def test_aggregations_match_published(mpdta_dr, kind):
    estimate, se = PUBLISHED[kind]
    result = mpdta_dr.get(kind)
    # Published to four decimals: agreement to rounding (half a unit in the last place).
    assert abs(result.estimate - estimate) <= 0.5e-4 + 1e-12
    assert abs(result.se - se) <= 0.5e-4 + 1e-12
    assert result.ci_low < result.estimate < result.ci_high


def test_group_time_table_matches_published(mpdta_dr):
    table = {e.label: e.estimate for e in mpdta_dr.estimates if e.kind == "group_time"}
    assert set(table) == set(PUBLISHED_GROUP_TIME)
    for label, value in PUBLISHED_GROUP_TIME.items():
        assert abs(table[label] - value) <= 0.5e-4 + 1e-12, label


def _csdid(mpdta, method: str, control: str, formula: str = "lemp~1"):
    csdid = pytest.importorskip("csdid.att_gt", reason="the peers extra is not installed")
    fit = csdid.ATTgt(yname="lemp", gname="first_treat", idname="countyreal", tname="year", xformla=formula,
                      data=mpdta, control_group=control).fit(est_method=method, bstrap=False)
    return fit


@pytest.mark.peers
@pytest.mark.parametrize(
    "method,control,covariates",
    [("dr", "never", []), ("ipw", "never", ["lpop"]), ("reg", "never", ["lpop"]), ("dr", "notyet", ["lpop"])],
)
def test_agrees_with_csdid_to_1e6(mpdta, method, control, covariates, capsys):
    peer = _csdid(mpdta, method, "nevertreated" if control == "never" else "notyettreated",
                  "lemp~" + ("+".join(covariates) or "1"))
    ours = callaway_santanna(mpdta, "countyreal", "year", "first_treat", "lemp", method=method, control=control,
                             covariates=covariates)
    results = peer.results
    for g, t, att, se in zip(results["group"], results["year"], results["att"], results["se"]):
        mine = ours.get("group_time", f"{g:g}:{t:g}")
        assert mine.estimate == pytest.approx(att, abs=1e-6)
        assert mine.se == pytest.approx(se, abs=1e-4)
    for kind in ("simple", "group", "dynamic", "calendar"):
        peer.aggte(typec=kind, bstrap=False)
        assert ours.get(kind).estimate == pytest.approx(float(peer.atte["overall_att"]), abs=1e-6), kind
        assert ours.get(kind).se == pytest.approx(float(peer.atte["overall_se"]), abs=1e-4), kind
    capsys.readouterr()  # csdid prints its summaries


def test_covariates_change_the_estimate_and_not_yet_treated_uses_more_controls(mpdta):
    plain = callaway_santanna(mpdta, "countyreal", "year", "first_treat", "lemp")
    with_pop = callaway_santanna(mpdta, "countyreal", "year", "first_treat", "lemp", covariates=["lpop"])
    not_yet = callaway_santanna(mpdta, "countyreal", "year", "first_treat", "lemp", control="notyet")
    assert with_pop.get("simple").estimate != pytest.approx(plain.get("simple").estimate, abs=1e-4)
    # In the first post period of 2004 the not-yet-treated cohorts 2006 and 2007 join the comparison.
    assert not_yet.get("group_time", "2004:2004").estimate != pytest.approx(
        plain.get("group_time", "2004:2004").estimate, abs=1e-6)


def test_pre_trend_test_is_reported(mpdta_dr):
    test = mpdta_dr.diagnostics["pre_trend_test"]
    assert test["df"] == 5
    assert 0 < test["p_value"] < 1
