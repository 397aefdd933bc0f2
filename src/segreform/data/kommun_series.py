"""The shipped long series per kommun (SCB population, turnout, income, rented share; Skolverket year 9) as
dataset releases for the store.

Each release carries its source, licence and the years it covers (``metadata``); every value its reference
year. Files: ``bundled/kommun_series/`` and ``bundled/skolverket/`` (see ``bundled/PROVENANCE.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from segreform.data import bundled
from segreform.data.errors import DataInputError, Problem
from segreform.data.writer import Release, sha256_of_file

SERIES_VINTAGE = "bundled"
SCB_LICENCE = "CC0 1.0 (SCB öppna data)"
SKOLVERKET_SOURCE = "Skolverket (Källa: Skolverket)"
SKOLVERKET_LICENCE = "Officiell statistik, fri att återanvända med källan angiven (Källa: Skolverket)"
# Skolverket's markers: "." no pupils / not applicable, ".." too few pupils to publish.
SKOLVERKET_MISSING = {".", ".."}

# Turnout per election: the election is part of the variable's name, never a dimension to forget.
TURNOUT_VARIABLES = {
    "riksdag": "valdeltagande_riksdag",
    "kommunfullmaktige": "valdeltagande_kommunfullmaktige",
}

# Skolverket indicator → (stored variable, unit, label). The "samtliga" provider keeps the plain name; the
# kommunal and enskild providers get a suffix (same indicator, pupils of that provider only).
SKOLVERKET_VARIABLES = {
    "n_pupils_grade9": ("elever_ak9", "pupils", "Pupils in year 9 (Skolverket)"),
    "merit_17": ("meritvarde_ak9", "points", "Mean merit value, 17 subjects, year 9 (Skolverket)"),
    "merit_16": ("meritvarde_ak9_16_amnen", "points", "Mean merit value, 16 subjects, year 9 (Skolverket)"),
    "pct_eligible_upper_secondary_vocational": (
        # Not Kolada's N15428 (behoriga_yrkesprogram_ak9, pupils by home kommun): Skolverket counts by school kommun.
        "behoriga_yrkesprogram_ak9_skolverket", "percent",
        "Year-9 pupils eligible for a vocational upper-secondary programme, % (Skolverket, by the school's kommun)"),
    "pct_passed_all_subjects": ("godkanda_alla_amnen_ak9", "percent",
                                "Year-9 pupils with a pass in all subjects, % (Skolverket)"),
    "pct_foreign_background": ("utlandsk_bakgrund_ak9", "percent",
                               "Year-9 pupils with a foreign background, % (Skolverket)"),
    "pct_parents_post_secondary": ("foraldrar_eftergymnasial_ak9", "percent",
                                   "Year-9 pupils whose parents have post-secondary education, % (Skolverket)"),
    "pct_girls": ("flickor_ak9", "percent", "Girls among year-9 pupils, % (Skolverket)"),
    "pct_boys": ("pojkar_ak9", "percent", "Boys among year-9 pupils, % (Skolverket)"),
}
PROVIDER_SUFFIX = {"samtliga": "", "kommunal": "__kommunal_huvudman", "enskild": "__enskild_huvudman"}
# Kept per provider as well (the rest only for all schools together, to keep the first start quick).
BY_PROVIDER = ("n_pupils_grade9", "merit_17", "pct_eligible_upper_secondary_vocational")
PROVIDER_LABEL = {"samtliga": "", "kommunal": "; municipal schools only", "enskild": "; independent schools only"}


@dataclass(frozen=True)
class KommunSeries:
    """One shipped file of one value per kommun and year."""

    dataset: str
    path: Path
    value_column: str
    variable: str
    unit: str
    label: str
    source_table: str


KOMMUN_SERIES = (
    KommunSeries("scb_kommun_folkmangd", bundled.KOMMUN_POPULATION_SERIES, "population_dec31", "folkmangd_31dec",
                 "persons", "Population on 31 December (SCB; 2025 with SCB's small random perturbation)",
                 "SCB BE0101N1 (TAB638), via aniisabihi/atlas290"),
    KommunSeries("scb_kommun_disponibel_inkomst", bundled.KOMMUN_INCOME_SERIES, "median_disp_household_income_sek",
                 "median_disponibel_hushallsinkomst", "SEK",
                 "Median disposable household income, SEK in SCB's fixed prices (households with someone 18+)",
                 "SCB HE0110 (TAB1492), via aniisabihi/atlas290"),
    KommunSeries("scb_kommun_andel_hyresratter", bundled.KOMMUN_RENTED_SHARE_SERIES, "share_rental_dwellings_pct",
                 "andel_hyresratter_procent", "percent",
                 "Rented dwellings as % of all dwellings (denominator includes tenure not recorded)",
                 "SCB BO0104 (TAB824), via aniisabihi/atlas290"),
)
TURNOUT_DATASET = "scb_kommun_valdeltagande"
SKOLVERKET_DATASET = "skolverket_ak9_kommun"


def _bad(path: Path, frame: pd.DataFrame, mask: pd.Series, field: str, message: str) -> None:
    """Refuse a file whose rows fail a check; the error names the file, (1-based data) line and field."""
    if mask.any():
        lines = (mask[mask].index.to_numpy() + 2)[:10]  # the header is line 1 of the file
        raise DataInputError([Problem(path.name, int(line), field, message) for line in lines])


def _numbers(path: Path, frame: pd.DataFrame, column: str, *, missing: set[str] = frozenset({""})) -> pd.Series:
    text = frame[column].str.strip()
    values = pd.to_numeric(text.str.lstrip("~"), errors="coerce")
    _bad(path, frame, values.isna() & ~text.isin(missing), column, "not a number")
    return values


def _observations(variable, codes, years, values, markers=None) -> pd.DataFrame:
    return pd.DataFrame({
        "variable": variable, "area_level": "kommun", "area_version": "2025", "area_code": codes,
        "year": years, "value": values, "missing_marker": markers, "reference_year": years, "area_match": None,
    })


def _years(path: Path, frame: pd.DataFrame, column: str) -> pd.Series:
    years = pd.to_numeric(frame[column], errors="coerce")
    _bad(path, frame, years.isna() | (years < 1900) | (years > 2100), column, "not a year")
    return years.astype(int)


def _metadata(path: Path, licence: str, years: pd.Series, **extra) -> dict:
    return {
        "provenance": "bundled/PROVENANCE.md", "licence": licence,
        "bundled_file": str(path.relative_to(bundled.BUNDLED_DIR)),
        "years": f"{int(years.min())}–{int(years.max())}", **extra,
    }


def kommun_series_release(series: KommunSeries) -> Release:
    """One SCB kommun series; blanks (a kommun that did not yet exist) are left out, not stored as zero."""
    table = bundled.read_csv(series.path)
    years = _years(series.path, table, "year")
    values = _numbers(series.path, table, series.value_column)
    present = values.notna()
    observations = _observations(series.variable, table.kommun_code[present], years[present], values[present])
    return Release(
        name=series.dataset, source="SCB", source_table=series.source_table,
        content_sha256=sha256_of_file(series.path), observations=observations.reset_index(drop=True),
        variables={series.variable: (series.unit, series.label)}, vintage=SERIES_VINTAGE,
        file_name=series.path.name, metadata=_metadata(series.path, SCB_LICENCE, years[present]),
    )


def turnout_release() -> Release:
    """Turnout (%) in Riksdag and kommunfullmäktige elections; the year is the election year."""
    path = bundled.KOMMUN_TURNOUT_SERIES
    table = bundled.read_csv(path)
    _bad(path, table, ~table.election.isin(TURNOUT_VARIABLES), "election",
         f"unknown election; expected one of {sorted(TURNOUT_VARIABLES)}")
    years = _years(path, table, "election_year")
    values = _numbers(path, table, "turnout_pct")
    present = values.notna()
    observations = _observations(table.election.map(TURNOUT_VARIABLES)[present], table.kommun_code[present],
                                  years[present], values[present])
    return Release(
        name=TURNOUT_DATASET, source="SCB", source_table="SCB ME0104 (TAB2707), via aniisabihi/atlas290",
        content_sha256=sha256_of_file(path), observations=observations.reset_index(drop=True),
        variables={
            "valdeltagande_riksdag": ("percent", "Turnout in the Riksdag election, % of those entitled to vote"),
            "valdeltagande_kommunfullmaktige": (
                "percent", "Turnout in the municipal (kommunfullmäktige) election, % of those entitled to vote"),
        },
        vintage=SERIES_VINTAGE, file_name=path.name,
        metadata=_metadata(path, SCB_LICENCE, years[present], year_is="election year"),
    )


def skolverket_release() -> Release:
    """Year-9 results per kommun and provider; the year is the spring term (2019 = school year 2018/19).

    Skolverket's "." and ".." are stored as documented missing values with their marker; "~100" as 100.
    """
    path = bundled.SKOLVERKET_AK9
    table = bundled.read_csv(path)
    _bad(path, table, ~table.indicator.isin(SKOLVERKET_VARIABLES), "indicator", "unknown indicator")
    _bad(path, table, ~table.huvudman.isin(PROVIDER_SUFFIX), "huvudman", "unknown provider")
    table = table[(table.huvudman == "samtliga") | table.indicator.isin(BY_PROVIDER)]
    years = _years(path, table, "year_spring")
    raw = table.value_raw.str.strip()
    values = _numbers(path, table, "value_raw", missing=SKOLVERKET_MISSING)
    variable = table.indicator.map(lambda i: SKOLVERKET_VARIABLES[i][0]) + table.huvudman.map(PROVIDER_SUFFIX)
    observations = _observations(variable, table.kommun_code, years, values, raw.where(raw.isin(SKOLVERKET_MISSING)))
    variables = {
        name + PROVIDER_SUFFIX[provider]: (unit, label + PROVIDER_LABEL[provider])
        for name, unit, label in SKOLVERKET_VARIABLES.values() for provider in PROVIDER_SUFFIX
    }
    return Release(
        name=SKOLVERKET_DATASET, source=SKOLVERKET_SOURCE,
        source_table="Skolverket: Grundskola – Jämförelse av betygsresultat över tid 2025, Kommun, Åk 9",
        content_sha256=sha256_of_file(path), observations=observations.reset_index(drop=True),
        variables={v: variables[v] for v in dict.fromkeys(observations.variable)},
        vintage=SERIES_VINTAGE, file_name=path.name,
        metadata=_metadata(path, SKOLVERKET_LICENCE, years, year_is="spring term of the school year (2019 = 2018/19)"),
    )


def release_builders():
    """(dataset name, content hash, build(engine) → Release) for every shipped kommun series."""
    builders = [
        (series.dataset, sha256_of_file(series.path), lambda _engine, series=series: kommun_series_release(series))
        for series in KOMMUN_SERIES
    ]
    builders.append((TURNOUT_DATASET, sha256_of_file(bundled.KOMMUN_TURNOUT_SERIES), lambda _engine: turnout_release()))
    builders.append((SKOLVERKET_DATASET, sha256_of_file(bundled.SKOLVERKET_AK9), lambda _engine: skolverket_release()))
    return builders
