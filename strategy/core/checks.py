"""Small validation helpers shared by the storage modules.

Each helper adds a message to ``problems`` (field -> what to fix) instead of
raising, so one save reports every problem at once; ``raise_if`` ends it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date

import duckdb

from strategy.core.errors import ValidationError

MAX_TEXT = 2000


# One rule for text everywhere (forms, imports, the command line): invisible
# control characters are refused with a message, never stored. Tab and line
# breaks are text; everything else below U+0020, DEL and the C1 range is not —
# it breaks spreadsheets (Excel refuses it) and hides in what people read.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def control_character(text: str) -> str | None:
    """The first control character in ``text``, named like U+000B; None if there is none."""
    found = _CONTROL.search(text)
    return f"U+{ord(found.group()):04X}" if found else None


def control_problem(label: str, text: str) -> str | None:
    code = control_character(text)
    if code is None:
        return None
    return (f"{label} contains an invisible control character ({code}), often pasted from "
            "another program. Delete it (retype the text around it) and try again.")


def clean(text: str | None) -> str:
    return (text or "").replace("\r\n", "\n").strip()


def require_text(problems: dict[str, str], field: str, value: str, label: str,
                 max_len: int = 200) -> str:
    # Checked before trimming: some control characters count as spaces to strip().
    control = control_problem(label, value or "")
    value = clean(value)
    if control:
        problems[field] = control
    elif not value:
        problems[field] = f"{label} cannot be empty."
    elif len(value) > max_len:
        problems[field] = f"{label} is {len(value)} characters; keep it to {max_len}."
    return value


def optional_text(problems: dict[str, str], field: str, value: str | None, label: str,
                  max_len: int = MAX_TEXT) -> str:
    control = control_problem(label, value or "")
    value = clean(value)
    if control:
        problems[field] = control
    elif len(value) > max_len:
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


@contextmanager
def on_duplicate(field: str, message: Callable[[], str]) -> Iterator[None]:
    """Two people adding the same name at the same moment: both pass the check for an
    existing one, and the database refuses the second. That person gets the same
    message the check gives, not the database's words."""
    try:
        yield
    except duckdb.ConstraintException as exc:
        text = str(exc).lower()
        if "duplicate key" in text or "unique" in text or "primary key" in text:
            raise ValidationError({field: message()}) from exc
        raise
