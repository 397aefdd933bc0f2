"""Finding a kommun, a RegSO or one of the police's vulnerable areas by name or code.

Ranking: an exact name comes first, then a name that starts with the query, then one with a word that starts with
it, then any other containment; within a rank kommuner before police areas before RegSO. A police area whose
name is also the name of a RegSO of its kommun is not listed twice (the RegSO stands for it).
"""

from __future__ import annotations

import re

import pandas as pd

RESULT_COLUMNS = ["level", "code", "name", "kommun_name"]
LEVEL_ORDER = {"kommun": 0, "police": 1, "regso": 2}
EXACT, PREFIX, WORD_PREFIX, CONTAINS, CODE = range(5)


def normalise(text: str) -> str:
    return re.sub(r"\s+", " ", str(text).casefold()).strip()


def _rank(names: pd.Series, codes: pd.Series, text: str) -> pd.Series:
    normal = names.map(normalise)
    # RegSO names are "RegSO-Holma" in places; the prefix is not part of the place's name.
    bare = normal.str.replace(r"^regso-", "", regex=True)
    rank = pd.Series(-1, index=names.index)
    rank[normal.str.contains(text, regex=False)] = CONTAINS
    rank[normal.str.contains(r"(?:^|[\s/(\-])" + re.escape(text), regex=True)] = WORD_PREFIX
    rank[bare.str.startswith(text) | normal.str.startswith(text)] = PREFIX
    rank[(bare == text) | (normal == text)] = EXACT
    rank[(rank < 0) & codes.str.casefold().str.startswith(text)] = CODE
    return rank


def search(query: str, kommuner: pd.DataFrame, regso: pd.DataFrame, police: pd.DataFrame,
           limit: int = 50) -> pd.DataFrame:
    """Matches of ``query`` as DataFrame[level, code, name, kommun_name], best first.

    ``kommuner`` has code and name; ``regso`` code, name, parent_code and kommun_name; ``police`` (the current
    list) name, kommunkod and kommun. A police area's code is its kommun's code (its page is the kommun's).
    """
    text = normalise(query)
    if len(text) < 2:
        raise ValueError("type at least two characters of a name or a code")
    regso_names = {(k, normalise(n).removeprefix("regso-")) for k, n in zip(regso["parent_code"], regso["name"])}
    police = police[[(k, normalise(n)) not in regso_names for k, n in zip(police["kommunkod"], police["name"])]]
    frames = []
    for level, frame, kommun_name in (
        ("kommun", kommuner, kommuner["name"] if len(kommuner) else None),
        ("police", police.assign(code=police["kommunkod"]), police["kommun"]),
        ("regso", regso, regso["kommun_name"] if "kommun_name" in regso.columns else None),
    ):
        if frame.empty:
            continue
        codes = frame["code"] if level != "police" else pd.Series("", index=frame.index)
        rank = _rank(frame["name"], codes, text)
        hit = rank >= 0
        found = pd.DataFrame({
            "level": level, "code": frame["code"][hit], "name": frame["name"][hit],
            "kommun_name": (kommun_name[hit] if kommun_name is not None else ""), "rank": rank[hit],
        })
        frames.append(found)
    if not frames:
        return pd.DataFrame(columns=RESULT_COLUMNS)
    result = pd.concat(frames, ignore_index=True)
    result["order"] = result["level"].map(LEVEL_ORDER)
    result = result.sort_values(["rank", "order", "name", "code"]).head(limit)
    return result[RESULT_COLUMNS].reset_index(drop=True)


def result_url(level: str, code: str) -> str:
    """Where a result opens: the kommun page (a police area: its kommun's police section) or the RegSO page."""
    if level == "kommun":
        return f"/kommun/{code}"
    if level == "police":
        return f"/kommun/{code}#police-section"
    return f"/area/{code}"
