"""Exact money: amounts are integer öre everywhere; SEK text is parsed with Decimal, never float."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from segreform.programme.errors import InvalidInput

ORE_PER_SEK = 100
ORE_PER_MSEK = 100_000_000


def parse_sek(text: str | int | Decimal, field: str = "amount") -> int:
    """Parse a SEK amount (``"1 234 567,50"``, ``"1234567.5"``, ``1200``) into integer öre.

    Raises
    ------
    InvalidInput
        When the text is not a number, is negative, or has more than two decimals (öre is the smallest unit).
    """
    if isinstance(text, float):
        raise InvalidInput(field, "give money as text or an integer, never a float (it cannot be exact)")
    cleaned = str(text).strip().replace("\u00a0", "").replace(" ", "").replace("kr", "").replace(",", ".")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidInput(field, f"{text!r} is not an amount in SEK; write e.g. 1 250 000 or 1250000,50") from None
    if not value.is_finite() or value < 0:
        raise InvalidInput(field, f"{text!r} must be a non-negative amount in SEK")
    ore = value * ORE_PER_SEK
    if ore != ore.to_integral_value():
        raise InvalidInput(field, f"{text!r} has more than two decimals; öre is the smallest unit")
    return int(ore)


def format_sek(ore: int) -> str:
    """``123456789`` öre → ``"1 234 567,89 kr"`` (Swedish style, non-breaking thin grouping as a space)."""
    sign = "-" if ore < 0 else ""
    kronor, rest = divmod(abs(int(ore)), ORE_PER_SEK)
    grouped = f"{kronor:,}".replace(",", " ")
    return f"{sign}{grouped},{rest:02d} kr"


def split_evenly(total_ore: int, parts: int) -> list[int]:
    """Split ``total_ore`` into ``parts`` integer amounts that sum exactly; the first ones carry the remainder."""
    if parts < 1:
        raise InvalidInput("years", "must be at least 1")
    base, remainder = divmod(int(total_ore), parts)
    return [base + (1 if i < remainder else 0) for i in range(parts)]
