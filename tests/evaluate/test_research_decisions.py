"""Evaluation from the programme's decisions: treated units from grants, the eligible-not-selected pool from the
selection run and eligibility before treatment, real pre-registration (refusal when the stored plan changed),
the MDE, and the demo plans on the real bundled series."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import text

from segreform.data import bundled
from segreform.evaluate.panel import DesignError
from segreform.programme.demo import load_demo
from segreform.research.decisions import eligible_not_selected, treated_units
from segreform.research.plans import draft_plan, get_plan, register_plan
from segreform.research.runs import list_runs, run_plan
from segreform.store import transaction
from segreform.store.models.evaluation import EvaluationPlan


def independent_pool(engine, area: str) -> set[str]:
    """Applied for ``area`` in the run the grants came from, not selected there, on the police list of 2017."""
    with engine.connect() as conn:
        runs = {r for (r,) in conn.execute(text(
            "select distinct i.run_id from prog_selection_item i join prog_grant g on g.application_id = i.application_id "
            "where i.selected = :yes"), {"yes": True})}
        rows = conn.execute(text(
            "select i.run_id, i.selected, o.kommunkod, aa.development_area_code from prog_selection_item i "
            "join prog_application a on a.id = i.application_id join prog_organisation o on o.id = a.organisation_id "
            "join prog_application_area aa on aa.application_id = a.id where o.kind = 'municipality'")).all()
        start = conn.execute(text("select min(start_year) from prog_grant")).scalar()
    rows = [r for r in rows if r[0] in runs]
    selected = {k for _, chosen, k, _ in rows if chosen}
    applied = {k for _, _, k, a in rows if a == area}
    police = pd.read_csv(bundled.POLICE_PANEL, dtype=str)
    list_year = max(int(y) for y in police["year"].unique() if int(y) <= start - 1)
    on_list = set(police.loc[police["year"].astype(int) == list_year, "kommun_code"])
    return (applied - selected) & on_list


def test_pool_is_exactly_applied_eligible_not_selected(engine):
    load_demo(engine)
    checked = 0
    for area in ("crime", "school", "democracy", "housing", "work"):
        treated = treated_units(engine, area)
        assert treated and set(treated.values()) == {2018}  # the demo's grants start in 2018
        pool = eligible_not_selected(engine, area, treated)
        assert set(pool.units) == independent_pool(engine, area)
        assert pool.evidence["eligibility_data_year"] == 2017
        checked += len(pool.units)
    assert checked >= 2  # Södertälje and Malmö applied for crime, were eligible in 2017 and were not selected
    assert set(eligible_not_selected(engine, "crime", treated_units(engine, "crime")).units) == {"0181", "1280"}


def test_settings_are_resolved_and_unknown_ones_refused(engine):
    load_demo(engine)
    with pytest.raises(DesignError, match="unknown setting 'bootstraps'"):
        draft_plan(engine, development_area="crime", outcome_variable="x", estimator="did",
                   comparison="eligible_not_selected", settings={"bootstraps": 9}, power=False)
    draft = draft_plan(engine, development_area="crime", outcome_variable="x", estimator="synth",
                       comparison="eligible_not_selected", power=False)
    # every keyword of synthetic_control, its library defaults included, is frozen
    assert {"predictors", "placebos", "leave_one_out", "n_random_starts", "seed", "max_evals"} <= set(draft.content["settings"])
    assert draft.content["settings"]["placebos"] is True and draft.content["package_version"]


@pytest.fixture
def demo_with_data(engine):
    from segreform.data.loader import ensure_initialised

    ensure_initialised(engine)
    load_demo(engine)
    return engine


def test_demo_plan_runs_on_bundled_data_and_a_changed_plan_is_refused(demo_with_data):
    engine = demo_with_data
    plan_id = register_plan(engine, development_area="school", outcome_variable="meritvarde_ak9", estimator="did",
                            comparison="never_eligible", registered_by="researcher@test",
                            settings={"bootstrap": 99})
    plan = get_plan(engine, plan_id)
    assert plan.treated == {"0180": 2018, "0484": 2018}
    assert not plan.registered_before_outcomes  # the merit values to 2025 were bundled before registration
    # power: an MDE from placebo starts in the pre-period (2016-2017) of the plan's own units
    assert plan.mde is not None and plan.mde > 0 and plan.power["n_placebos"] >= 3
    assert plan.power["pre_years"] == [2016, 2017]
    run = list_runs(engine, run_plan(engine, plan_id) and plan_id)[0]
    assert run.status == "ok", run.message
    overall = run.result.get("simple")
    assert overall.ci_low < overall.estimate < overall.ci_high
    assert ("kommun_series_skolverket" in {d for d, _ in run.releases}) or run.releases
    # someone edits the stored plan: the next run is refused, visibly, with the reason
    with transaction(engine) as db:
        db.get(EvaluationPlan, plan_id).settings = {**plan.settings, "bootstrap": 5}
    refused = list_runs(engine, run_plan(engine, plan_id) and plan_id)[0]
    assert refused.status == "refused" and "changed after registration" in refused.message
    assert refused.result is None
