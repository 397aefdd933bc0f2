"""Form text parsed into values with every error collected (a wrong or huge value is an error in the form, never
raw JSON or a 500): the shared parsing of the call, draft and review forms."""

from __future__ import annotations

from fastapi import Request

from segreform.programme.errors import InvalidInput
from segreform.programme.money import parse_sek
from segreform.programme.validation import Message as M

MAX_SEK_TEXT = 40


def int_field(values: dict, errors: dict, name: str, low: int, high: int) -> int | None:
    raw = str(values.get(name, "") or "").strip()
    if not raw:
        errors[name] = M("is required")
        return None
    if not raw.lstrip("-").isdigit() or len(raw) > 12:
        errors[name] = M("write a whole number")
        return None
    value = int(raw)
    if not low <= value <= high:
        errors[name] = M("must be between %(low)s and %(high)s", low=low, high=high)
        return None
    return value


def sek_field(values: dict, errors: dict, name: str, required: bool = True) -> int | None:
    raw = str(values.get(name, "") or "").strip()
    if not raw:
        if required:
            errors[name] = M("is required")
        return None
    try:
        if len(raw) > MAX_SEK_TEXT:
            raise InvalidInput(name, "too long")
        ore = parse_sek(raw, name)
    except InvalidInput:
        errors[name] = M("write an amount in kronor, e.g. 1 250 000 or 1 250 000,50")
        return None
    if ore > 10**15:
        errors[name] = M("is larger than any programme budget")
        return None
    return ore


async def form_values(request: Request) -> dict:
    form = await request.form()
    values = {key: form.get(key) for key in form.keys()}
    values["development_areas"] = form.getlist("development_areas")
    return values

