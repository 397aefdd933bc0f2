"""Evaluation plans (pre-registered per development area) and runs (all kept, with their data vintages)."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect

from evaluate_store_data import (TREATED, VARIABLE, add_areas, add_release, eligibility, participation)
from segreform.evaluate.panel import DesignError
from segreform.research.plans import get_plan, list_plans, register_plan
from segreform.research.runs import analysis_dataset, list_runs, rerun_after_import, run_plan


def register(engine, **overrides):
    options = dict(development_area="DA-SCHOOL", outcome_variable=VARIABLE, registered_by="researcher@test",
                   comparison="all_untreated", participation=participation(), eligibility=eligibility(),
                   settings={"bootstrap": 99, "seed": 3})
    options.update(overrides)
    return register_plan(engine, **options)


def test_migration_creates_exactly_the_evaluation_tables(engine):
    from alembic.migration import MigrationContext
    from alembic.autogenerate import compare_metadata

    from segreform.store import Base

    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert not [d for d in diff if "eval_" in repr(d)]
    assert {"eval_plan", "eval_plan_unit", "eval_run", "eval_run_vintage"} <= set(inspect(engine).get_table_names())


def test_plan_is_registered_before_outcomes_and_frozen(engine):
    add_areas(engine)
    plan = get_plan(engine, register(engine))
    assert plan.treated == TREATED
    assert plan.registered_before_outcomes and plan.outcome_data_through is None
    assert "0130" not in plan.comparison_units  # treated in another development area: never a comparison
    assert set(plan.comparison_units).isdisjoint(TREATED)
    assert len(plan.plan_hash) == 64
    never = get_plan(engine, register(engine, comparison="never_eligible", supersedes=plan.id))
    assert len(never.comparison_units) < len(plan.comparison_units)
    assert get_plan(engine, plan.id).status == "superseded"
    assert [p.id for p in list_plans(engine, "DA-SCHOOL")] == [never.id]


def test_plan_refuses_an_area_without_participants_or_comparisons(engine):
    with pytest.raises(DesignError, match="no participating municipality"):
        register(engine, development_area="DA-NONE")
    with pytest.raises(DesignError, match="no valid comparison group"):
        register(engine, eligibility=eligibility().head(5))


def test_runs_are_kept_with_vintages_and_rerun_on_new_data(engine):
    add_areas(engine)
    plan_id = register(engine)
    # Before any outcome data, a run is refused and says what is missing, and is kept.
    first = run_plan(engine, plan_id)
    add_release(engine, "2024-03", range(2015, 2023))
    assert get_plan(engine, plan_id).outcome_data_through is None  # registration saw no outcome data
    new = rerun_after_import(engine)
    assert len(new) == 1
    assert rerun_after_import(engine) == []  # nothing changed: no new run
    add_release(engine, "2025-03", range(2015, 2025), seed=1)
    newer = rerun_after_import(engine)
    runs = list_runs(engine, plan_id)
    assert [r.id for r in runs] == [newer[0], new[0], first]
    assert runs[-1].status == "refused" and "no 'long_term_unemployment' data" in runs[-1].message
    assert runs[0].status == "ok" and runs[0].trigger == "import"
    assert runs[0].releases == [("barometer_test", "2025-03")]
    assert runs[1].releases == [("barometer_test", "2024-03")]
    simple = runs[0].result.get("simple")
    assert simple.estimate == pytest.approx(-0.8, abs=0.25)
    assert runs[0].result.get("simple").ci_high < 0


def test_analysis_dataset_has_codebook_and_provenance(engine):
    add_areas(engine)
    add_release(engine, "2024-03", range(2015, 2023))
    plan_id = register(engine)
    data = analysis_dataset(engine, plan_id)
    assert set(data.codebook["column"]) == set(data.frame.columns)
    treated_rows = data.frame[data.frame.role == "treated"]
    assert dict(zip(treated_rows.area_code, treated_rows.first_year)) == TREATED
    assert (data.frame[data.frame.role == "comparison"].first_year == 0).all()
    assert data.releases == [("barometer_test", "2024-03")]
    assert data.sha256() == analysis_dataset(engine, plan_id).sha256()


def test_synth_plan_with_several_treated_is_refused_with_reason(engine):
    add_areas(engine)
    add_release(engine, "2024-03", range(2015, 2023))
    plan_id = register(engine, estimator="synth", settings={})
    run = list_runs(engine, run_plan(engine, plan_id) and plan_id)[0]
    assert run.status == "refused" and "one start year" in run.message


def test_importing_new_outcome_data_reruns_the_plan_by_itself(engine, tmp_path):
    """Continuous evaluation: the importer, not the user, triggers the re-run (registered by segreform.research.install at start-up)."""
    import numpy as np
    import pandas as pd

    from segreform.data.generic import import_file
    from segreform.data.writer import AFTER_IMPORT
    from segreform.research import install, rerun_on_import

    install()
    install()  # idempotent: one registration, one re-run per import
    assert AFTER_IMPORT.count(rerun_on_import) == 1

    add_areas(engine)
    plan_id = register(engine)
    rng = np.random.default_rng(5)
    rows = [
        {"kommun": k, "ar": y,
         "ltu": 5 + 0.1 * (y - 2015) + rng.normal(0, 0.1) - (0.8 if k in TREATED and y >= TREATED[k] else 0)}
        for k in sorted({*TREATED, *[f"{i:04d}" for i in range(119, 138)]}) for y in range(2015, 2024)
    ]
    source = tmp_path / "ltu.csv"
    pd.DataFrame(rows).to_csv(source, index=False)
    schema = {"name": "ltu_file", "source": "test", "level": "kommun", "version": "2025", "area_code": "kommun",
              "year": "ar", "variables": {"ltu": {"variable": VARIABLE, "unit": "percent"}}}
    assert list_runs(engine, plan_id) == []
    result = import_file(engine, source, schema)
    runs = list_runs(engine, plan_id)
    assert len(runs) == 1 and runs[0].trigger == "import" and runs[0].status == "ok"
    assert runs[0].releases == [("ltu_file", result.vintage)]
    assert any("re-ran 1 evaluation plan" in note for note in result.notes)
    again = import_file(engine, source, schema)  # same file: nothing stored, nothing re-run
    assert again.status == "unchanged" and len(list_runs(engine, plan_id)) == 1
