"""Selection explanations as words: a stored reason (a dict of facts) rendered in the reader's language.

The selection stores facts (kind, scores, amounts, the limits broken); this module turns them into sentences
through a ``translate(msgid, **fields)`` function (the web passes gettext with Babel-formatted fields, the CLI the
English default). Limits are named by what they are ("the 2026 budget line of Lokal samverkan mot brott"), never by
internal codes.
"""

from __future__ import annotations

from typing import Callable

from segreform.programme.money import format_sek

Translate = Callable[..., str]


def _english(msgid: str, **fields) -> str:
    return msgid % fields if fields else msgid


def _plain_number(value: float, digits: int = 1) -> str:
    return f"{value:.{digits}f}"


def limit_name(row: dict, translate: Translate = _english, reform_name: Callable[[str], str] = str) -> str:
    if row.get("reform"):
        return translate("the %(year)s budget line of %(reform)s", year=row["year"], reform=reform_name(row["reform"]))
    return translate("the %(year)s frame", year=row["year"])


def render(reason: dict, translate: Translate = _english, money: Callable[[int], str] = format_sek,
           number: Callable[..., str] = _plain_number, reform_name: Callable[[str], str] = str) -> str:
    """The explanation of one application's outcome in the reader's language."""
    kind = reason.get("kind", "")
    if kind == "excluded_review":
        return translate("Not selected: no complete review yet; it needs at least one reviewer's full scores.")
    if kind == "excluded_ineligible":
        return translate("Not selected: the applicant does not meet the eligibility rule (%(evidence)s).",
                         evidence=reason.get("evidence", ""))
    head = translate("objective %(score)s (review %(quality)s, need %(need)s), rank %(rank)s of %(of)s",
                     score=number(reason["score"]), quality=_maybe(reason.get("quality"), number),
                     need=_maybe(reason.get("need"), number), rank=reason["rank"], of=reason["of"])
    costs = ", ".join(translate("%(amount)s in %(year)s", amount=money(cost), year=year)
                      for year, cost in reason.get("costs", {}).items())
    head = f"{head}; {translate('cost')} {costs}"
    breaks = [translate("adding it would exceed %(limit)s: %(cost)s asked, %(left)s left of %(total)s",
                        limit=limit_name(b, translate, reform_name), cost=money(b["cost_ore"]),
                        left=money(b["left_ore"]), total=money(b["limit_ore"])) for b in reason.get("breaks", [])]
    if kind == "in_required":
        body = translate("Selected: it is needed to meet the minimum per development area.")
    elif kind == "in_tie":
        body = translate("Selected: a set without it scores the same (a tie).")
    elif kind == "in":
        body = translate("Selected: without it the best set's total objective would be %(loss)s lower.",
                         loss=number(reason["loss"]))
    elif kind == "out_tie":
        body = translate("Not selected: a tie; a set with it scores the same and the solver kept the other.")
    elif kind == "out_infeasible":
        body = translate("Not selected: it cannot be part of any set that meets the constraints.")
        never = [translate("its cost %(cost)s is more than %(limit)s, %(total)s", cost=money(b["cost_ore"]),
                           limit=limit_name(b, translate, reform_name), total=money(b["limit_ore"]))
                 for b in reason.get("never_fits", [])]
        if never:
            body += " " + "; ".join(never) + "."
        elif reason.get("max_per_county") is not None:
            body += " " + translate("It breaks a count limit (at most %(n)s per county, or a limit per area).",
                                    n=reason["max_per_county"])
    elif kind == "out":
        body = translate("Not selected: funding it would displace %(displaced)s and lower the total objective by "
                         "%(loss)s.", displaced=", ".join(reason.get("displaced") or []) or "–",
                         loss=number(reason["loss"]))
        if reason.get("needed") is not None:
            body += " " + translate("It would be selected with an objective above %(needed)s, or with more money.",
                                    needed=number(reason["needed"]))
        else:
            body += " " + translate("Even the top score would not get it in: it needs more money or a lower request.")
    else:
        body = kind
    text = f"{body} ({head})."
    if breaks and not kind.startswith("in"):
        text += " " + translate("Binding:") + " " + "; ".join(breaks) + "."
    return text


def english(reason: dict) -> str:
    return render(reason)


def _maybe(value, number) -> str:
    return "–" if value is None else number(value)
