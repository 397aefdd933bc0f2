"""Strict reading of numbers typed into statistics files: what a cell says, or a refusal that says why.

A cell is a finite decimal number: an optional sign, digits, optionally a decimal separator and digits,
optionally an exponent. Spaces (also no-break spaces) may group thousands, as SCB writes them. What is
refused: infinities, NaN, values beyond the float range (``1e400``), Python-only spellings (``1_000``),
and a cell whose separator could mean two things (``1,234``: one thousand two hundred and thirty-four,
or one point two three four) unless the user has said which separator is which.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

DECIMAL_SEPARATORS = (".", ",")
THOUSANDS_SEPARATORS = {"space": " ", ",": ",", ".": ".", "none": ""}
_SPACES = re.compile(r"[ \u00a0\u202f]")
_NON_FINITE = re.compile(r"^[+-]?(inf(inity)?|nan)$", re.IGNORECASE)
_EXPONENT = r"(?:[eE][+-]?\d+)?"


class NumberError(ValueError):
    """A cell that is not a number this module accepts; ``str()`` says why, starting with the cell."""


@dataclass(frozen=True)
class NumberFormat:
    """How the file writes numbers. ``None`` means "not stated": unambiguous forms are read, others refused."""

    decimal: str | None = None
    thousands: str | None = None

    def __post_init__(self) -> None:
        if self.decimal is not None and self.decimal not in DECIMAL_SEPARATORS:
            raise ValueError(f"decimal separator must be one of {DECIMAL_SEPARATORS}, got {self.decimal!r}")
        if self.thousands is not None and self.thousands not in THOUSANDS_SEPARATORS.values():
            raise ValueError(f"thousands separator must be a space, ',', '.' or none, got {self.thousands!r}")
        if self.decimal is not None and self.decimal == self.thousands:
            raise ValueError(f"the decimal and thousands separators cannot both be {self.decimal!r}")

    def resolved(self) -> tuple[str | None, str | None]:
        """(decimal, thousands), with what one stated separator implies about the other."""
        decimal, thousands = self.decimal, self.thousands
        if decimal is None and thousands in (",", "."):
            decimal = _other(thousands)
        if thousands is None and decimal is not None:
            thousands = _other(decimal)
        return decimal, thousands


def _other(separator: str) -> str:
    return "," if separator == "." else "."


def _ungroup(integer: str, separator: str, cell: str) -> str:
    """``1 234 567`` -> ``1234567``: every group after the first has exactly three digits."""
    first, *rest = integer.split(separator)
    if not 1 <= len(first) <= 3 or not all(len(part) == 3 for part in rest):
        raise NumberError(f"{cell!r} groups digits wrongly: groups after the first must have three digits")
    return "".join([first, *rest])


def _infer_decimal(mantissa: str, cell: str, grouped_by_spaces: bool, thousands: str | None) -> str:
    commas, dots = mantissa.count(","), mantissa.count(".")
    if commas and dots:
        raise NumberError(f"{cell!r} has both ',' and '.'; state which is the decimal separator (--decimal) "
                          "and which groups thousands (--thousands)")
    could_group = thousands is None and not grouped_by_spaces  # "0,123" cannot be thousands: no group starts with 0
    if commas == 1 and could_group and re.fullmatch(r"[+-]?[1-9]\d{0,2},\d{3}", mantissa):
        whole, fraction = mantissa.split(",")
        raise NumberError(f"{cell!r} is ambiguous: {whole.lstrip('+')}{fraction} with ',' grouping thousands, "
                          f"or {whole.lstrip('+')}.{fraction} with a decimal comma; state it with --decimal ',' "
                          "or --thousands ','")
    if commas > 1 or dots > 1:
        raise NumberError(f"{cell!r} has several separators; state them with --decimal and --thousands")
    return "," if commas else "."


def parse_number(cell: str, number_format: NumberFormat | None = None) -> float:
    """The finite float a cell holds, or :class:`NumberError` naming what is wrong with it."""
    text = cell.strip()
    if not text:
        raise NumberError(f"{cell!r} is empty; mark a missing value with a missing-value marker")
    if _NON_FINITE.match(text):
        raise NumberError(f"{cell!r} is not a finite number; mark a missing value with a missing-value marker")
    decimal, thousands = (number_format or NumberFormat()).resolved()
    grouped_by_spaces = bool(_SPACES.search(text))
    if grouped_by_spaces:
        if thousands == "":
            raise NumberError(f"{cell!r} has a space inside, but no thousands separator was stated")
        text = _SPACES.sub(" ", text)
    match = re.fullmatch(r"([+-]?)([^eE]*)(" + _EXPONENT + r")", text)
    if match is None:
        raise NumberError(f"{cell!r} is not a number")
    sign, mantissa, exponent = match.groups()
    if decimal is None:
        decimal = _infer_decimal(mantissa, cell, grouped_by_spaces, thousands)
    integer, has_decimal, fraction = mantissa.partition(decimal)
    if has_decimal and not fraction.isdigit():
        raise NumberError(f"{cell!r} is not a number: digits must follow the decimal separator {decimal!r}")
    for separator in {" ", thousands} - {None, ""}:
        if separator in integer:
            integer = _ungroup(integer, separator, cell)
    if not integer.isdigit() and not (integer == "" and fraction):
        raise NumberError(f"{cell!r} is not a number" + ("" if "_" not in cell else " ('_' does not group digits)"))
    value = float(f"{sign}{integer or '0'}.{fraction or '0'}{exponent}")
    if not math.isfinite(value):
        raise NumberError(f"{cell!r} is beyond the range of a 64-bit float (it would be stored as infinity)")
    return value
