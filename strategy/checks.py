"""Small validation helpers shared by the storage modules.

Each helper adds a message to ``problems`` (field -> what to fix) instead of
raising, so one save reports every problem at once; ``raise_if`` ends it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from .errors import ValidationError

MAX_TEXT = 2000


def clean(text: str | None) -> str:
    return (text or "").strip()


def require_text(problems: dict[str, str], field: str, value: str, label: str,
                 max_len: int = 200) -> str:
    value = clean(value)
    if not value:
        problems[field] = f"{label} cannot be empty."
    elif len(value) > max_len:
        problems[field] = f"{label} is {len(value)} characters; keep it to {max_len}."
    return value


def optional_text(problems: dict[str, str], field: str, value: str | None, label: str,
                  max_len: int = MAX_TEXT) -> str:
    value = clean(value)
    if len(value) > max_len:
        problems[field] = f"{label} is {len(value)} characters; keep it to {max_len}."
    return value


def one_of(problems: dict[str, str], field: str, value: str, allowed: Iterable[str],
           label: str) -> str:
    options = list(allowed)
    if value not in options:
        problems[field] = f"{label} must be one of: {', '.join(options)}."
    return value


def score(problems: dict[str, str], field: str, value: object, label: str) -> int:
    """A 1–5 score; anything else is refused with the range in the message."""
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        problems[field] = f"{label} must be a whole number from 1 to 5."
        return 0
    if not 1 <= int(value) <= 5:
        problems[field] = f"{label} must be from 1 to 5 (you entered {value:g})."
    return int(value)


def past_date(problems: dict[str, str], field: str, value: date | None, label: str,
              today: date | None = None) -> date:
    today = today or date.today()
    if value is None:
        problems[field] = f"{label} is required."
        return today
    if value > today:
        problems[field] = (
            f"{label} {value.isoformat()} is in the future; enter the date it happened."
        )
    return value


def raise_if(problems: dict[str, str]) -> None:
    if problems:
        raise ValidationError(problems)
