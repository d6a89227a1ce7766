"""How numbers read in sentences: "1 standard", "3 standards", "—" for nothing."""

from __future__ import annotations

MISSING = "—"


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """``n`` and the noun in the right number: ``counted(1, "standard")`` is "1 standard"."""
    return f"{n:,} {noun if n == 1 else plural or noun + 's'}"


def number(value: float | None, digits: int = 1, missing: str = MISSING) -> str:
    """A figure for a sentence or a table cell; a missing figure reads as a dash, never None."""
    if value is None:
        return missing
    return f"{value:,.{digits}f}"
