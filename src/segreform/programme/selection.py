"""Selection under a budget: the set of applications with the highest total score that fits the frame and the
delegation's constraints, solved exactly as a 0/1 mixed-integer programme (scipy.optimize.milp / HiGHS).

Every application gets an explanation: why it is in (and how much the best set would lose without it), why it
is out (and what it would take: the score it would need, or the constraint that blocks it). A manual override
is recorded with its reason in the selection run and the audit log.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from tqdm import tqdm
from sqlalchemy import select
from sqlalchemy.orm import Session

from segreform.programme.applications import area_codes, get_application, yearly_amounts
from segreform.programme.audit import record
from segreform.programme.clock import utcnow
from segreform.programme.decisions import refuse_if_ineligible
from segreform.programme.definition import rules_for_year
from segreform.programme.errors import BudgetExceeded, InvalidInput, NotFound, ProgrammeError, WrongState, require
from segreform.programme.ledger import committed, position, reform_limit
from segreform.programme.money import format_sek
from segreform.programme import explanations
from segreform.programme.review import summarise
from segreform.programme.selection_core import CoreSolver
from segreform.programme.selection_model import SCORE_TOLERANCE, Candidate, Constraints, SelectionModel
from segreform.programme.stability import selection_probabilities
from segreform.store.models.programme import (
    Application,
    Call,
    Organisation,
    ProgrammeYear,
    SelectionItem,
    SelectionRun,
)

_Model = SelectionModel  # the name the tests and the benchmark know it by
MAX_SCORE = 100.0  # review scores are on 0–100


@dataclass
class Decision:
    application_id: int
    label: str
    selected: bool
    explanation: str
    reason: dict = field(default_factory=dict)
    probability: float | None = None  # share of stability draws that select it


@dataclass
class Selection:
    decisions: list[Decision]
    total_score: float
    spent: dict[int, int]
    limits: list[dict] = field(default_factory=list)

    @property
    def selected_ids(self) -> list[int]:
        return [d.application_id for d in self.decisions if d.selected]


def select_applications(candidates: list[Candidate], constraints: Constraints, progress: bool = False) -> Selection:
    """Choose the best set and explain every candidate's outcome.

    Each explanation re-solves the programme with that application pinned in or out; the solves use
    :class:`~segreform.programme.selection_core.CoreSolver` (exact, warm-started, all re-solves in one compiled
    call over the CPU cores), so 200 applications take well under a second on a quiet machine.

    Raises
    ------
    ProgrammeError
        When no set meets the constraints (e.g. a minimum per development area that the applications cannot fill).
    """
    for c in candidates:
        for year, cost in c.costs.items():
            if cost < 0:
                raise InvalidInput(f"application {c.application_id} cost {year}", "must not be negative")
    model = SelectionModel(candidates, constraints)
    solver = CoreSolver(model)
    best = solver.solve(model.scores)
    if best is None:
        raise ProgrammeError(
            "no selection meets the constraints: check the minimum per development area "
            f"{constraints.min_per_area or '{}'} against the applications and the budget"
        )
    best_total = float(model.scores @ best)
    order = np.argsort(-model.scores, kind="stable")
    rank = {int(i): r + 1 for r, i in enumerate(order)}
    limits = limit_positions(model, best)
    decisions = []
    alternatives = solver.solve_flips(model.scores, best)
    for i, candidate in enumerate(tqdm(candidates, desc="explaining", unit="application", disable=not progress)):
        pinned = alternatives[i]
        reason = _reason(i, candidate, best, pinned, model, best_total, rank, constraints, limits)
        decisions.append(Decision(candidate.application_id, candidate.label, bool(best[i]),
                                  explanations.english(reason), reason))
    spent = {key[0]: int(costs @ best) for key, costs in model.budget_rows if key[1] is None}
    return Selection(decisions, best_total, spent, limits)


def limit_positions(model: SelectionModel, chosen: np.ndarray) -> list[dict]:
    """Every money limit with what the chosen set spends of it; ``binding`` when it keeps out an application that
    would otherwise fit every other limit (the limit the delegation would have to raise)."""
    rows = []
    outside = [j for j in range(len(model.candidates)) if not chosen[j]]
    spent_all = {key: int(costs @ chosen) for key, costs in model.budget_rows}
    for key, costs in model.budget_rows:
        left = model.limits[key] - spent_all[key]
        blocked = [j for j in outside if costs[j] > left]
        only_this = [j for j in blocked if all(
            other_costs[j] <= model.limits[other] - spent_all[other]
            for other, other_costs in model.budget_rows if other != key)]
        rows.append({"year": key[0], "reform": key[1], "limit_ore": int(model.limits[key]),
                     "spent_ore": spent_all[key], "left_ore": int(left), "blocks": len(blocked),
                     "binding": bool(only_this)})
    return rows


def _reason(i, candidate, best, alternative, model, best_total, rank, constraints, limits) -> dict:
    n = len(model.candidates)
    reason = {"score": round(candidate.score, 4), "quality": candidate.quality, "need": candidate.need,
              "rank": rank[i], "of": n, "costs": {str(y): c for y, c in sorted(candidate.costs.items())},
              "reform": candidate.reform}
    if best[i]:
        if alternative is None:
            return {**reason, "kind": "in_required"}
        loss = best_total - float(model.scores @ alternative)
        if loss <= SCORE_TOLERANCE:
            return {**reason, "kind": "in_tie"}
        return {**reason, "kind": "in", "loss": round(loss, 4)}
    # The limits adding it to the chosen set would break, with the amounts.
    breaks = []
    for row in limits:
        cost = candidate.costs.get(row["year"], 0)
        if cost and row["reform"] in (None, candidate.reform) and cost > row["left_ore"]:
            breaks.append({**row, "cost_ore": cost})
    reason["breaks"] = breaks
    if alternative is None:
        return {**reason, "kind": "out_infeasible", "max_per_county": constraints.max_per_county,
                "never_fits": [b for b in breaks if b["cost_ore"] > b["limit_ore"]]}
    loss = best_total - float(model.scores @ alternative)
    if loss <= SCORE_TOLERANCE:
        return {**reason, "kind": "out_tie"}
    displaced = [model.candidates[j].label for j in range(n) if best[j] and not alternative[j]]
    needed = candidate.score + loss
    return {**reason, "kind": "out", "loss": round(loss, 4), "displaced": displaced,
            "needed": round(needed, 4) if needed <= MAX_SCORE else None}


# --- with the database ------------------------------------------------------------------------------

def candidates_for_year(db: Session, year: int, eligible: dict[str, bool] | None = None
                        ) -> tuple[list[Candidate], list[Decision]]:
    """Submitted applications to calls of ``year`` as candidates; the rest get an explanation of why not.

    The objective is ``quality_weight × review score + need_weight × need score`` (both 0–100; the weights are the
    programme definition's ``selection`` rule for the year). An application found ineligible at submission (or by
    ``eligible``, a kommunkod -> bool map) never enters the selection.
    """
    weights = rules_for_year(db, year)["selection"]
    rows = db.execute(select(Application, Organisation).join(Call, Call.id == Application.call_id)
                      .join(Organisation, Organisation.id == Application.organisation_id)
                      .where(Call.year == year, Application.status == "submitted")
                      .order_by(Application.id)).all()
    candidates, excluded = [], []
    for application, organisation in rows:
        label = f"#{application.id} {organisation.name}"
        failed_rule = application.eligible is False or (
            eligible is not None and organisation.kommunkod and not eligible.get(organisation.kommunkod, False))
        if failed_rule:
            evidence = application.eligibility or {}
            reason = {"kind": "excluded_ineligible",
                      "evidence": evidence.get("summary_en", "see the eligibility page"),
                      "evidence_sv": evidence.get("summary_sv", "se sidan om behörighet")}
            excluded.append(Decision(application.id, label, False, explanations.english(reason), reason))
            continue
        review = summarise(db, application.id)
        if review.mean is None:
            reason = {"kind": "excluded_review"}
            excluded.append(Decision(application.id, label, False, explanations.english(reason), reason))
            continue
        reform = db.get(Call, application.call_id).reform_code
        need = application.need_score
        objective = weights["quality_weight"] * review.mean + weights["need_weight"] * (need or 0.0)
        candidates.append(Candidate(application.id, label, objective, yearly_amounts(application),
                                    tuple(area_codes(db, application.id)), organisation.lanskod or "??", reform,
                                    quality=round(review.mean, 4), need=need,
                                    reviewer_scores=tuple(review.reviewer_scores.values())))
    return candidates, excluded


def available_budgets(db: Session, years: list[int], reforms: set[str]
                      ) -> tuple[dict[int, int], dict[tuple[int, str], int]]:
    """What is left of each year's frame, and of each reform's budget line in those years."""
    frames = {year: position(db, year).available_ore for year in years}
    lines = {(year, reform): reform_limit(db, year, reform) - committed(db, year, reform_code=reform)
             for year in years for reform in reforms}
    return frames, lines


def run_selection(db: Session, *, year: int, actor: str, min_per_area: dict[str, int] | None = None,
                  max_per_area: dict[str, int] | None = None, max_per_county: int | None = None,
                  budget_ore: int | None = None, eligible: dict[str, bool] | None = None,
                  dry_run: bool = False, progress: bool = False, stability_draws: int | None = None
                  ) -> tuple[Selection, int | None]:
    """Select for ``year``: budgets are what is left of each year's frame (or ``budget_ore`` for the first year).

    Returns the selection and the id of the stored run (None on a dry run, which writes nothing).
    """
    if db.get(ProgrammeYear, year) is None:
        raise NotFound(f"year {year} is not in the programme")
    candidates, excluded = candidates_for_year(db, year, eligible)
    years = sorted({y for c in candidates for y in c.costs} | {year})
    programme_years = {y.year for y in db.scalars(select(ProgrammeYear))}
    beyond = [y for y in years if y not in programme_years]
    if beyond:
        raise InvalidInput("start_year/years", f"applications ask for money in {beyond}, outside the programme years")
    budgets, reform_budgets = available_budgets(db, years, {c.reform for c in candidates})
    if budget_ore is not None:
        budgets[year] = min(budgets[year], budget_ore)
    constraints = Constraints(budgets, min_per_area or {}, max_per_area or {}, max_per_county, reform_budgets)
    selection = select_applications(candidates, constraints, progress)
    rule = rules_for_year(db, year)["selection"]
    draws = rule["stability_draws"] if stability_draws is None else stability_draws
    probabilities = selection_probabilities(candidates, constraints, quality_weight=rule["quality_weight"],
                                            need_weight=rule["need_weight"], draws=draws, seed=rule["stability_seed"])
    for decision, probability in zip(selection.decisions, probabilities):
        decision.probability = float(probability) if draws else None
    selection.decisions.extend(excluded)
    if dry_run:
        return selection, None
    run = SelectionRun(year=year, created_at=utcnow(), constraints=constraints.as_json(),
                       budget_ore=budgets[year], objective=f"{selection.total_score:.4f}", limits=selection.limits)
    db.add(run)
    db.flush()
    for decision in selection.decisions:
        db.add(SelectionItem(run_id=run.id, application_id=decision.application_id, selected=decision.selected,
                             explanation=decision.explanation, reason=decision.reason,
                             probability=decision.probability))
    record(db, actor, "selection.run", "selection_run", run.id, year=year, selected=selection.selected_ids,
           constraints=constraints.as_json())
    return selection, run.id


def override(db: Session, *, run_id: int, application_id: int, include: bool, reason: str, actor: str):
    """Manually put an application in or out of a stored selection; the reason is logged.

    An inclusion that would take the run's first-year spending above its budget is refused with the numbers.
    """
    if not reason or not reason.strip():
        raise InvalidInput("reason", "an override must say why")
    run = require(db, SelectionRun, run_id, "selection run")
    item = db.scalar(select(SelectionItem).where(SelectionItem.run_id == run_id,
                                                 SelectionItem.application_id == application_id))
    if item is None:
        raise NotFound(f"application {application_id} is not part of selection run {run_id}")
    if item.selected == include:
        raise WrongState(f"application {application_id} is already {'in' if include else 'out'}")
    if include:
        refuse_if_ineligible(get_application(db, application_id))  # no override makes an ineligible one fundable
        _check_override_fits(db, run, application_id)
    item.selected, item.overridden = include, True
    item.explanation += f" Manual override by {actor}: {'in' if include else 'out'} because {reason.strip()}"
    record(db, actor, "selection.override", "selection_run", run_id, application=application_id,
           include=include, reason=reason.strip())
    return item


def _check_override_fits(db: Session, run, application_id: int) -> None:
    """Refuse an inclusion that takes any of the run's money limits (year frames, reform lines) over budget."""
    def spending(app_id: int) -> tuple[str, dict[int, int]]:
        application = get_application(db, app_id)
        return db.get(Call, application.call_id).reform_code, yearly_amounts(application)

    chosen = [spending(i.application_id) for i in db.scalars(select(SelectionItem).where(
        SelectionItem.run_id == run.id, SelectionItem.selected.is_(True)))]
    reform, extra = spending(application_id)
    limits = [(int(y), None, b) for y, b in run.constraints["budgets"].items()]
    limits += [(int(k.split(":")[0]), k.split(":")[1], b) for k, b in run.constraints.get("reform_budgets", {}).items()]
    for year, limit_reform, budget in limits:
        if limit_reform not in (None, reform) or not extra.get(year):
            continue
        spent = sum(costs.get(year, 0) for r, costs in chosen if limit_reform in (None, r))
        if spent + extra[year] > budget:
            what = f"reform {limit_reform}'s {year} budget line" if limit_reform else f"the {year} budget"
            raise BudgetExceeded(
                f"override refused: adding {format_sek(extra[year])} to {format_sek(spent)} already selected "
                f"exceeds {what} of {format_sek(budget)}; take another application out first",
                limit_ore=budget, used_ore=spent, requested_ore=extra[year])
