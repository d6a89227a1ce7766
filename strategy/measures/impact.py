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

C and q come from the complaints register for any quarter it holds records of (the
complaints received, and the share of those with a known outcome resolved within the
organisation's target); the numbers typed into the model count only for quarters
without register data.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from datetime import date, datetime

from strategy.core import access, audit
from strategy.core.access import Permission
from strategy.core.db import Connection, transaction
from strategy.core.errors import ValidationError
from strategy.core.periods import Quarter
from strategy.measures import complaints


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


@dataclass(frozen=True)
class Sourced:
    """The model a quarter is worked out on, and where its complaint figures came from."""

    saved: Saved
    complaints_from_register: bool
    quick_from_register: bool
    note: str


def with_register(saved: Saved, feed: complaints.ImpactFeed | None, period: Quarter,
                  target_days: int) -> Sourced:
    """The saved model with the complaints register's figures for the quarter in place
    of the typed ones, where the register has them."""
    if feed is None:
        return Sourced(saved, False, False, f"Complaints and the share resolved quickly are "
                                            f"as typed: the complaints register has nothing "
                                            f"for {period}.")
    quick = feed.quick_share
    inputs = replace(saved.inputs, complaints=feed.complaints,
                     quick_resolution_share=quick if quick is not None
                     else saved.inputs.quick_resolution_share)
    rate = feed.within_target
    note = (f"From the complaints register for {period}: {feed.complaints:,} complaints "
            "received; " + (f"{rate.part:,} of the {rate.whole:,} whose outcome is known were "
                            f"resolved within {target_days} working days ({rate.text()})."
                            if quick is not None else
                            "none has a known outcome yet, so the share resolved quickly is "
                            "as typed."))
    return Sourced(replace(saved, inputs=inputs), True, quick is not None, note)


def effective(con: Connection, org_id: int, period: Quarter,
              today: date | None = None) -> Sourced | None:
    """The quarter's saved model, fed by the complaints register (None: no model)."""
    saved = load(con, org_id, period)
    if saved is None:
        return None
    feed = complaints.impact_feed(con, org_id, [period], today)[0]
    return with_register(saved, feed, period, complaints.target_days(con, org_id))


def complaints_series(con: Connection, org_id: int, quarters: list[Quarter],
                      today: date | None = None) -> list[tuple[int, str] | None]:
    """Each quarter's complaints and where the count comes from: the register for a
    quarter it holds records of, else the number typed into the impact model (None:
    neither)."""
    rows = con.execute("SELECT period, complaints FROM impact_model WHERE org_id = ? "
                       "AND period IN (SELECT unnest(CAST(? AS VARCHAR[])))",
                       [org_id, [str(q) for q in quarters]]).fetchall()
    typed = {r[0]: r[1] for r in rows}
    feeds = complaints.impact_feed(con, org_id, quarters, today)
    result: list[tuple[int, str] | None] = []
    for quarter, feed in zip(quarters, feeds, strict=True):
        if feed is not None:
            result.append((feed.complaints, "from the complaints register"))
        elif str(quarter) in typed:
            result.append((int(typed[str(quarter)]), "typed into the impact model"))
        else:
            result.append(None)
    return result


def latest_before(con: Connection, org_id: int, period: Quarter) -> Saved | None:
    """The most recent saved model up to the period, to start a new period from."""
    row = con.execute("SELECT max(period) FROM impact_model WHERE org_id = ? AND period <= ?",
                      [org_id, str(period)]).fetchone()
    return load(con, org_id, Quarter.parse(row[0])) if row and row[0] else None
