"""Selection under a budget: exact (checked against brute force), constrained, explained, overridable."""

import itertools
import random

import pytest
from sqlalchemy import select

from segreform.programme import selection
from segreform.programme.audit import history
from segreform.programme.errors import BudgetExceeded, InvalidInput, ProgrammeError
from segreform.programme.selection import Candidate, Constraints, select_applications
from segreform.store import session, transaction
from segreform.store.models.programme import SelectionItem

from programme_builders import MSEK, municipality, reviewer, scored, submitted


def _brute_force(candidates, constraints):
    best = -1.0
    for mask in itertools.product((0, 1), repeat=len(candidates)):
        chosen = [c for c, m in zip(candidates, mask) if m]
        if any(sum(c.costs.get(y, 0) for c in chosen) > b for y, b in constraints.budgets.items()):
            continue
        areas = {a for c in candidates for a in c.areas}
        counts = {a: sum(a in c.areas for c in chosen) for a in areas}
        if any(counts.get(a, 0) < n for a, n in constraints.min_per_area.items()):
            continue
        if any(counts.get(a, 0) > n for a, n in constraints.max_per_area.items()):
            continue
        if constraints.max_per_county is not None and any(
                sum(c.county == k for c in chosen) > constraints.max_per_county for k in {c.county for c in chosen}):
            continue
        best = max(best, sum(c.score for c in chosen))
    return best


@pytest.mark.parametrize("seed", range(12))
def test_milp_matches_brute_force_on_random_instances(seed):
    rng = random.Random(seed)
    candidates = [Candidate(i, f"#{i}", round(rng.uniform(10, 100), 3),
                            {2019: rng.randint(1, 40) * MSEK + rng.randint(0, 99), 2020: rng.randint(0, 20) * MSEK},
                            tuple(rng.sample(["school", "work", "crime"], rng.randint(1, 2))), rng.choice("ABC"))
                  for i in range(10)]
    constraints = Constraints({2019: rng.randint(40, 120) * MSEK + 7, 2020: rng.randint(20, 60) * MSEK},
                              min_per_area={"crime": rng.randint(0, 1)}, max_per_area={"school": rng.randint(1, 4)},
                              max_per_county=rng.choice([None, 2, 3]))
    expected = _brute_force(candidates, constraints)
    if expected < 0:
        with pytest.raises(ProgrammeError, match="no selection meets the constraints"):
            select_applications(candidates, constraints)
        return
    result = select_applications(candidates, constraints)
    assert result.total_score == pytest.approx(expected, abs=1e-6)
    chosen = [c for c in candidates if c.application_id in result.selected_ids]
    for year, budget in constraints.budgets.items():
        assert sum(c.costs.get(year, 0) for c in chosen) <= budget  # exact, in integer öre


def test_budget_holds_to_the_ore_on_large_amounts():
    # Two items whose costs sum to one öre above the budget: floating point would accept both.
    budget = 250 * MSEK
    candidates = [Candidate(1, "a", 50.0, {2020: 125 * MSEK}, ("school",), "01"),
                  Candidate(2, "b", 50.0, {2020: 125 * MSEK + 1}, ("school",), "01")]
    result = select_applications(candidates, Constraints({2020: budget}))
    assert len(result.selected_ids) == 1


def test_explanations_say_why_and_what_it_would_take():
    candidates = [Candidate(1, "#1 A", 90.0, {2019: 6 * MSEK}, ("school",), "01"),
                  Candidate(2, "#2 B", 80.0, {2019: 5 * MSEK}, ("school",), "01"),
                  Candidate(3, "#3 C", 60.0, {2019: 5 * MSEK}, ("work",), "12"),
                  Candidate(4, "#4 D", 70.0, {2019: 20 * MSEK}, ("work",), "14")]
    result = select_applications(candidates, Constraints({2019: 11 * MSEK}))
    by_id = {d.application_id: d for d in result.decisions}
    assert result.selected_ids == [1, 2]
    assert by_id[1].explanation.startswith("Selected:") and "rank 1 of 4" in by_id[1].explanation
    assert "would be 30.0 lower" in by_id[1].explanation  # without #1 the best is #2 + #3 = 140 vs 170
    assert "would displace #2 B" in by_id[3].explanation and "objective above 80.0" in by_id[3].explanation
    assert "more than the 2019 frame, 11 000 000,00 kr" in by_id[4].explanation
    assert "adding it would exceed the 2019 frame: 5 000 000,00 kr asked, 0,00 kr left" in by_id[3].explanation
    assert [row["binding"] for row in result.limits] == [True]


def test_county_and_area_constraints_are_respected():
    candidates = [Candidate(i, f"#{i}", 100.0 - i, {2019: MSEK}, ("school" if i < 3 else "crime",), "01" if i < 4 else "02")
                  for i in range(6)]
    result = select_applications(candidates, Constraints({2019: 10 * MSEK}, min_per_area={"crime": 3},
                                                         max_per_area={"school": 1}, max_per_county=2))
    chosen = [c for c in candidates if c.application_id in result.selected_ids]
    assert sum(c.county == "01" for c in chosen) <= 2
    assert sum("school" in c.areas for c in chosen) <= 1
    assert sum("crime" in c.areas for c in chosen) >= 3
    # All three crime items (#3 in county 01, #4 and #5 in 02) are required; the county cap then leaves room
    # for one more in 01, and the school cap for one school item: the best-scoring one, #0.
    assert sorted(result.selected_ids) == [0, 3, 4, 5]
    assert result.total_score == pytest.approx(100.0 + 97.0 + 96.0 + 95.0)


def test_an_unreachable_area_minimum_is_refused_not_ignored():
    candidates = [Candidate(i, f"#{i}", 100.0 - i, {2019: MSEK}, ("crime",), "01") for i in range(3)]
    with pytest.raises(ProgrammeError, match="no selection meets the constraints"):
        select_applications(candidates, Constraints({2019: 10 * MSEK}, min_per_area={"crime": 3}, max_per_county=2))


def test_run_with_database_stores_explanations_and_override_is_logged(seeded, call_id):
    with transaction(seeded) as db:
        r1, r2 = reviewer(db, 1), reviewer(db, 2)
        ids = []
        for n, (kommun, name, requested, value) in enumerate(
                [("1280", "Malmö", 9, 5), ("1480", "Göteborg", 9, 4), ("0180", "Stockholm", 9, 2)]):
            application_id = submitted(db, call_id, municipality(db, kommun, name), requested_msek=requested,
                                       total_msek=10)
            scored(db, application_id, r1, value)
            scored(db, application_id, r2, max(1, value - 1))
            ids.append(application_id)
        unscored = submitted(db, call_id, municipality(db, "1880", "Örebro"), requested_msek=1, total_msek=2)
        # r09's 2019 budget line is 20.3 MSEK: two of the three 9 MSEK applications fit.
        preview, run_id = selection.run_selection(db, year=2019, actor="officer", dry_run=True)
        assert run_id is None
        assert sorted(preview.selected_ids) == sorted(ids[:2])
        assert "no complete review" in next(d.explanation for d in preview.decisions if d.application_id == unscored)
    with session(seeded) as db:
        assert db.scalars(select(SelectionItem)).first() is None  # the dry run wrote nothing
    with transaction(seeded) as db:
        _, run_id = selection.run_selection(db, year=2019, actor="officer")
        with pytest.raises(BudgetExceeded, match="override refused"):
            selection.override(db, run_id=run_id, application_id=ids[2], include=True, reason="x", actor="officer")
        with pytest.raises(InvalidInput, match="must say why"):
            selection.override(db, run_id=run_id, application_id=ids[1], include=False, reason=" ", actor="officer")
        selection.override(db, run_id=run_id, application_id=ids[1], include=False, reason="double funding",
                           actor="officer")
        selection.override(db, run_id=run_id, application_id=ids[2], include=True, reason="local priority",
                           actor="officer")
    with session(seeded) as db:
        item = db.scalar(select(SelectionItem).where(SelectionItem.application_id == ids[2]))
        assert item.selected and item.overridden and "local priority" in item.explanation
        logged = [e.detail for e in history(db, "selection_run", run_id) if e.action == "selection.override"]
        assert [d["reason"] for d in logged] == ["double funding", "local priority"]
