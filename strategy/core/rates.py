"""A share of a count, always carried with the count it was computed from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rate:
    """``part`` of ``whole``; ``value`` is a percentage, or None when whole is 0."""

    part: int
    whole: int

    @property
    def value(self) -> float | None:
        return 100.0 * self.part / self.whole if self.whole else None

    def text(self) -> str:
        """E.g. ``"83% (n=12)"`` — never a percentage without its sample size."""
        if self.value is None:
            return "no data (n=0)"
        return f"{self.value:.0f}% (n={self.whole:,})"
