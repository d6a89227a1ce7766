"""Survey figures, exactly as defined, always with their counts.

- NPS (customers) and eNPS (employees): on a 0–10 "how likely are you to
  recommend" answer, 9–10 are promoters, 7–8 passives and 0–6 detractors;
  the score is % promoters − % detractors, from −100 to +100.
- CSAT: on a 1–5 answer, 4 and 5 are satisfied; the score is % satisfied.
- Customer effort: on a 1–5 answer where 1 is "very easy" and 5 "very hard",
  the score is the average answer (lower is better); the share answering 1 or 2
  ("easy") is reported beside it. (This definition is ours: the domain brief
  does not fix one.)

Blank answers are not counted in n; they are reported separately.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

KINDS = {"nps": "NPS", "enps": "eNPS", "csat": "CSAT", "effort": "Customer effort"}
SCALES = {"nps": (0, 10), "enps": (0, 10), "csat": (1, 5), "effort": (1, 5)}
SIDES = {"nps": "customer", "enps": "employee", "csat": "customer", "effort": "customer"}


@dataclass(frozen=True)
class SurveyResult:
    kind: str
    n: int
    blanks: int
    value: float | None
    # NPS/eNPS: promoters, passives, detractors; CSAT: satisfied, others;
    # effort: easy (1–2), others.
    groups: dict[str, int]

    def counts_text(self) -> str:
        parts = ", ".join(f"{count} {name}" for name, count in self.groups.items())
        return f"n={self.n}" + (f" ({parts})" if self.n else "")


def from_counts(kind: str, counts: Mapping[int | None, int]) -> SurveyResult:
    """The survey figure from how many gave each answer (None counts the blanks).

    The one place the definitions above are worked out: ``score`` counts raw answers
    into this, and the database's GROUP BY hands its counts straight in."""
    low, high = SCALES[kind]
    blanks = 0
    answered: Counter[int] = Counter()
    for answer, count in counts.items():
        if answer is None:
            blanks += count
        elif not low <= answer <= high or int(answer) != answer:
            raise ValueError(f"{KINDS[kind]} answers are whole numbers from {low} to {high}; "
                             f"got {answer}")
        else:
            answered[int(answer)] += count
    n = sum(answered.values())
    if kind in ("nps", "enps"):
        promoters = sum(c for s, c in answered.items() if s >= 9)
        detractors = sum(c for s, c in answered.items() if s <= 6)
        groups = {"promoters": promoters, "passives": n - promoters - detractors,
                  "detractors": detractors}
        value = 100.0 * (promoters - detractors) / n if n else None
    elif kind == "csat":
        satisfied = sum(c for s, c in answered.items() if s >= 4)
        groups = {"satisfied": satisfied, "not satisfied": n - satisfied}
        value = 100.0 * satisfied / n if n else None
    else:
        easy = sum(c for s, c in answered.items() if s <= 2)
        groups = {"easy (1–2)": easy, "other": n - easy}
        # An exact integer total divided once: the same float as averaging the answers.
        value = sum(s * c for s, c in answered.items()) / n if n else None
    return SurveyResult(kind, n, blanks, value, groups)


def score(kind: str, scores: Iterable[int | None]) -> SurveyResult:
    return from_counts(kind, Counter(scores))
