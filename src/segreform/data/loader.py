"""First run: migrate the database and load the shipped geography, statistics and police list.

Geography and the police list are loaded in one transaction; each bundled dataset is then written in its own
transaction through the ordinary import path (so an interrupted first run is completed, not duplicated, by the
next one: the content hashes make every step idempotent).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd
from sqlalchemy import Engine, func, insert, select

from segreform.data import bundled, kommun_series, outcomes, police_panel
from segreform.data.geography import normalise_label
from segreform.data.px import px_release
from segreform.data.writer import Release, bulk_insert, sha256_of, sha256_of_file, write_release
from segreform.store.db import transaction, upgrade
from segreform.store.models.data import Area, AreaCrosswalk, Dataset, GeographyVersion, PoliceArea

SCB = "SCB"
POLICE_SOURCE = "Polisen (Källa: Polisen)"
POLICE_LIST_DATE = "2025-12-01"
BUNDLE_VINTAGE = "bundled"

# (dataset name, file, {column in file: variable}, unit per variable, label per variable)
BUNDLED_TABLES = [
    (
        "scb_regso_fodelseland",
        bundled.FODELSELAND_TABLE,
        {"folkmangd": ("folkmangd", "persons", "Population (folkmängd), 31 December"),
         "inrikes_fodda": ("inrikes_fodda", "persons", "Born in Sweden (inrikes födda)"),
         "utrikes_fodda": ("utrikes_fodda", "persons", "Born abroad (utrikes födda)")},
    ),
    (
        "scb_regso_medel_loneinkomst",
        bundled.LONEINKOMST_TABLE,
        {"medel_loneinkomst_tkr": ("medel_loneinkomst_tkr", "tkr",
                                   "Mean wage income, thousand SEK (age group not stated in the export)")},
    ),
    (
        "scb_regso_upplatelseform",
        bundled.UPPLATELSEFORM_TABLE,
        {"hyresratt": ("hyresratt", "dwellings", "Dwellings, rental (hyresrätt)"),
         "bostadsratt": ("bostadsratt", "dwellings", "Dwellings, co-operative (bostadsrätt)"),
         "aganderatt": ("aganderatt", "dwellings", "Dwellings, owner-occupied (äganderätt)"),
         "uppgift_saknas": ("upplatelseform_uppgift_saknas", "dwellings", "Dwellings, tenure not known")},
    ),
]
OMRADESTYP_DATASET = "scb_regso_omradestyp"
AGGREGATE_DATASET = "scb_kommun_riket_summed_from_regso"
# How the shipped tables' `kodmatchning` names the RegSO 2020 → 2025 relation.
KODMATCHNING_RELATION = {
    "exact": "same",
    "renamed_2025": "renamed",
    "renamed_2025_uncertain": "renamed_uncertain",
    "unmatched": "no_successor",
}


@dataclass
class LoadReport:
    """What :func:`load_bundle` did and how long it took."""

    loaded_geography: bool
    datasets: list[str]
    seconds: float


def ensure_initialised(engine: Engine, progress: bool = True) -> bool:
    """Migrate the database if needed and load the bundled data when it is missing; True if anything was loaded.

    Called by ``segreform init``, the web ``serve`` command and the programme demo. Safe to call every start.
    """
    # Always upgrading is cheap at head, and brings a database made by an older segreform forward.
    upgrade(engine)
    report = load_bundle(engine, progress=progress)
    return report.loaded_geography or bool(report.datasets)


def load_bundle(engine: Engine, progress: bool = True) -> LoadReport:
    """Load whatever part of the shipped bundle the database lacks."""
    started = time.perf_counter()
    loaded_geography = False
    with engine.connect() as conn:
        has_geography = conn.execute(select(func.count()).select_from(GeographyVersion)).scalar_one() > 0
    if not has_geography:
        _load_geography_and_police(engine, progress)
        loaded_geography = True
    with outcomes.deferred():
        loaded = _load_missing_releases(engine, progress)
    return LoadReport(loaded_geography, loaded, time.perf_counter() - started)


def _has_dataset(engine: Engine, name: str) -> bool:
    with engine.connect() as conn:
        return conn.execute(select(Dataset.id).where(Dataset.name == name)).first() is not None


def _load_missing_releases(engine: Engine, progress: bool) -> list[str]:
    loaded = []
    for name, content_sha256, build in _bundled_release_builders():
        if content_sha256 is not None:
            with engine.connect() as conn:
                present = conn.execute(
                    select(Dataset.id).where(Dataset.name == name, Dataset.content_sha256 == content_sha256)
                ).first()
            if present is not None:
                continue
        elif not loaded and _has_dataset(engine, name):
            continue  # derived from the releases above, none of which changed in this run
        # A derived release (hash None) hashes its own inputs; writing an unchanged one is a no-op.
        release = build(engine)
        if release is not None and write_release(engine, release, progress=progress).status == "imported":
            loaded.append(name)
    return loaded


def _load_geography_and_police(engine: Engine, progress: bool) -> None:
    lan = bundled.read_csv(bundled.LAN)
    kommuner = bundled.read_csv(bundled.KOMMUNER)
    regso25 = bundled.read_csv(bundled.REGSO_2025_KEY)
    deso = bundled.read_csv(bundled.DESO2018_REGSO2020_KEY)
    regso20 = deso.drop_duplicates("RegSOkod_2020")
    versions = [
        ("riket", "2025", None, "2025-01-01", True, "SCB", "The nation as a whole (Riket)"),
        ("lan", "2025", "riket", "2025-01-01", True, "SCB via sjbrg/swedish-geodata", "21 län"),
        ("kommun", "2025", "lan", "2025-01-01", True, "SCB via sjbrg/swedish-geodata", "290 kommuner"),
        ("regso", "2025", "kommun", "2025-01-01", True, "SCB RegSO_2025.gpkg (version 2025_v2)",
         "Regional statistical areas, 2025 version"),
        ("regso", "2020", "kommun", "2020-01-01", False, "SCB key DeSO2018–RegSO2020",
         "Regional statistical areas, 2020 version (labels of SCB's 2020–2023 exports)"),
        ("deso", "2018", "regso", "2018-01-01", True, "SCB key DeSO2018–RegSO2020",
         "Demographic statistical areas, 2018 version (parent: RegSO 2020)"),
    ]
    area_frames = [
        pd.DataFrame({"level": "riket", "version": "2025", "code": ["00"], "name": ["Riket"],
                      "parent_code": [None], "parent_version": [None]}),
        pd.DataFrame({"level": "lan", "version": "2025", "code": lan.lanskod, "name": lan.lan,
                      "parent_code": "00", "parent_version": "2025"}),
        pd.DataFrame({"level": "kommun", "version": "2025", "code": kommuner.kommunkod, "name": kommuner.kommun,
                      "parent_code": kommuner.lanskod, "parent_version": "2025"}),
        pd.DataFrame({"level": "regso", "version": "2025", "code": regso25.regsokod, "name": regso25.regsonamn,
                      "parent_code": regso25.kommunkod, "parent_version": "2025"}),
        pd.DataFrame({"level": "regso", "version": "2020", "code": regso20.RegSOkod_2020,
                      "name": regso20.RegSO_2020.str.strip(), "parent_code": regso20.Kommun,
                      "parent_version": "2025"}),
        pd.DataFrame({"level": "deso", "version": "2018", "code": deso.DeSO_2018, "name": deso.DeSO_2018,
                      "parent_code": deso.RegSOkod_2020, "parent_version": "2020"}),
    ]
    areas = pd.concat(area_frames, ignore_index=True)
    crosswalk = regso_2020_2025_crosswalk(regso20, regso25)
    police = bundled.read_csv(bundled.POLICE_AREAS_2025)
    with transaction(engine) as db:
        conn = db.connection()
        conn.execute(insert(GeographyVersion), [
            dict(zip(["level", "version", "parent_level", "reference_date", "is_current", "source", "description"],
                     v), user_defined=False) for v in versions
        ])
        bulk_insert(conn, Area.__table__, areas, progress=progress, label="loading geography")
        bulk_insert(conn, AreaCrosswalk.__table__, crosswalk, progress=False)
        bulk_insert(conn, PoliceArea.__table__, pd.DataFrame({
            "name": police.namn, "category": police.kategori, "kommunkod": police.kommunkod,
            "kommun": police.kommun, "ort": police.ort, "police_region": police.region,
            "local_police_area": police.lokalpolisomrade, "listed_since": police.aktualitet_start,
            "reference_date": POLICE_LIST_DATE, "source": POLICE_SOURCE,
        }), progress=False)


def regso_2020_2025_crosswalk(regso20: pd.DataFrame, regso25: pd.DataFrame) -> pd.DataFrame:
    """RegSO 2020 → 2025, from the shipped tables' name-based ``kodmatchning`` (see bundled/PROVENANCE.md)."""
    table = bundled.read_csv(bundled.FODELSELAND_TABLE)
    matches = table.drop_duplicates(["kommunkod", "regsonamn_scb"])
    by_name = {
        (k, normalise_label(n)): (code or None, KODMATCHNING_RELATION[how])
        for k, n, code, how in zip(matches.kommunkod, matches.regsonamn_scb, matches.regsokod_2025,
                                   matches.kodmatchning)
    }
    rows = []
    for code, kommun, name in zip(regso20.RegSOkod_2020, regso20.Kommun, regso20.RegSO_2020):
        target, relation = by_name[(kommun, normalise_label(name))]
        note = None
        if relation == "same" and target != code:
            note = f"same name, code changed {code} → {target}"
        if relation == "no_successor":
            note = "dropped in RegSO 2025; series ends here"
        rows.append(("regso", "2020", code, "2025", target, relation, 1.0, note))
    reached = {r[4] for r in rows if r[4]}
    for code in sorted(set(regso25.regsokod) - reached):
        rows.append(("regso", "2020", None, "2025", code, "new", 1.0, "new in RegSO 2025; no 2020 predecessor"))
    return pd.DataFrame(rows, columns=["level", "from_version", "from_code", "to_version", "to_code", "relation",
                                       "weight", "note"])


def _bundled_release_builders():
    """(dataset name, content hash, function building its release) for every bundled dataset."""
    builders = [
        (name, sha256_of_file(path),
         lambda _engine, name=name, path=path, columns=columns: _table_release(name, path, columns))
        for name, path, columns in BUNDLED_TABLES
    ]
    builders.append((OMRADESTYP_DATASET, sha256_of_file(bundled.OMRADESTYP_PX_EXPORT), _omradestyp_release))
    builders.append((AGGREGATE_DATASET, _aggregate_sha256(), lambda _engine: _aggregate_release()))
    builders.extend(kommun_series.release_builders())
    # Both read the RegSO population stored above, so they come after the SCB tables.
    builders.append((police_panel.PANEL_DATASET, police_panel.panel_inputs_sha256(), police_panel.panel_release))
    builders.append((outcomes.SEGREGATION_DATASET, None, outcomes.segregation_release))
    return builders


def _aggregate_sha256() -> str:
    return sha256_of("".join(sha256_of_file(path) for _name, path, _columns in _summable_tables()))


def _summable_tables():
    """The bundled tables of counts (mean wage income cannot be summed without its population)."""
    return [t for t in BUNDLED_TABLES if all(unit != "tkr" for _v, unit, _l in t[2].values())]


def _aggregate_release() -> Release:
    """Counts summed from RegSO to kommun and Riket, every RegSO row included (also those with no 2025 area),
    so that the national sums equal SCB's official totals."""
    frames = []
    variables = {}
    for name, path, columns in _summable_tables():
        table = bundled.read_csv(path)
        for column, (variable, unit, label) in columns.items():
            values = table.assign(value=pd.to_numeric(table[column]), year=table.ar.astype(int))
            by_kommun = values.groupby(["kommunkod", "year"], as_index=False).value.sum()
            by_nation = values.groupby("year", as_index=False).value.sum().assign(kommunkod="00")
            for level, frame in (("kommun", by_kommun), ("riket", by_nation)):
                frames.append(pd.DataFrame({
                    "variable": variable, "area_level": level, "area_version": "2025", "area_code": frame.kommunkod,
                    "year": frame.year, "value": frame.value.astype(float), "missing_marker": None,
                    "reference_year": frame.year, "area_match": None,
                }))
            variables[variable] = (unit, f"{label}; sum of the RegSO rows of {name}")
    return Release(
        name=AGGREGATE_DATASET,
        source=SCB,
        source_table="Sums of the bundled SCB RegSO tables (regso_fodelseland, regso_upplatelseform) by kommun and Riket",
        content_sha256=_aggregate_sha256(),
        observations=pd.concat(frames, ignore_index=True),
        variables=variables,
        vintage=BUNDLE_VINTAGE,
        metadata={"derived_by": "segreform.data.loader._aggregate_release", "method": "sum over RegSO rows"},
    )


def _omradestyp_release(engine: Engine) -> Release:
    """SCB's area type 2022, through the generic PX importer (labels are RegSO 2020 names; footer kept)."""
    release, _notes = px_release(
        engine, bundled.OMRADESTYP_PX_EXPORT, name=OMRADESTYP_DATASET, variable="omradestyp",
        unit="områdestyp (1–5)", level="regso", source=SCB, licence="CC0 1.0 (SCB open data)",
    )
    release.metadata["bundled_file"] = "scb/raw/regso_omradestyp_2022_px_export.csv"
    return release


@lru_cache(maxsize=1)
def _regso_2020_codes_by_name() -> dict[tuple[str, str], str]:
    regso20 = bundled.read_csv(bundled.DESO2018_REGSO2020_KEY).drop_duplicates("RegSOkod_2020")
    return {(k, normalise_label(n)): c for k, n, c in zip(regso20.Kommun, regso20.RegSO_2020, regso20.RegSOkod_2020)}


def _table_release(name: str, path, columns: dict[str, tuple[str, str, str]]) -> Release:
    """A shipped SCB table (RegSO 2025 codes attached by name); rows without a 2025 code keep their 2020 code."""
    table = bundled.read_csv(path)
    code_2020 = _regso_2020_codes_by_name()
    has_2025 = table.regsokod_2025 != ""
    version = has_2025.map({True: "2025", False: "2020"})
    code = table.regsokod_2025.where(has_2025, [
        code_2020.get((k, normalise_label(n)), "") for k, n in zip(table.kommunkod, table.regsonamn_scb)
    ])
    relation = table.kodmatchning.map(KODMATCHNING_RELATION)
    frames = []
    for column, (variable, _unit, _label) in columns.items():
        frames.append(pd.DataFrame({
            "variable": variable, "area_level": "regso", "area_version": version, "area_code": code,
            "year": table.ar.astype(int), "value": pd.to_numeric(table[column]), "missing_marker": None,
            "reference_year": table.ar.astype(int), "area_match": relation,
        }))
    return Release(
        name=name,
        source=SCB,
        source_table=f"SCB Statistikdatabasen export, RegSO 2020–2023 (bundled {path.relative_to(bundled.BUNDLED_DIR)})",
        content_sha256=sha256_of_file(path),
        observations=pd.concat(frames, ignore_index=True),
        variables={variable: (unit, label) for variable, unit, label in columns.values()},
        vintage=BUNDLE_VINTAGE,
        file_name=path.name,
        metadata={"provenance": "bundled/PROVENANCE.md", "code_matching": "kodmatchning column (by name)"},
    )
