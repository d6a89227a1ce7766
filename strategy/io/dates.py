"""Dates as other systems export them, read the same way for a whole column.

Help desks, HR systems and survey tools write dates their own way: ISO with a
time and a zone (``2026-03-14 09:12:44 +0100``, ``2026-03-14T09:12:44Z``),
12-hour clocks (``2026/03/09 1:42:50 AM GMT``), Jira's ``25/Feb/26 10:17 PM``,
US month-first and European day-first numbers, Excel's own dates and their
serial numbers. The date is taken as written: an export states each time in
its own zone, and the day printed there is the day people saw.

Whether ``03/04/2026`` is the 3rd of April or the 4th of March cannot be told
from one value, so the order is decided from the whole column
(:func:`column_order`): any first part over 12 makes it day-first, any second
part over 12 month-first. A column where every value could be either is
ambiguous, and the import asks rather than guesses (``--date-order``).

Parsing is a handful of compiled patterns, fast enough for a 50,000-row export
(python-dateutil, already installed, was tried and is about ten times slower
per value; it is kept for the rare textual forms the patterns do not cover).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from dateutil import parser as dateutil_parser

ORDERS = ("dmy", "mdy")
ORDER_LABELS = {"dmy": "day first (31/12/2026)", "mdy": "month first (12/31/2026)"}

_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}
_TIME = r"(?:[T ]+\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s*[AaPp]\.?[Mm]\.?)?)?"
_ZONE = r"(?:\s*(?:Z|[+-]\d{2}:?\d{2}|UTC|GMT|[A-Z]{2,5})(?:[+-]\d{1,2}(?::?\d{2})?)?)?"
_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})" + _TIME + _ZONE + r"\s*")
_NUMERIC = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4}|\d{2})" + _TIME + _ZONE + r"\s*")
_DAY_MONTH_NAME = re.compile(
    r"(\d{1,2})[ /\-.]([A-Za-z]{3,9})\.?[ /\-.,]*(\d{4}|\d{2})" + _TIME + _ZONE + r"\s*")
_MONTH_NAME_DAY = re.compile(
    r"(?:[A-Za-z]{3,9},?\s+)?([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})"
    + _TIME + _ZONE + r"\s*")
_SERIAL = re.compile(r"\d{5}(?:\.\d+)?")
# Excel's day 0 (its calendar counts a 29 February 1900 that never was).
_EXCEL_EPOCH = date(1899, 12, 30)
# Serial numbers from 1954 to 2119: a plain number outside them is not a date.
_SERIAL_RANGE = (20000, 80000)


class DateError(ValueError):
    pass


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        year += 2000 if year < 70 else 1900
    return year


def _real(year: int, month: int, day: int, raw: str) -> date:
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise DateError(f"“{raw}” is not a real date") from exc


def _month(name: str) -> int | None:
    return _MONTHS.get(name[:3].lower())


def numeric_parts(value: object) -> tuple[int, int] | None:
    """The first two numbers of a 03/04/2026-style text, for deciding the order."""
    if not isinstance(value, str):
        return None
    match = _NUMERIC.fullmatch(value.strip())
    return (int(match[1]), int(match[2])) if match else None


def column_order(values: Iterable[object]) -> str | None:
    """"dmy" or "mdy" when the column says so; None when it does not matter (no
    03/04/2026-style values) or cannot be told (every value could be either).
    Raises :class:`DateError` when the column holds both orders."""
    day_first = month_first = None
    for value in values:
        parts = numeric_parts(value)
        if parts is None:
            continue
        first, second = parts
        if first > 12 and second > 12:
            continue  # not a date either way: that row is refused on its own
        if first > 12 and day_first is None:
            day_first = str(value).strip()
        if second > 12 and month_first is None:
            month_first = str(value).strip()
        if day_first and month_first:
            raise DateError(f"the column holds “{day_first}” (day first) and “{month_first}” "
                            "(month first): it mixes two date orders")
    if day_first:
        return "dmy"
    if month_first:
        return "mdy"
    return None


def has_numeric_dates(values: Iterable[object]) -> bool:
    """Whether some value reads differently day first and month first (03/04/2026; not
    05/05/2026, nor 31/31/2026, which is no date at all)."""
    return any(ambiguous(v) for v in values)


def ambiguous(value: object) -> bool:
    parts = numeric_parts(value)
    return parts is not None and parts[0] != parts[1] and max(parts) <= 12


def parse(value: object, order: str | None = None) -> date | None:
    """The date in a cell; None for an empty one. ``order`` ("dmy" or "mdy") says how
    to read 03/04/2026-style text, and must be given when such text is met."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise DateError(f"“{value}” is not a date")
    if isinstance(value, int | float):
        return _serial(float(value), str(value))
    raw = str(value).strip()
    if not raw:
        return None
    match = _ISO.fullmatch(raw)
    if match:
        return _real(int(match[1]), int(match[2]), int(match[3]), raw)
    match = _NUMERIC.fullmatch(raw)
    if match:
        first, second, year = int(match[1]), int(match[2]), _year(match[3])
        if order is None:
            if first > 12:
                order = "dmy"
            elif second > 12:
                order = "mdy"
            elif first == second:
                return _real(year, first, first, raw)
            else:
                raise DateError(f"“{raw}” could be day first or month first")
        day, month = (first, second) if order == "dmy" else (second, first)
        return _real(year, month, day, raw)
    match = _DAY_MONTH_NAME.fullmatch(raw)
    if match and _month(match[2]):
        return _real(_year(match[3]), _month(match[2]) or 0, int(match[1]), raw)
    match = _MONTH_NAME_DAY.fullmatch(raw)
    if match and _month(match[1]):
        return _real(int(match[3]), _month(match[1]) or 0, int(match[2]), raw)
    if _SERIAL.fullmatch(raw):
        return _serial(float(raw), raw)
    if re.search(r"[A-Za-z]{3}", raw) and re.search(r"\d{4}", raw):
        # A textual form the patterns do not know ("Saturday 14 March 2026 at 09:12").
        try:
            parsed: datetime = dateutil_parser.parse(raw, dayfirst=order == "dmy")
            return parsed.date()
        except (ValueError, OverflowError):
            pass
    raise DateError(f"“{raw}” is not a date")


def _serial(number: float, raw: str) -> date:
    if not _SERIAL_RANGE[0] <= number < _SERIAL_RANGE[1]:
        raise DateError(f"“{raw}” is not a date")
    return _EXCEL_EPOCH + timedelta(days=int(number))
