"""A refusal that names a form field and carries its message as an English msgid with fields, so that the
web layer can show it in the user's language beside the field (the domain itself never translates)."""

from __future__ import annotations

from typing import Any

from segreform.programme.errors import InvalidInput


class FieldError(InvalidInput):
    """``field`` has a bad value; ``msgid % fields`` is the English message, translated by the caller."""

    def __init__(self, field: str, msgid: str, **fields: Any):
        self.msgid, self.fields = msgid, fields
        super().__init__(field, msgid % fields if fields else msgid)


class FieldErrors(InvalidInput):
    """Several fields at once, so that a form shows every error in one go."""

    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        super().__init__(errors[0].field, "; ".join(str(e) for e in errors))
