"""Step 6 — an impact model: what service failures cost, on editable assumptions.

The assumptions are widely quoted service statistics, not laws of nature; each
organisation can change them, and the page says where each one comes in.

With C complaints in the period, S silent dissatisfied customers per complaint,
W people told per bad experience, q the share of complaints resolved quickly,
r the share of quickly resolved complainers who stay, V the annual value of a
customer, A the cost of winning a customer and k the replace-to-keep ratio:

- dissatisfied customers  D = C × (1 + S), capped at the active customers
- people reached by word of mouth  = D × W
- revenue at risk  = D × V (a year of their business)
- won back by resolving every complaint quickly  = C × (1 − q) × r customers, × V
- replacing the customers at risk costs D × A; keeping them about D × A ÷ k
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from datetime import datetime

from . import access, audit
from .access import Permission
from .db import Connection, transaction
from .errors import ValidationError
from .periods import Quarter


@dataclass(frozen=True)
class Assumptions:
    silent_per_complaint: float = 26.0
    told_per_bad_experience: float = 10.0
    return_if_quick: float = 0.75
    replace_to_keep_ratio: float = 5.5
    leave_for_indifference: float = 0.68
    good_per_bad_moment: float = 12.0


ASSUMPTION_NOTES = {
    "silent_per_complaint": ("Silent dissatisfied customers per complaint",
                             "Only a few per cent of unhappy customers complain; for each "
                             "complaint about 26 others say nothing."),
    "told_per_bad_experience": ("People told about a bad experience",
                                "A customer with a bad experience tells at least ten others."),
    "return_if_quick": ("Complainers who stay when resolved quickly",
                        "About three in four complainers come back if their complaint is "
                        "handled quickly."),
    "replace_to_keep_ratio": ("Cost of a new customer ÷ cost of keeping one",
                              "Winning a customer costs five to six times as much as keeping "
                              "one."),
    "leave_for_indifference": ("Lost customers who leave over indifferent service",
                               "Of customers lost, about 68% leave because of indifference; "
                               "few leave for price or because they move."),
    "good_per_bad_moment": ("Good moments of truth to make up for one bad",
                            "It takes about twelve good experiences to make up for one bad "
                            "one."),
}


@dataclass(frozen=True)
class Inputs:
    active_customers: int
    value_per_customer: float
    complaints: int
    quick_resolution_share: float  # 0..1
    acquisition_cost: float


@dataclass(frozen=True)
class Result:
    dissatisfied: float
    silent: float
    word_of_mouth: float
    revenue_at_risk: float
    win_back_customers: float
    win_back_revenue: float
    replace_cost: float
    keep_cost: float
    lost_to_indifference: float
    good_moments_needed: float


def validate(inputs: Inputs, assumptions: Assumptions) -> None:
    problems: dict[str, str] = {}
    for name, value in asdict(inputs).items():
        if not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
            problems[name] = "Enter a number of zero or more."
    if inputs.quick_resolution_share > 1:
        problems["quick_resolution_share"] = "The share resolved quickly is between 0% and 100%."
    for name, value in asdict(assumptions).items():
        if not math.isfinite(value) or value < 0:
            problems[name] = "An assumption must be a number of zero or more."
    for share in ("return_if_quick", "leave_for_indifference"):
        if getattr(assumptions, share) > 1:
            problems[share] = "This assumption is a share between 0% and 100%."
    if assumptions.replace_to_keep_ratio <= 0:
        problems["replace_to_keep_ratio"] = "The ratio must be above zero."
    if problems:
        raise ValidationError(problems)


def calculate(inputs: Inputs, assumptions: Assumptions = Assumptions()) -> Result:
    validate(inputs, assumptions)
    complaints = inputs.complaints
    dissatisfied = min(complaints * (1 + assumptions.silent_per_complaint),
                       float(inputs.active_customers))
    silent = max(dissatisfied - complaints, 0.0)
    win_back = complaints * (1 - inputs.quick_resolution_share) * assumptions.return_if_quick
    replace = dissatisfied * inputs.acquisition_cost
    return Result(
        dissatisfied=dissatisfied,
        silent=silent,
        word_of_mouth=dissatisfied * assumptions.told_per_bad_experience,
        revenue_at_risk=dissatisfied * inputs.value_per_customer,
        win_back_customers=win_back,
        win_back_revenue=win_back * inputs.value_per_customer,
        replace_cost=replace,
        keep_cost=replace / assumptions.replace_to_keep_ratio,
        lost_to_indifference=dissatisfied * assumptions.leave_for_indifference,
        good_moments_needed=dissatisfied * assumptions.good_per_bad_moment,
    )


@dataclass(frozen=True)
class Saved:
    inputs: Inputs
    assumptions: Assumptions
    updated_at: datetime


_INPUTS = [f.name for f in fields(Inputs)]
_ASSUMPTIONS = [f.name for f in fields(Assumptions)]


def save(con: Connection, org_id: int, period: Quarter, inputs: Inputs,
         assumptions: Assumptions, reason: str | None = None) -> None:
    access.require(Permission.EDIT_PLAN, org_id)
    validate(inputs, assumptions)
    columns = [*_INPUTS, *_ASSUMPTIONS]
    values = [*asdict(inputs).values(), *asdict(assumptions).values()]
    with transaction(con):
        why = audit.check_unlocked(con, org_id, str(period), reason)
        audit.record(con, org_id, "Impact model", "saved",
                     f"{period}: {inputs.complaints} complaints, "
                     f"{inputs.active_customers} customers", str(period), why)
        con.execute("DELETE FROM impact_model WHERE org_id = ? AND period = ?",
                    [org_id, str(period)])
        con.execute(
            f"INSERT INTO impact_model (org_id, period, {', '.join(columns)}) "
            f"VALUES (?, ?, {', '.join('?' for _ in columns)})",
            [org_id, str(period), *values])


def load(con: Connection, org_id: int, period: Quarter) -> Saved | None:
    row = con.execute(
        f"SELECT {', '.join([*_INPUTS, *_ASSUMPTIONS])}, updated_at FROM impact_model "
        "WHERE org_id = ? AND period = ?",
        [org_id, str(period)]).fetchone()
    if row is None:
        return None
    n = len(_INPUTS)
    return Saved(Inputs(*row[:n]), Assumptions(*row[n:n + len(_ASSUMPTIONS)]), row[-1])


def complaints_series(con: Connection, org_id: int,
                      quarters: list[Quarter]) -> list[int | None]:
    """The complaints count saved in the impact model for each quarter (None: no model)."""
    rows = con.execute("SELECT period, complaints FROM impact_model WHERE org_id = ? "
                       "AND period IN (SELECT unnest(CAST(? AS VARCHAR[])))",
                       [org_id, [str(q) for q in quarters]]).fetchall()
    found = {r[0]: r[1] for r in rows}
    return [found.get(str(q)) for q in quarters]


def latest_before(con: Connection, org_id: int, period: Quarter) -> Saved | None:
    """The most recent saved model up to the period, to start a new period from."""
    row = con.execute("SELECT max(period) FROM impact_model WHERE org_id = ? AND period <= ?",
                      [org_id, str(period)]).fetchone()
    return load(con, org_id, Quarter.parse(row[0])) if row and row[0] else None
