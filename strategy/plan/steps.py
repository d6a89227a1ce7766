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
from typing import TYPE_CHECKING

from strategy.core.db import Connection
from strategy.customers.needs import list_assessments

if TYPE_CHECKING:
    from strategy.people.training import TrainingFigures


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
        "SELECT kind, channels <> [] AND EXISTS (SELECT 1 FROM segment_team st "
        "WHERE st.segment_id = s.id) FROM segment s WHERE s.org_id = ?",
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
    from strategy.service.standards import list_standards

    standards = list_standards(con, org_id)
    if not standards:
        return Status.NOT_STARTED
    if all(not s.flags() for s in standards):
        return Status.DONE
    return Status.IN_PROGRESS


# Step 5 is done when the staff a standard applies to have acknowledged it: this share
# of them, so that a newcomer in their first days does not undo the step.
ACKNOWLEDGED_SHARE = 90


def _accountability(con: Connection, org_id: int, today: date) -> Status:
    from strategy.core.periods import Quarter
    from strategy.service.accountability import acknowledged_standards, assignments

    quarter = Quarter.containing(today)
    owned = assignments(con, org_id)
    observed = {row[0] for row in con.execute(
        "SELECT DISTINCT standard_id FROM observation WHERE org_id = ? AND observed_on "
        "BETWEEN ? AND ?", [org_id, quarter.start, quarter.end]).fetchall()}
    any_acknowledged = _count(con, "SELECT count(*) FROM acknowledgement WHERE org_id = ?",
                              org_id)
    if not any(a.owner_id or a.team_ids for a in owned) and not observed \
            and not any_acknowledged:
        return Status.NOT_STARTED
    # Acknowledged by the staff it applies to, not by one of them: at least
    # ACKNOWLEDGED_SHARE of the current staff of its teams.
    acknowledged = acknowledged_standards(con, org_id, today, ACKNOWLEDGED_SHARE)
    complete = owned and all(a.owner_id and a.team_ids and a.standard_id in observed
                             and a.standard_id in acknowledged for a in owned)
    return Status.DONE if complete else Status.IN_PROGRESS


def _line_of_sight(con: Connection, org_id: int, today: date) -> Status:
    from strategy.core.periods import Quarter
    from strategy.measures.impact import load

    linked = _count(con, "SELECT count(DISTINCT standard_id) FROM standard_result "
                         "WHERE org_id = ?", org_id)
    modelled = load(con, org_id, Quarter.containing(today)) is not None
    if not linked and not modelled:
        return Status.NOT_STARTED
    unlinked = _count(con, "SELECT count(*) FROM standard_team st WHERE st.org_id = ? AND NOT "
                           "EXISTS (SELECT 1 FROM standard_result r "
                           "WHERE r.standard_id = st.standard_id)", org_id)
    return Status.DONE if modelled and linked and not unlinked else Status.IN_PROGRESS


def _training(con: Connection, org_id: int, today: date) -> Status:
    return training_status(con, org_id, today)


def training_status(con: Connection, org_id: int, today: date,
                    figures: TrainingFigures | None = None) -> Status:
    """Step 7's status; ``figures``: the training figures on ``today`` when the caller
    has read them already (the training page and the overview have), so they are not
    read twice."""
    from strategy.people.training import figures as read_figures

    if not _count(con, "SELECT count(*) FROM training_module WHERE org_id = ?", org_id):
        return Status.NOT_STARTED
    if figures is None:
        figures = read_figures(con, org_id, today)
    # Done once the modules reach someone on the staff today (a requirement of a team or
    # role nobody is in, or of a new organisation with no staff yet, trains nobody) and
    # nobody is late.
    required = figures.overall.whole
    return Status.DONE if required and not figures.overdue else Status.IN_PROGRESS


def _people(con: Connection, org_id: int, today: date) -> Status:
    from strategy.people.workforce import attitude_share, list_criteria

    staff = _count(con, "SELECT count(*) FROM employee WHERE org_id = ?", org_id)
    criteria = list_criteria(con, org_id)
    if not staff and not criteria:
        return Status.NOT_STARTED
    share = attitude_share(criteria)
    return Status.DONE if staff and share is not None and share > 50 else Status.IN_PROGRESS


def _recognition(con: Connection, org_id: int, today: date) -> Status:
    from strategy.core.periods import Quarter
    from strategy.people.recognition import count_not_recognised

    # Whether there is any, not how many: the first record found answers.
    if not _count(con, "SELECT count(*) FROM (SELECT 1 FROM recognition WHERE org_id = ? "
                       "AND deleted_at IS NULL LIMIT 1)", org_id):
        return Status.NOT_STARTED
    quarter = Quarter.containing(today)
    recent = con.execute("SELECT count(*) FROM recognition WHERE org_id = ? AND deleted_at IS "
                         "NULL AND given_on BETWEEN ? AND ?",
                         [org_id, quarter.start, quarter.end]).fetchone()
    overlooked = count_not_recognised(con, org_id, today, 90)
    return Status.DONE if recent and recent[0] and not overlooked else Status.IN_PROGRESS


def _measures(con: Connection, org_id: int, today: date) -> Status:
    from strategy.measures.scorecard import due_updates, list_measures

    defined = list_measures(con, org_id)
    if not defined:
        return Status.NOT_STARTED
    sides = {m.side for m in defined}
    targeted = all(m.target is not None for m in defined)
    complete = sides == {"customer", "employee"} and targeted and not due_updates(
        con, org_id, today)
    return Status.DONE if complete else Status.IN_PROGRESS


def _review(con: Connection, org_id: int, today: date) -> Status:
    from strategy.core.periods import Quarter
    from strategy.measures.reviews import find_review, list_actions, list_reviews

    if not list_reviews(con, org_id):
        return Status.NOT_STARTED
    # A quarter's review is often held in its last weeks rather than after it ends, so
    # either the current quarter's or the previous quarter's closed review counts.
    current = Quarter.containing(today)
    raised_in = {a.review_id for a in list_actions(con, org_id)}
    for quarter in (current, current.shift(-1)):
        review = find_review(con, org_id, quarter)
        if (review is not None and review.closed and review.decisions.strip()
                and review.id in raised_in):
            return Status.DONE
    return Status.IN_PROGRESS


@dataclass(frozen=True)
class Companion:
    """A page that belongs to a step's work without being the step itself (the
    complaints register feeds step 10's measures and step 6's impact model)."""

    slug: str
    title: str
    page: str
    purpose: str
    icon: str | None = None


@dataclass(frozen=True)
class Step:
    number: int
    slug: str
    title: str
    purpose: str
    done_when: str
    page: str | None = None  # module in strategy.ui.pages with a ``render()``
    status_check: StatusCheck | None = None
    companions: tuple[Companion, ...] = ()

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
         "Give every standard an owner and the teams it applies to, and check it is kept.",
         f"Every standard has an owner and teams, at least {ACKNOWLEDGED_SHARE}% of those "
         "teams' staff have acknowledged it, and it has been observed this quarter.",
         "step05_accountability", _accountability),
    Step(6, "line-of-sight", "Show how service moves results",
         "Let every team see how its service affects the organisation's performance.",
         "Every standard a team keeps is linked to the results it moves, and the impact model "
         "is filled in for this quarter.",
         "step06_line_of_sight", _line_of_sight),
    Step(7, "training", "Train for the behaviours",
         "Train each employee in how they are expected to treat customers.",
         "Required modules are assigned and no required training is overdue.",
         "step07_training", _training),
    Step(8, "people", "Recruit and retain good people",
         "Hire for service attitude and keep the people who deliver it.",
         "Staff are recorded, and the hiring criteria give attitude more than half the weight.",
         "step08_people", _people),
    Step(9, "recognition", "Reward and recognise",
         "Acknowledge and reward the behaviours the standards ask for.",
         "Recognition was given this quarter and nobody on the staff has gone 90 days without "
         "any.",
         "step09_recognition", _recognition),
    Step(10, "measures", "Measure satisfaction regularly",
         "Measure customers and employees side by side, on a regular cadence.",
         "Customer and employee measures all have targets, and no update is overdue.",
         "step10_measures", _measures,
         (Companion("complaints", "Complaints and compliments", "complaints",
                    "Record what customers tell you unasked, resolve complaints by a promised "
                    "date, and turn compliments into recognition.",
                    ":material/feedback:"),)),
    Step(11, "review", "Review and modify the strategy",
         "Review the scorecard each quarter, decide, act and adjust the plan.",
         "The review of this quarter or the last one is closed, with decisions recorded and "
         "at least one action with an owner.",
         "step11_review", _review),
)


def companion(slug: str) -> tuple[Step, Companion]:
    """A companion page and the step it belongs to."""
    for candidate in STEPS:
        for page in candidate.companions:
            if page.slug == slug:
                return candidate, page
    raise KeyError(slug)


def step(slug: str) -> Step:
    for candidate in STEPS:
        if candidate.slug == slug:
            return candidate
    raise KeyError(slug)


TrainingReader = Callable[[Connection], "TrainingFigures"]


def status_of(step: Step, con: Connection, org_id: int, today: date,
              training: TrainingReader | None = None) -> Status:
    """``step``'s status on ``today``; ``training`` reads step 7's figures on that day
    when they are shared with other reads (a ``core.db.ReadOnce``: the overview's to-do
    counts, the review pack's Training sheet), so they are not read twice."""
    if step.slug == "training" and training is not None:
        return training_status(con, org_id, today, training(con))
    return step.status(con, org_id, today)


def statuses(con: Connection, org_id: int, today: date | None = None,
             training: TrainingReader | None = None) -> dict[int, Status]:
    """Every step's status (see ``status_of``)."""
    today = today or date.today()
    return {s.number: status_of(s, con, org_id, today, training) for s in STEPS}


def next_step(con: Connection, org_id: int, today: date | None = None,
              current: dict[int, Status] | None = None) -> Step | None:
    """The first available step that is not done yet (from ``current`` statuses when
    the caller has them already: each status reads the plan)."""
    if current is None:
        current = statuses(con, org_id, today)
    for candidate in STEPS:
        if candidate.available and current[candidate.number] is not Status.DONE:
            return candidate
    return None
