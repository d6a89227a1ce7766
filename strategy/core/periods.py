"""Quarters: the period all dated work belongs to, written like ``2026-Q4``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from strategy.core.errors import ValidationError

_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")


@dataclass(frozen=True, order=True)
class Quarter:
    year: int
    number: int

    @classmethod
    def parse(cls, text: str) -> Quarter:
        match = _QUARTER.match(text.strip().upper())
        if not match:
            raise ValidationError(
                {"period": f"“{text}” is not a quarter; write it like 2026-Q4."}
            )
        return cls(int(match.group(1)), int(match.group(2)))

    @classmethod
    def containing(cls, day: date) -> Quarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def current(cls) -> Quarter:
        return cls.containing(date.today())

    @property
    def start(self) -> date:
        return date(self.year, 3 * (self.number - 1) + 1, 1)

    @property
    def end(self) -> date:
        """The last day of the quarter (inclusive)."""
        return self.shift(1).start - timedelta(days=1)

    def shift(self, quarters: int) -> Quarter:
        index = self.year * 4 + (self.number - 1) + quarters
        return Quarter(index // 4, index % 4 + 1)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end

    def __str__(self) -> str:
        return f"{self.year}-Q{self.number}"


# A list of quarters as a small table for set-based queries: one row per quarter with
# its label, first day and last day (``ends`` may clip the last days, e.g. to today).
QUARTER_TABLE = """
    q AS (SELECT unnest(CAST($q_labels AS VARCHAR[])) AS label,
                 unnest(CAST($q_starts AS DATE[])) AS qs, unnest(CAST($q_ends AS DATE[])) AS qe)
"""


def quarter_table(quarters: Sequence[Quarter],
                  ends: Sequence[date] | None = None) -> dict[str, object]:
    """The named parameters of ``QUARTER_TABLE`` for ``quarters``."""
    return {"q_labels": [str(q) for q in quarters], "q_starts": [q.start for q in quarters],
            "q_ends": list(ends) if ends is not None else [q.end for q in quarters]}


def quarter_choices(around: Quarter | None = None, back: int = 8, ahead: int = 4) -> list[str]:
    """Quarters offered in the period picker, newest first."""
    centre = around or Quarter.current()
    return [str(centre.shift(n)) for n in range(ahead, -back - 1, -1)]
