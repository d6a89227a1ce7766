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


# Units whose figures are whole numbers (a measure in them accepts no fraction).
WHOLE_UNITS = frozenset({"count"})


def measure_value(value: float | None, unit: str, digits: int = 1, missing: str = MISSING,
                  signed: bool = False) -> str:
    """A measure's figure as shown: a count whole ("1,250"; a derived count is stored as a
    decimal, "15.0"), any other unit to ``digits`` decimals; ``signed`` for a change."""
    if value is None:
        return missing
    digits = 0 if unit in WHOLE_UNITS else digits
    value = round(value, digits) + 0.0  # never "-0.0"
    return f"{value:+,.{digits}f}" if signed else f"{value:,.{digits}f}"


def kept_without(complaints: int, what: str) -> str:
    """What deleting a segment or a standard (``what``) does to the complaints and
    compliments naming it, as the end of the question asked first ("" for none)."""
    if not complaints:
        return ""
    one = complaints == 1
    return (f" {counted(complaints, 'complaint or compliment', 'complaints and compliments')} "
            f"{'names' if one else 'name'} it: {'it is' if one else 'they are'} kept, without "
            f"a {what}.")


def minutes_seconds(seconds: int) -> str:
    """A countdown as a clock shows it: 4:05."""
    return f"{seconds // 60}:{seconds % 60:02d}"
