"""The eleven steps of the strategy: one registry for navigation, overview and tests.

Each step says what it is for, what "done" means, which page module shows it
(``None`` while the step is not yet built) and how its status is computed from
the stored plan. Steps without a page are shown as not yet available rather
than given an empty page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import Enum

from .db import Connection
from .needs import list_assessments


class Status(Enum):
    NOT_STARTED = "Not started"
    IN_PROGRESS = "In progress"
    DONE = "Done"
    UNAVAILABLE = "Not yet available"


StatusCheck = Callable[[Connection, int, date], Status]


def _count(con: Connection, sql: str, org_id: int) -> int:
    row = con.execute(sql, [org_id]).fetchone()
    return int(row[0]) if row else 0


def _customers(con: Connection, org_id: int, today: date) -> Status:
    rows = con.execute(
        "SELECT kind, len(serving_teams) > 0 AND len(channels) > 0 FROM segment WHERE org_id = ?",
        [org_id],
    ).fetchall()
    if not rows:
        return Status.NOT_STARTED
    kinds = {kind for kind, _ in rows}
    complete = all(ok for _, ok in rows)
    return Status.DONE if kinds == {"internal", "external"} and complete else Status.IN_PROGRESS


def _needs(con: Connection, org_id: int, today: date) -> Status:
    latest = list_assessments(con, org_id, latest_only=True, today=today)
    if not latest:
        return Status.NOT_STARTED
    evidenced = {a.segment_id for a in latest if not a.is_assumption and not a.is_stale}
    segments = {row[0] for row in con.execute("SELECT id FROM segment WHERE org_id = ?",
                                              [org_id]).fetchall()}
    return Status.DONE if segments <= evidenced else Status.IN_PROGRESS


def _vision(con: Connection, org_id: int, today: date) -> Status:
    row = con.execute(
        "SELECT coalesce(max(length(statement)), 0), coalesce(max(length(customer_story)), 0) "
        "FROM vision WHERE org_id = ?",
        [org_id],
    ).fetchone()
    statement, story = row if row else (0, 0)
    values_with_behaviour = _count(
        con, "SELECT count(DISTINCT value_id) FROM behaviour WHERE org_id = ?", org_id)
    values = _count(con, "SELECT count(*) FROM org_value WHERE org_id = ?", org_id)
    entries = _count(con, "SELECT count(*) FROM brainstorm_entry WHERE org_id = ?", org_id)
    if statement and story and values and values_with_behaviour == values:
        return Status.DONE
    if statement or story or values or entries:
        return Status.IN_PROGRESS
    return Status.NOT_STARTED


def _standards(con: Connection, org_id: int, today: date) -> Status:
    from .standards import list_standards

    standards = list_standards(con, org_id)
    if not standards:
        return Status.NOT_STARTED
    if all(not s.flags() for s in standards):
        return Status.DONE
    return Status.IN_PROGRESS


@dataclass(frozen=True)
class Step:
    number: int
    slug: str
    title: str
    purpose: str
    done_when: str
    page: str | None = None  # module in strategy.ui.pages with a ``render()``
    status_check: StatusCheck | None = None

    @property
    def available(self) -> bool:
        return self.page is not None

    def status(self, con: Connection, org_id: int, today: date | None = None) -> Status:
        if self.status_check is None:
            return Status.UNAVAILABLE
        return self.status_check(con, org_id, today or date.today())


STEPS: tuple[Step, ...] = (
    Step(1, "customers", "Identify your customers",
         "Know who you serve, outside the organisation and inside it.",
         "There are internal and external segments, and every segment names the team that "
         "serves it and the channels it uses.",
         "step01_customers", _customers),
    Step(2, "needs", "Assess needs and wants",
         "Ask — don't assume — what matters to each segment and how well you deliver it.",
         "Every segment has a current assessment backed by evidence rather than assumption.",
         "step02_needs", _needs),
    Step(3, "vision", "Establish a service vision",
         "Agree what great service means here, the values behind it and how they show.",
         "The vision statement and the customer's story are written, and every value has at "
         "least one behaviour.",
         "step03_vision", _vision),
    Step(4, "standards", "Set and communicate standards",
         "Turn the vision into concrete, observable standards per channel, and tell people.",
         "Every standard has a measurable target, promises no more outside than inside, and "
         "has been communicated.",
         "step04_standards", _standards),
    Step(5, "accountability", "Make people accountable",
         "Give every standard an owner and check that it is kept.",
         "Every standard has an owner, staff have acknowledged it and compliance is observed."),
    Step(6, "line-of-sight", "Show how service moves results",
         "Let every team see how its service affects the organisation's performance.",
         "Every team sees its standards against company results, and the impact model is "
         "filled in for the period."),
    Step(7, "training", "Train for the behaviours",
         "Train each employee in how they are expected to treat customers.",
         "Required modules are assigned and no required training is overdue."),
    Step(8, "people", "Recruit and retain good people",
         "Hire for service attitude and keep the people who deliver it.",
         "Hiring criteria weigh attitude, and headcount, hires and leavers are recorded for the "
         "period."),
    Step(9, "recognition", "Reward and recognise",
         "Acknowledge and reward the behaviours the standards ask for.",
         "Recognition is recorded for the period and nobody has gone unrecognised for too "
         "long."),
    Step(10, "measures", "Measure satisfaction regularly",
         "Measure customers and employees side by side, on a regular cadence.",
         "Customer and employee measures have targets and no update is overdue."),
    Step(11, "review", "Review and modify the strategy",
         "Review the scorecard each quarter, decide, act and adjust the plan.",
         "The period's review is held, with decisions and owned actions."),
)


def step(slug: str) -> Step:
    for candidate in STEPS:
        if candidate.slug == slug:
            return candidate
    raise KeyError(slug)


def statuses(con: Connection, org_id: int, today: date | None = None) -> dict[int, Status]:
    return {s.number: s.status(con, org_id, today) for s in STEPS}


def next_step(con: Connection, org_id: int, today: date | None = None) -> Step | None:
    """The first available step that is not done yet."""
    current = statuses(con, org_id, today)
    for candidate in STEPS:
        if candidate.available and current[candidate.number] is not Status.DONE:
            return candidate
    return None
