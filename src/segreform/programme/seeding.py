"""Load the programme's structure from the editable seed files into the database (idempotent)."""

from __future__ import annotations

import copy
import csv
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from segreform.data import queries  # the data job's contract: areas(engine, "kommun")
from segreform.programme.agencies import seed_agencies
from segreform.programme.errors import InvalidInput
from segreform.programme.money import ORE_PER_MSEK, ORE_PER_SEK
from segreform.store import transaction
from segreform.store.models.programme import (
    DevelopmentArea,
    FocusArea,
    Organisation,
    ProgrammeYear,
    Reform,
    ReformBudgetLine,
)

SEED_DIR_ENV = "SEGREFORM_PROGRAMME_SEED"
PACKAGED_SEED = Path(__file__).parent / "seed"


def seed_dir() -> Path:
    """The seed folder: ``SEGREFORM_PROGRAMME_SEED`` if set (an edited copy), else the packaged one."""
    return Path(os.environ.get(SEED_DIR_ENV) or PACKAGED_SEED)


def load_yaml(name: str, folder: Path | None = None) -> dict:
    """A seed file, parsed (a fresh copy each call, so that callers may change it)."""
    path = (folder or seed_dir()) / name
    try:
        return copy.deepcopy(_parse(path, path.stat().st_mtime_ns))
    except FileNotFoundError:
        raise InvalidInput(str(path), "seed file is missing; copy it from the packaged seed folder") from None


@lru_cache(maxsize=32)
def _parse(path: Path, _mtime_ns: int) -> dict:
    # The C loader when libyaml is there: the pure-Python one is slow enough to notice on every seed.
    return yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@dataclass
class SeedSummary:
    years: int
    focus_areas: int
    development_areas: int
    reforms: int
    budget_lines: int
    organisations: int


def seed_programme(engine: Engine, folder: Path | None = None) -> SeedSummary:
    """Insert or update the years and frames, areas, agencies, reforms and budget lines from the seed files.

    Everything is validated first and written in one transaction: a bad seed file changes nothing.
    """
    if folder is None and not os.environ.get(SEED_DIR_ENV):
        # The bundled programme definition (programmes/sverige-2017-2025.yaml) is the default structure.
        from segreform.programme import definition  # import cycle: definition imports seeding

        data = definition.bundled()
        with transaction(engine) as db:
            definition.write_definition(db, data, source_file=definition.BUNDLED.name, actor="seed")
            seed_agencies(db)
        return SeedSummary(years=len(data["years"]), focus_areas=len(data["focus_areas"]),
                           development_areas=len(data["development_areas"]), reforms=len(data["reforms"]),
                           budget_lines=len(data["years"]) * len(data["reforms"]), organisations=len(data["agencies"]))
    folder = folder or seed_dir()
    spec = load_yaml("programme.yaml", folder)
    lines = _read_budget_lines(folder / "reform_budget_lines.csv")
    with transaction(engine) as db:
        for row in spec["years"]:
            _upsert(db, ProgrammeYear, row["year"], frame_ore=_msek(row, "programme.yaml years"),
                    source=row["source"], lock_counter=0, keep=("lock_counter",))
        for row in spec["focus_areas"]:
            _upsert(db, FocusArea, row["code"], number=row["number"], name_sv=row["name_sv"], name_en=row["name_en"])
        db.flush()
        for row in spec["development_areas"]:
            _upsert(db, DevelopmentArea, row["code"], focus_area_code=row["focus_area"],
                    name_sv=row["name_sv"], name_en=row["name_en"])
        for row in spec["agencies"]:
            ensure_organisation(db, kind=row["kind"], code=row["code"], name=row["name"])
        for row in spec["reforms"]:
            _upsert(db, Reform, row["code"], number=row["number"], title_sv=row["title_sv"],
                    title_en=row["title_en"], focus_area_code=row["focus_area"], agency_code=row["agency"],
                    source="seed/programme.yaml", status="planned", keep=("status",))
        db.flush()
        store_budget_lines(db, lines)
        seed_agencies(db)
        return SeedSummary(
            years=len(spec["years"]), focus_areas=len(spec["focus_areas"]),
            development_areas=len(spec["development_areas"]), reforms=len(spec["reforms"]),
            budget_lines=len(lines), organisations=len(spec["agencies"]),
        )


def ensure_organisation(db: Session, *, kind: str, code: str, name: str,
                        kommunkod: str | None = None, lanskod: str | None = None) -> Organisation:
    """The organisation with ``code``, created or renamed as needed."""
    org = db.scalar(select(Organisation).where(Organisation.code == code))
    if org is None:
        org = Organisation(kind=kind, code=code, name=name, kommunkod=kommunkod, lanskod=lanskod)
        db.add(org)
        db.flush()
    else:
        org.name, org.kind = name, kind
        org.kommunkod, org.lanskod = kommunkod or org.kommunkod, lanskod or org.lanskod
    return org


def ensure_municipality(db: Session, kommunkod: str, name: str) -> Organisation:
    """A municipality as an applicant organisation; its county is the first two digits of the kommunkod."""
    if len(kommunkod) != 4 or not kommunkod.isdigit():
        raise InvalidInput("kommunkod", f"{kommunkod!r} is not a 4-digit municipality code")
    return ensure_organisation(db, kind="municipality", code=f"kommun-{kommunkod}", name=name,
                               kommunkod=kommunkod, lanskod=kommunkod[:2])


def seed_municipalities(engine: Engine) -> int:
    """Create an applicant organisation for each of the kommuner the data job loaded; returns the count."""
    kommuner = queries.areas(engine, "kommun")
    with transaction(engine) as db:
        for row in kommuner.itertuples(index=False):
            ensure_municipality(db, str(row.code), str(row.name))
    return len(kommuner)


def _msek(row: dict, where: str) -> int:
    value = row.get("frame_msek")
    if not isinstance(value, int) or value < 0:
        raise InvalidInput(f"{where} year {row.get('year')} frame_msek", "must be a whole, non-negative MSEK number")
    return value * ORE_PER_MSEK


def _read_budget_lines(path: Path) -> dict[tuple[str, int], int]:
    lines: dict[tuple[str, int], int] = {}
    with path.open(encoding="utf-8") as handle:
        rows = csv.DictReader(line for line in handle if not line.startswith("#"))
        for number, row in enumerate(rows, start=2):
            try:
                key = (row["reform"].strip(), int(row["year"]))
                amount = int(row["amount_sek"]) * ORE_PER_SEK
            except (KeyError, ValueError, AttributeError):
                raise InvalidInput(f"{path.name} row {number}", "needs reform, year and a whole amount_sek") from None
            lines[key] = amount
    return lines


def store_budget_lines(db: Session, lines: dict[tuple[str, int], int]) -> None:
    """Insert or update each reform's budget line per year (öre), then check every year stays within its frame."""
    existing = {(line.reform_code, line.year): line for line in db.scalars(select(ReformBudgetLine))}
    for (reform, year), amount in lines.items():
        line = existing.get((reform, year))
        if line is None:
            db.add(ReformBudgetLine(reform_code=reform, year=year, amount_ore=amount))
        else:
            line.amount_ore = amount
    db.flush()
    _check_lines_within_frames(db)


def _check_lines_within_frames(db: Session) -> None:
    totals = db.execute(
        select(ReformBudgetLine.year, func.sum(ReformBudgetLine.amount_ore)).group_by(ReformBudgetLine.year)
    ).all()
    for year, total in totals:
        frame = db.get(ProgrammeYear, year)
        if frame is None or total > frame.frame_ore:
            limit = frame.frame_ore if frame else 0
            raise InvalidInput(f"reform_budget_lines.csv year {year}",
                               f"reform lines sum to {total} öre, above the year's frame {limit} öre")


def _upsert(db: Session, model, key, keep: tuple[str, ...] = (), **values):
    obj = db.get(model, key)
    if obj is None:
        pk = model.__mapper__.primary_key[0].key
        db.add(model(**{pk: key}, **values))
        return
    for name, value in values.items():
        if name not in keep:
            setattr(obj, name, value)
