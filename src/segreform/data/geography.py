"""The geography model: levels, versions, parent links, labels → codes, and crosswalks between versions.

A level (``lan``, ``kommun``, ``regso``, ``deso``, ``riket`` or any user-defined name) has one or more versions;
one of them is current (the version the maps draw). Codes are unique only within a version. A crosswalk row maps
an area of one version onto an area of another with a relation: ``same`` (same area, the code may differ),
``renamed``, ``renamed_uncertain``, ``no_successor`` (a break: the area has no counterpart) or ``new`` (no
predecessor). Only one-to-one relations carry a series across versions; breaks are reported, never hidden.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import pandas as pd
from sqlalchemy import Engine, select

from segreform.store.models.data import Area, AreaCrosswalk, GeographyVersion

ONE_TO_ONE = ("same", "renamed", "renamed_uncertain")
BREAKS = ("no_successor", "new")
NATIONAL_LABELS = ("riket", "sverige", "hela riket", "sweden", "00 riket")
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2212"), "-")
_CODE_PREFIX = re.compile(r"^\s*([0-9]{2}[0-9A-Z]*)\s+(.*)$")


@lru_cache(maxsize=65536)
def normalise_label(label: str) -> str:
    """A label compared loosely: case, repeated or odd spaces, dash variants and spaces inside () ignored."""
    text = unicodedata.normalize("NFC", str(label)).translate(_DASHES).replace("\u00a0", " ")
    text = re.sub(r"\s+", " ", text).strip().casefold()
    return text.replace("( ", "(").replace(" )", ")")


def current_versions(engine: Engine) -> dict[str, str]:
    """The current version of every level, e.g. ``{"regso": "2025", ...}``."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(GeographyVersion.level, GeographyVersion.version).where(GeographyVersion.is_current)
        ).all()
    return {level: version for level, version in rows}


def read_areas(engine: Engine, level: str | None = None, version: str | None = None) -> pd.DataFrame:
    """Areas as a DataFrame[level, version, code, name, parent_code, parent_version]."""
    query = select(Area.level, Area.version, Area.code, Area.name, Area.parent_code, Area.parent_version)
    if level is not None:
        query = query.where(Area.level == level)
    if version is not None:
        query = query.where(Area.version == version)
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(Area.level, Area.version, Area.code)).all()
    return pd.DataFrame(rows, columns=["level", "version", "code", "name", "parent_code", "parent_version"])


def read_crosswalk(engine: Engine, level: str, from_version: str, to_version: str) -> pd.DataFrame:
    """Crosswalk rows of ``level`` from one version to another: DataFrame[from_code, to_code, relation, weight, note]."""
    query = select(
        AreaCrosswalk.from_code, AreaCrosswalk.to_code, AreaCrosswalk.relation, AreaCrosswalk.weight,
        AreaCrosswalk.note,
    ).where(
        AreaCrosswalk.level == level,
        AreaCrosswalk.from_version == from_version,
        AreaCrosswalk.to_version == to_version,
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return pd.DataFrame(rows, columns=["from_code", "to_code", "relation", "weight", "note"])


def breaks(engine: Engine, level: str, from_version: str, to_version: str) -> pd.DataFrame:
    """Areas whose series cannot be followed from ``from_version`` to ``to_version`` (no one-to-one successor).

    Returns DataFrame[from_code, from_name, to_code, to_name, relation, note].
    """
    walk = read_crosswalk(engine, level, from_version, to_version)
    walk = walk[~walk.relation.isin(ONE_TO_ONE)]
    names_from = read_areas(engine, level, from_version).set_index("code")["name"]
    names_to = read_areas(engine, level, to_version).set_index("code")["name"]
    walk = walk.assign(from_name=walk.from_code.map(names_from), to_name=walk.to_code.map(names_to))
    return walk[["from_code", "from_name", "to_code", "to_name", "relation", "note"]].reset_index(drop=True)


@dataclass
class LabelMatch:
    """Where one region label went: its native area, and the area it is stored under (current version)."""

    level: str
    native_version: str
    native_code: str
    version: str
    code: str
    relation: str | None


@dataclass
class LabelResolution:
    """The result of mapping a set of labels: matches per label, the labels that failed, and suggestions."""

    level: str | None
    native_version: str | None
    matches: dict[str, LabelMatch] = field(default_factory=dict)
    unmapped: list[str] = field(default_factory=list)
    suggestions: dict[str, list[str]] = field(default_factory=dict)
    renamed: dict[str, LabelMatch] = field(default_factory=dict)


class LabelIndex:
    """Every way a region can be written in an SCB export, for every level and version in the database.

    Recognised: "Kommun (RegSO-namn)" for RegSO, kommun and län names (län also by short name), codes alone or
    in front of a name ("0114 Upplands Väsby"), and "Riket"/"Sverige" for the nation.
    """

    def __init__(self, engine: Engine):
        self.engine = engine
        self.current = current_versions(engine)
        areas = read_areas(engine)
        self._by_version: dict[tuple[str, str], dict[str, str]] = {}
        self._codes: dict[tuple[str, str], set[str]] = {}
        kommun_names = self._kommun_names(areas)
        short_lan = self._short_lan_names(areas)
        for (level, version), group in areas.groupby(["level", "version"], sort=False):
            keys: dict[str, str] = {}
            codes = set(group.code)
            names_are_unique = group.name.is_unique
            for code, name, parent in zip(group.code, group.name, group.parent_code):
                keys.setdefault(normalise_label(code), code)
                if level == "regso" and parent in kommun_names:
                    keys.setdefault(normalise_label(f"{kommun_names[parent]} ({name})"), code)
                elif level in ("kommun", "lan", "riket") or names_are_unique:
                    keys.setdefault(normalise_label(name), code)
                if level == "lan" and code in short_lan:
                    keys.setdefault(normalise_label(short_lan[code]), code)
                if level == "riket":
                    for label in NATIONAL_LABELS:
                        keys.setdefault(label, code)
            self._by_version[(level, version)] = keys
            self._codes[(level, version)] = codes

    @staticmethod
    def _kommun_names(areas: pd.DataFrame) -> dict[str, str]:
        kommuner = areas[areas.level == "kommun"]
        return dict(zip(kommuner.code, kommuner.name))

    @staticmethod
    def _short_lan_names(areas: pd.DataFrame) -> dict[str, str]:
        lan = areas[areas.level == "lan"]
        return {code: re.sub(r"s? län$", "", name) for code, name in zip(lan.code, lan.name)}

    def _lookup(self, keys: dict[str, str], label: str) -> str | None:
        norm = normalise_label(label)
        if norm in keys:
            return keys[norm]
        prefixed = _CODE_PREFIX.match(label)
        if prefixed and normalise_label(prefixed.group(1)) in keys:
            return keys[normalise_label(prefixed.group(1))]
        return None

    def resolve(
        self, labels: list[str], level: str | None = None, version: str | None = None, to_current: bool = True
    ) -> LabelResolution:
        """Map ``labels`` onto one level and version (the one matching most labels unless given).

        With ``to_current``, matches in an older version are carried to the current version of the level through
        the crosswalk where the relation is one-to-one; areas without a successor stay in their own version.
        """
        candidates = [
            key for key in self._by_version
            if (level is None or key[0] == level) and (version is None or key[1] == version)
        ]
        if not candidates:
            wanted = f"{level or 'any level'}" + (f" version {version}" if version else "")
            raise LookupError(f"no geography loaded for {wanted}; run `segreform init` first")

        def score(key: tuple[str, str]) -> tuple[int, bool]:
            keys = self._by_version[key]
            return sum(self._lookup(keys, lab) is not None for lab in labels), self.current.get(key[0]) == key[1]

        # Exports may mix levels (Riket, län, kommun, RegSO rows): each label goes to the best-fitting
        # (level, version) it matches, the candidates ranked by how many labels each one matches.
        ranked = sorted(candidates, key=score, reverse=True)
        best = ranked[0]
        result = LabelResolution(level=best[0], native_version=best[1])
        walks: dict[tuple[str, str], dict[str, tuple[str, str]]] = {}
        for label in labels:
            key, code = next(((k, c) for k in ranked if (c := self._lookup(self._by_version[k], label))),
                             (None, None))
            if key is None:
                result.unmapped.append(label)
                result.suggestions[label] = self._suggest(self._by_version[best], label)
                continue
            target_version, target_code, relation = key[1], code, None
            if to_current and self.current.get(key[0], key[1]) != key[1]:
                if key not in walks:
                    walks[key] = self._walk_to_current(key)
                successor = walks[key].get(code)
                if successor is not None:
                    target_code, relation = successor
                    target_version = self.current[key[0]]
                else:
                    relation = "no_successor"
            match = LabelMatch(key[0], key[1], code, target_version, target_code, relation)
            result.matches[label] = match
            if relation in ("renamed", "renamed_uncertain", "no_successor"):
                result.renamed[label] = match
        return result

    def _walk_to_current(self, key: tuple[str, str]) -> dict[str, tuple[str, str]]:
        level, version = key
        target = self.current.get(level)
        if target is None or target == version:
            return {}
        walk = read_crosswalk(self.engine, level, version, target)
        walk = walk[walk.relation.isin(ONE_TO_ONE) & walk.to_code.notna()]
        return {f: (t, r) for f, t, r in zip(walk.from_code, walk.to_code, walk.relation)}

    @staticmethod
    def _suggest(keys: dict[str, str], label: str) -> list[str]:
        return difflib.get_close_matches(normalise_label(label), list(keys), n=3, cutoff=0.75)

    def has_area(self, level: str, version: str, code: str) -> bool:
        return code in self._codes.get((level, version), set())
