"""Eligibility rules and the need score, evaluated from the barometer's data.

The rules and the need score's components live in ``seed/rules.yaml``; this module only knows the kinds
of rule (``RULE_KINDS``) and how to count them from two tables:

- ``area_types``: one row per RegSO with ``kommunkod`` and ``area_type`` (1–5, SCB/Delmos områdestyp);
- ``police``: one row per area on the police's list with ``kommunkod``, ``name`` and ``category``.

:func:`barometer_inputs` builds both from the data job's queries; the evaluation itself is pure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from segreform.data import queries
from segreform.programme.errors import InvalidInput, ProgrammeError
from segreform.programme.seeding import load_yaml


def _count_area_types(kommunkod: str, params: dict, area_types: pd.DataFrame, police: pd.DataFrame) -> tuple[int, str]:
    rows = area_types[(area_types["kommunkod"] == kommunkod) & area_types["area_type"].isin(params["types"])]
    codes = ", ".join(sorted(map(str, rows.get("area_code", pd.Series(dtype=str)))))[:200]
    return len(rows), codes


def _count_police(kommunkod: str, params: dict, area_types: pd.DataFrame, police: pd.DataFrame) -> tuple[int, str]:
    rows = police[(police["kommunkod"] == kommunkod) & police["category"].isin(params["categories"])]
    return len(rows), ", ".join(sorted(rows["name"].astype(str)))[:200]


# rule kind -> counter; a rule passes when the count reaches params["min_count"]
RULE_KINDS = {
    "regso_area_type": _count_area_types,
    "regso_area_type_count": _count_area_types,
    "police_list": _count_police,
    "police_count": _count_police,
}


@dataclass
class RuleOutcome:
    rule_id: str
    passed: bool
    count: int
    text_sv: str
    text_en: str
    evidence: str


@dataclass
class Eligibility:
    kommunkod: str
    eligible: bool
    outcomes: list[RuleOutcome] = field(default_factory=list)

    def reason(self, lang: str = "en") -> str:
        passed = [o for o in self.outcomes if o.passed]
        shown = passed if self.eligible else self.outcomes
        texts = [f"{o.text_sv if lang == 'sv' else o.text_en}: {o.count}" + (f" ({o.evidence})" if o.evidence else "")
                 for o in shown]
        verdict = ("Behörig" if self.eligible else "Inte behörig") if lang == "sv" else (
            "Eligible" if self.eligible else "Not eligible")
        return f"{verdict} – " + "; ".join(texts)


@dataclass
class NeedScore:
    kommunkod: str
    score: float
    raw: float
    components: dict[str, tuple[int, int]]  # component id -> (count, weight)

    def explain(self, rules: dict | None = None, lang: str = "en") -> str:
        spec = {c["id"]: c for c in (rules or load_rules())["need_score"]}
        parts = [f"{count} × {weight} ({spec[cid]['text_sv' if lang == 'sv' else 'text_en']})"
                 for cid, (count, weight) in self.components.items() if count]
        return f"{self.score:.0f}/100 = " + (" + ".join(parts) if parts else "0") + f" = {self.raw:g} raw"


def load_rules() -> dict:
    rules = load_yaml("rules.yaml")
    for rule in rules["rules"] + rules["need_score"]:
        if rule["kind"] not in RULE_KINDS:
            raise InvalidInput(f"rules.yaml rule {rule['id']} kind",
                               f"{rule['kind']!r} is unknown; use one of {', '.join(RULE_KINDS)}")
    if rules.get("eligible_when", "any") not in ("any", "all"):
        raise InvalidInput("rules.yaml eligible_when", "must be 'any' or 'all'")
    return rules


def apply_rules(kommunkoder: list[str], area_types: pd.DataFrame, police: pd.DataFrame,
             rules: dict | None = None) -> list[Eligibility]:
    """Apply the eligibility rules to each municipality and keep the reason."""
    rules = rules or load_rules()
    _check_columns(area_types, police)
    combine = all if rules.get("eligible_when", "any") == "all" else any
    results = []
    for kommunkod in kommunkoder:
        outcomes = []
        for rule in rules["rules"]:
            count, evidence = RULE_KINDS[rule["kind"]](kommunkod, rule["params"], area_types, police)
            outcomes.append(RuleOutcome(rule["id"], count >= rule["params"].get("min_count", 1), count,
                                        rule["text_sv"], rule["text_en"], evidence))
        results.append(Eligibility(kommunkod, combine(o.passed for o in outcomes), outcomes))
    return results


def need_scores(kommunkoder: list[str], area_types: pd.DataFrame, police: pd.DataFrame,
                rules: dict | None = None) -> list[NeedScore]:
    """Weighted sum of the need components, scaled so that the neediest municipality compared scores 100."""
    rules = rules or load_rules()
    _check_columns(area_types, police)
    raws = []
    for kommunkod in kommunkoder:
        components = {}
        for component in rules["need_score"]:
            count, _ = RULE_KINDS[component["kind"]](kommunkod, component["params"], area_types, police)
            components[component["id"]] = (count, component["weight"])
        raws.append((kommunkod, sum(c * w for c, w in components.values()), components))
    top = max((raw for _, raw, _ in raws), default=0)
    return [NeedScore(k, 100.0 * raw / top if top else 0.0, raw, comps) for k, raw, comps in raws]


def barometer_inputs(engine) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The area types (latest year) and the police list, from the data job's queries."""
    observations = queries.observations(engine, "omradestyp", level="regso")
    if observations.empty:
        raise ProgrammeError("no area types loaded; load the barometer's data first (segreform data ...)")
    latest = observations[observations["year"] == observations["year"].max()].dropna(subset=["value"])
    regso = queries.areas(engine, "regso")[["code", "parent_code"]]
    area_types = latest.merge(regso, left_on="area_code", right_on="code", how="left")
    area_types = pd.DataFrame({"area_code": area_types["area_code"], "kommunkod": area_types["parent_code"],
                               "area_type": area_types["value"].astype(int)})
    police = queries.police_areas(engine).rename(columns={"namn": "name", "kategori": "category"})
    area_types.attrs["year"] = int(observations["year"].max())  # the data year, shown as evidence
    dates = police.get("reference_date", pd.Series(dtype=object)).dropna()
    police = police[["name", "category", "kommunkod"]]
    police.attrs["reference_date"] = str(dates.max()) if len(dates) else ""
    return area_types, police


def assess_municipalities(engine, lang: str = "en") -> pd.DataFrame:
    """Every municipality's eligibility (with the reason) and need score (explained), neediest first.

    Returns
    -------
    DataFrame[kommunkod, name, eligible, reason, need_score, need_explained]
    """
    area_types, police = barometer_inputs(engine)
    kommuner = queries.areas(engine, "kommun")
    names = dict(zip(kommuner["code"], kommuner["name"]))
    rules = load_rules()
    needs = {n.kommunkod: n for n in need_scores(list(names), area_types, police, rules)}
    rows = [{"kommunkod": e.kommunkod, "name": names[e.kommunkod], "eligible": e.eligible, "reason": e.reason(lang),
             "need_score": round(needs[e.kommunkod].score, 1),
             "need_explained": needs[e.kommunkod].explain(rules, lang)}
            for e in apply_rules(list(names), area_types, police, rules)]
    columns = ["kommunkod", "name", "eligible", "reason", "need_score", "need_explained"]
    return pd.DataFrame(rows, columns=columns).sort_values(["need_score", "kommunkod"], ascending=[False, True],
                                                            ignore_index=True)


def _check_columns(area_types: pd.DataFrame, police: pd.DataFrame) -> None:
    for name, frame, needed in (("area_types", area_types, ("kommunkod", "area_type")),
                                ("police", police, ("kommunkod", "category", "name"))):
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise InvalidInput(name, f"lacks columns {missing}")
