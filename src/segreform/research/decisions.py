"""Treated units and comparison pools from the programme's own decisions.

Treated municipalities and their start years come from grants (a grant's application names the
municipality and the development areas; the grant's start year is the first treated year). The
``eligible_not_selected`` pool is read from the selection run the grants came from: the municipalities
whose application for the development area was in that run, that were eligible, and that the run did not
select. Eligibility is judged on data from before treatment — the data year before the first start year —
with the programme's own rules (``segreform.programme.eligibility.apply_rules``): the police list in force
then, and area types only where a release for that year or earlier exists (SCB's area types start in 2022,
so for a 2018 start only the police rule can be judged, and the evidence says so).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Engine, select

from segreform.data import queries
from segreform.data.police_panel import list_areas
from segreform.evaluate.panel import DesignError
from segreform.programme.eligibility import apply_rules
from segreform.store.db import session
from segreform.store.models.programme import (Application, ApplicationArea, Call, Grant, Organisation, SelectionItem,
                                              SelectionRun)

POLICE_LIST_COLUMNS = ["name", "category", "kommunkod"]


def granted_units(engine: Engine, development_area: str | None = None) -> pd.DataFrame:
    """Municipalities with a grant, per development area, with the first year of their earliest grant.

    Returns DataFrame[kommunkod, development_area, first_year, grant_id, selection_run_id].
    """
    with session(engine) as db:
        query = (select(Organisation.kommunkod, ApplicationArea.development_area_code, Grant.start_year, Grant.id,
                        Grant.application_id)
                 .join(Application, Application.id == Grant.application_id)
                 .join(Organisation, Organisation.id == Application.organisation_id)
                 .join(ApplicationArea, ApplicationArea.application_id == Application.id)
                 .where(Organisation.kind == "municipality", Organisation.kommunkod.is_not(None),
                        Grant.status != "withdrawn"))
        if development_area is not None:
            query = query.where(ApplicationArea.development_area_code == development_area)
        rows = db.execute(query).all()
        run_of = {row[4]: _run_of_grant(db, row[3]) for row in rows}
    frame = pd.DataFrame([(k, a, int(y), g, run_of[app]) for k, a, y, g, app in rows],
                         columns=["kommunkod", "development_area", "first_year", "grant_id", "selection_run_id"])
    return (frame.sort_values(["kommunkod", "development_area", "first_year"])
            .drop_duplicates(["kommunkod", "development_area"], keep="first").reset_index(drop=True))


def _run_of_grant(db, grant_id: int) -> int | None:
    """The selection run a grant follows: recorded on the grant where the programme year stores it, else the
    latest run of its call's year that selected its application."""
    grant = db.get(Grant, grant_id)
    recorded = getattr(grant, "selection_run_id", None)
    if recorded is not None:
        return int(recorded)
    application = db.get(Application, grant.application_id)
    year = db.get(Call, application.call_id).year
    return db.scalar(select(SelectionRun.id).join(SelectionItem, SelectionItem.run_id == SelectionRun.id)
                     .where(SelectionRun.year == year, SelectionItem.application_id == application.id,
                            SelectionItem.selected.is_(True)).order_by(SelectionRun.id.desc()).limit(1))


def treated_units(engine: Engine, development_area: str) -> dict[str, int]:
    """kommunkod -> first treated year, from the grants of ``development_area``."""
    granted = granted_units(engine, development_area)
    return {str(k): int(y) for k, y in zip(granted["kommunkod"], granted["first_year"])}


def police_list_before(year: int) -> tuple[int | None, pd.DataFrame]:
    """The police's list in force in ``year`` (the latest list year not after it) as DataFrame[name, category,
    kommunkod]; (None, empty) when no list existed yet."""
    lists = list_areas()
    years = sorted(y for y in lists["year"].unique() if y <= year)
    if not years:
        return None, pd.DataFrame(columns=POLICE_LIST_COLUMNS)
    rows = lists[lists["year"] == years[-1]]
    return int(years[-1]), pd.DataFrame({"name": rows["name"], "category": rows["category"],
                                         "kommunkod": rows["kommun_code"].astype(str)})


def area_types_before(engine: Engine, year: int) -> tuple[int | None, pd.DataFrame]:
    """RegSO area types of the latest data year not after ``year``; (None, empty) when none is stored."""
    frame = queries.observations(engine, "omradestyp", level="regso").dropna(subset=["value"])
    frame = frame[frame["year"] <= year]
    if frame.empty:
        return None, pd.DataFrame(columns=["area_code", "kommunkod", "area_type"])
    frame = frame[frame["year"] == frame["year"].max()]
    regso = queries.areas(engine, "regso")[["code", "parent_code"]]
    merged = frame.merge(regso, left_on="area_code", right_on="code", how="left")
    return int(frame["year"].max()), pd.DataFrame({"area_code": merged["area_code"], "kommunkod": merged["parent_code"],
                                                   "area_type": merged["value"].astype(int)})


def eligibility_before(engine: Engine, kommunkoder: list[str], start_year: int) -> pd.DataFrame:
    """Each municipality's eligibility by the programme's rules on the data of ``start_year - 1``.

    Returns DataFrame[kommunkod, eligible, data_year, evidence]; the evidence names the police list year and
    the area-type year used (or that area types did not exist yet).
    """
    data_year = start_year - 1
    list_year, police = police_list_before(data_year)
    types_year, area_types = area_types_before(engine, data_year)
    basis = (f"police list {list_year}" if list_year else "no police list yet") + "; " + (
        f"area types {types_year}" if types_year else f"no area types for {data_year} or earlier (rule not judged)")
    rows = [{"kommunkod": e.kommunkod, "eligible": bool(e.eligible), "data_year": data_year,
             "evidence": f"{e.reason('en')} [{basis}]"}
            for e in apply_rules(list(kommunkoder), area_types, police)]
    return pd.DataFrame(rows, columns=["kommunkod", "eligible", "data_year", "evidence"])


@dataclass
class Pool:
    """A comparison pool with how it was drawn (stored with the plan)."""

    units: list[str]
    evidence: dict = field(default_factory=dict)


def all_kommuner(engine: Engine) -> list[str]:
    return sorted(queries.areas(engine, "kommun")["code"].astype(str))


def eligible_not_selected(engine: Engine, development_area: str, treated: dict[str, int]) -> Pool:
    """The municipalities that applied for ``development_area`` in the selection run the treated units' grants
    came from, were eligible before treatment, and were not selected in that run."""
    granted = granted_units(engine, development_area)
    runs = sorted({int(r) for r in granted["selection_run_id"].dropna()})
    if not runs:
        raise DesignError(f"the grants in {development_area!r} follow no selection run, so there is no "
                          "'eligible but not selected' pool; use never_eligible or all_untreated")
    start_year = min(treated.values())
    with session(engine) as db:
        rows = db.execute(
            select(SelectionItem.run_id, SelectionItem.selected, Organisation.kommunkod, ApplicationArea.development_area_code)
            .join(Application, Application.id == SelectionItem.application_id)
            .join(Organisation, Organisation.id == Application.organisation_id)
            .join(ApplicationArea, ApplicationArea.application_id == Application.id)
            .where(SelectionItem.run_id.in_(runs), Organisation.kind == "municipality",
                   Organisation.kommunkod.is_not(None))).all()
    selected = {str(k) for _, chosen, k, _ in rows if chosen}
    applied = {str(k) for _, _, k, area in rows if area == development_area}
    not_selected = sorted(applied - selected - set(treated))
    eligibility = eligibility_before(engine, not_selected, start_year)
    eligible = sorted(eligibility.loc[eligibility["eligible"], "kommunkod"])
    return Pool(eligible, {
        "selection_runs": runs, "applied": sorted(applied), "selected": sorted(selected),
        "eligibility_data_year": start_year - 1,
        "eligibility": dict(zip(eligibility["kommunkod"], eligibility["evidence"])),
    })


def comparison_pool(engine: Engine, comparison: str, development_area: str, treated: dict[str, int],
                    in_programme: set[str]) -> Pool:
    """The plan's comparison pool; municipalities in the programme (any area) are never comparisons."""
    if comparison == "eligible_not_selected":
        pool = eligible_not_selected(engine, development_area, treated)
        return Pool(sorted(set(pool.units) - in_programme), pool.evidence)
    candidates = sorted(set(all_kommuner(engine)) - in_programme - set(treated))
    if comparison == "all_untreated":
        return Pool(candidates, {"rule": "every municipality outside the programme"})
    start_year = min(treated.values())
    eligibility = eligibility_before(engine, candidates, start_year)
    never = sorted(eligibility.loc[~eligibility["eligible"], "kommunkod"])
    return Pool(never, {"rule": "not eligible by the programme's rules before treatment",
                        "eligibility_data_year": start_year - 1})
