"""A programme is data: a versioned YAML definition, validated at load, written in one transaction.

The definition (``schema_version: 1``) holds the programme's name and period, its yearly frames, focus and
development areas, agencies, reforms and their budget lines, the eligibility rule (and whether an ineligible
application is refused or flagged), the need rule, the selection weights and the default rubric. The Swedish
2017–2025 programme ships as ``programmes/sverige-2017-2025.yaml``; an admin loads a successor with
``segreform programme load FILE``, the upload form at ``/programme/definitions`` or ``POST /api/programme/definitions``.
Every error names the file and the field path (``successor.yaml: reforms[3].agency: ...``); nothing is half-written.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from segreform.programme.audit import record
from segreform.programme.clock import utcnow
from segreform.programme.eligibility import RULE_KINDS
from segreform.programme.errors import InvalidInput
from segreform.programme.money import ORE_PER_MSEK, ORE_PER_SEK, split_evenly
from segreform.programme.seeding import _upsert, ensure_organisation, store_budget_lines
from segreform.store import transaction
from segreform.store.models.programme import (
    DevelopmentArea,
    FocusArea,
    ProgrammeYear,
    Reform,
)
from segreform.store.models.programme_definition import ProgrammeDefinition

SCHEMA_VERSIONS = (1,)
BUNDLED = Path(__file__).parent / "programmes" / "sverige-2017-2025.yaml"
ON_INELIGIBLE = ("refuse", "flag")
DEFAULT_SELECTION = {"quality_weight": 0.6, "need_weight": 0.4, "stability_draws": 1000, "stability_seed": 2017}


class DefinitionError(InvalidInput):
    """A definition that does not validate; the field is ``file: path``."""


@dataclass(frozen=True)
class LoadSummary:
    code: str
    years: int
    reforms: int
    development_areas: int


def read_definition(path: Path) -> dict:
    """Parse a definition file; YAML errors name the file and the line."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DefinitionError(str(path), f"cannot be read: {exc}") from None
    return parse_definition(text, Path(path).name)


def parse_definition(text: str, filename: str) -> dict:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        raise DefinitionError(f"{filename}{where}", f"is not valid YAML: {getattr(exc, 'problem', exc)}") from None
    validate(data, filename)
    return data


def bundled() -> dict:
    return read_definition(BUNDLED)


# --- validation -------------------------------------------------------------------------------------

def _fail(filename: str, path: str, message: str):
    raise DefinitionError(f"{filename}: {path}" if path else filename, message)


def _need(obj: dict, key: str, kind, filename: str, path: str):
    if not isinstance(obj, dict) or key not in obj:
        _fail(filename, f"{path}{key}" if not path else f"{path}.{key}", "is missing")
    value = obj[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if isinstance(value, bool) and bool not in kinds or not isinstance(value, kinds):
        names = " or ".join(k.__name__ for k in kinds)
        _fail(filename, f"{path}.{key}" if path else key, f"must be {names}, got {value!r}")
    return value


def validate(data, filename: str = "programme.yaml") -> None:
    """Check a parsed definition; the first problem raises :class:`DefinitionError` naming file and field path."""
    if not isinstance(data, dict):
        _fail(filename, "", "must be a mapping of the definition's sections")
    version = _need(data, "schema_version", int, filename, "")
    if version not in SCHEMA_VERSIONS:
        _fail(filename, "schema_version", f"{version} is not supported; this version reads {list(SCHEMA_VERSIONS)}")
    _need(data, "code", str, filename, "")
    name = _need(data, "name", dict, filename, "")
    for lang in ("sv", "en"):
        _need(name, lang, str, filename, "name")
    period = _need(data, "period", dict, filename, "")
    first, last = _need(period, "first_year", int, filename, "period"), _need(period, "last_year", int, filename, "period")
    if not 1900 <= first <= last <= 2100:
        _fail(filename, "period", f"first_year {first} … last_year {last} must be ordered years in 1900–2100")
    years = _need(data, "years", list, filename, "")
    seen_years = set()
    for i, row in enumerate(years):
        where = f"years[{i}]"
        year = _need(row, "year", int, filename, where)
        if not first <= year <= last:
            _fail(filename, f"{where}.year", f"{year} is outside the period {first}–{last}")
        if year in seen_years:
            _fail(filename, f"{where}.year", f"{year} appears twice")
        seen_years.add(year)
        if _need(row, "frame_msek", int, filename, where) < 0:
            _fail(filename, f"{where}.frame_msek", "must not be negative")
        _need(row, "source", str, filename, where)
    missing = sorted(set(range(first, last + 1)) - seen_years)
    if missing:
        _fail(filename, "years", f"the period needs a frame for every year; missing {missing}")
    focus = {_need(row, "code", str, filename, f"focus_areas[{i}]") for i, row in
             enumerate(_need(data, "focus_areas", list, filename, ""))}
    for i, row in enumerate(data["focus_areas"]):
        for key in ("name_sv", "name_en"):
            _need(row, key, str, filename, f"focus_areas[{i}]")
        _need(row, "number", int, filename, f"focus_areas[{i}]")
    for i, row in enumerate(_need(data, "development_areas", list, filename, "")):
        where = f"development_areas[{i}]"
        for key in ("code", "name_sv", "name_en", "focus_area"):
            _need(row, key, str, filename, where)
        if row["focus_area"] not in focus:
            _fail(filename, f"{where}.focus_area", f"{row['focus_area']!r} is not one of focus_areas {sorted(focus)}")
    agencies = set()
    for i, row in enumerate(_need(data, "agencies", list, filename, "")):
        where = f"agencies[{i}]"
        agencies.add(_need(row, "code", str, filename, where))
        _need(row, "name", str, filename, where)
        if _need(row, "kind", str, filename, where) not in ("agency", "delegation"):
            _fail(filename, f"{where}.kind", "must be 'agency' or 'delegation'")
    reform_codes = set()
    for i, row in enumerate(_need(data, "reforms", list, filename, "")):
        where = f"reforms[{i}]"
        for key in ("code", "title_sv", "title_en", "focus_area", "agency"):
            _need(row, key, str, filename, where)
        _need(row, "number", int, filename, where)
        if row["agency"] not in agencies:
            _fail(filename, f"{where}.agency", f"{row['agency']!r} is not one of agencies {sorted(agencies)}")
        if row["focus_area"] not in focus:
            _fail(filename, f"{where}.focus_area", f"{row['focus_area']!r} is not one of focus_areas {sorted(focus)}")
        reform_codes.add(row["code"])
    budget = _need(data, "reform_budget", dict, filename, "")
    if "lines" in budget:
        for i, row in enumerate(_need(budget, "lines", list, filename, "reform_budget")):
            where = f"reform_budget.lines[{i}]"
            if _need(row, "reform", str, filename, where) not in reform_codes:
                _fail(filename, f"{where}.reform", f"{row['reform']!r} is not one of the reforms")
            if _need(row, "year", int, filename, where) not in seen_years:
                _fail(filename, f"{where}.year", f"{row['year']} is not a year of the programme")
            if _need(row, "amount_sek", int, filename, where) < 0:
                _fail(filename, f"{where}.amount_sek", "must not be negative")
    elif budget.get("split") != "even":
        _fail(filename, "reform_budget", "give `split: even` or a list of `lines`")
    rule = _need(data, "eligibility", dict, filename, "")
    if _need(rule, "on_ineligible", str, filename, "eligibility") not in ON_INELIGIBLE:
        _fail(filename, "eligibility.on_ineligible", f"must be one of {list(ON_INELIGIBLE)}")
    if rule.get("eligible_when", "any") not in ("any", "all"):
        _fail(filename, "eligibility.eligible_when", "must be 'any' or 'all'")
    components = _need(_need(data, "need", dict, filename, ""), "components", list, filename, "need")
    for section, items in (("eligibility.rules", _need(rule, "rules", list, filename, "eligibility")),
                           ("need.components", components)):
        for i, item in enumerate(items):
            where = f"{section}[{i}]"
            _need(item, "id", str, filename, where)
            if _need(item, "kind", str, filename, where) not in RULE_KINDS:
                _fail(filename, f"{where}.kind", f"{item['kind']!r} is unknown; use one of {', '.join(RULE_KINDS)}")
            _need(item, "params", dict, filename, where)
            for key in ("text_sv", "text_en"):
                _need(item, key, str, filename, where)
            if section == "need.components" and _need(item, "weight", (int, float), filename, where) < 0:
                _fail(filename, f"{where}.weight", "must not be negative")
    selection = _need(data, "selection", dict, filename, "")
    weights = [_need(selection, key, (int, float), filename, "selection") for key in ("quality_weight", "need_weight")]
    if min(weights) < 0 or sum(weights) <= 0:
        _fail(filename, "selection", "quality_weight and need_weight must be non-negative and not both zero")
    draws = selection.get("stability_draws", DEFAULT_SELECTION["stability_draws"])
    if isinstance(draws, bool) or not isinstance(draws, int) or not 0 <= draws <= 10_000:
        _fail(filename, "selection.stability_draws", "must be a whole number from 0 to 10000")
    rubric = _need(data, "rubric", dict, filename, "")
    for i, item in enumerate(_need(rubric, "criteria", list, filename, "rubric")):
        where = f"rubric.criteria[{i}]"
        for key in ("code", "name_sv", "name_en"):
            _need(item, key, str, filename, where)
        if _need(item, "weight", int, filename, where) <= 0:
            _fail(filename, f"{where}.weight", "must be positive")


# --- loading ----------------------------------------------------------------------------------------

def load_file(engine: Engine, path: Path, actor: str = "cli") -> LoadSummary:
    data = read_definition(path)
    with transaction(engine) as db:
        return write_definition(db, data, source_file=Path(path).name, actor=actor)


def load_bundled(engine: Engine, actor: str = "seed") -> LoadSummary:
    return load_file(engine, BUNDLED, actor)


def write_definition(db: Session, data: dict, *, source_file: str, actor: str) -> LoadSummary:
    """Insert or update everything the (validated) definition holds, in the caller's transaction."""
    validate(data, source_file)
    code = data["code"]
    for row in data["years"]:
        _upsert(db, ProgrammeYear, row["year"], frame_ore=row["frame_msek"] * ORE_PER_MSEK, source=row["source"],
                lock_counter=0, programme_code=code, keep=("lock_counter",))
    for row in data["focus_areas"]:
        _upsert(db, FocusArea, row["code"], number=row["number"], name_sv=row["name_sv"], name_en=row["name_en"])
    db.flush()
    for row in data["development_areas"]:
        _upsert(db, DevelopmentArea, row["code"], focus_area_code=row["focus_area"], name_sv=row["name_sv"],
                name_en=row["name_en"])
    for row in data["agencies"]:
        ensure_organisation(db, kind=row["kind"], code=row["code"], name=row["name"])
    for row in data["reforms"]:
        _upsert(db, Reform, row["code"], number=row["number"], title_sv=row["title_sv"], title_en=row["title_en"],
                focus_area_code=row["focus_area"], agency_code=row["agency"], source=source_file, status="planned",
                keep=("status",))
    db.flush()
    store_budget_lines(db, _budget_lines(data))
    rules = {key: copy.deepcopy(data[key]) for key in ("eligibility", "need", "selection", "rubric")}
    row = db.get(ProgrammeDefinition, code)
    values = dict(name=data["name"]["sv"] + " / " + data["name"]["en"], schema_version=data["schema_version"],
                  first_year=data["period"]["first_year"], last_year=data["period"]["last_year"],
                  invented=bool(data.get("invented", False)), rules=rules, source_file=source_file,
                  loaded_at=utcnow(), loaded_by=actor)
    if row is None:
        db.add(ProgrammeDefinition(code=code, **values))
    else:
        for key, value in values.items():
            setattr(row, key, value)
    db.flush()
    record(db, actor, "programme.load", "programme", code, file=source_file, years=len(data["years"]))
    return LoadSummary(code, len(data["years"]), len(data["reforms"]), len(data["development_areas"]))


def _budget_lines(data: dict) -> dict[tuple[str, int], int]:
    budget = data["reform_budget"]
    if "lines" in budget:
        return {(row["reform"], row["year"]): row["amount_sek"] * ORE_PER_SEK for row in budget["lines"]}
    reforms = sorted(row["code"] for row in data["reforms"])
    lines = {}
    for row in data["years"]:
        for reform, amount in zip(reforms, split_evenly(row["frame_msek"] * ORE_PER_MSEK, len(reforms))):
            lines[(reform, row["year"])] = amount
    return lines


# --- the rules in force -----------------------------------------------------------------------------

def definition_for_year(db: Session, year: int) -> ProgrammeDefinition | None:
    return db.scalar(select(ProgrammeDefinition).where(ProgrammeDefinition.first_year <= year,
                                                       ProgrammeDefinition.last_year >= year)
                     .order_by(ProgrammeDefinition.loaded_at.desc()))


def rules_for_year(db: Session, year: int) -> dict:
    """The eligibility, need, selection and rubric rules for ``year`` (the bundled programme's when none is loaded)."""
    row = definition_for_year(db, year)
    rules = copy.deepcopy(row.rules) if row is not None else {k: bundled()[k] for k in
                                                               ("eligibility", "need", "selection", "rubric")}
    rules["selection"] = {**DEFAULT_SELECTION, **rules.get("selection", {})}
    return rules


def definitions(db: Session) -> list[ProgrammeDefinition]:
    return list(db.scalars(select(ProgrammeDefinition).order_by(ProgrammeDefinition.first_year)))
