"""For you: what each person has to do, and the organisation's totals of the same.

A person's list holds five kinds of things:

- **updates**: measures they own whose value for the latest complete month or
  quarter is missing (step 10, :func:`strategy.measures.due_updates`);
- **actions**: review actions they own that are open or in progress (step 11),
  overdue when the due date has passed;
- **standards**: standards they own that are below the organisation's compliance
  target this quarter, or not observed at all this quarter (step 5, as its owners'
  view counts them);
- **complaints**: complaints they own, not resolved, whose promised-by date has
  passed (the register);
- **training**: modules required of their team or role that they have not passed
  (step 7), overdue once the "due within" days after their hiring have gone.

Standards, measures, complaints and training belong to members of staff
(``employee``); an account finds its own through ``membership.employee_id``
(set on the Accounts page or with ``python -m strategy user person``). Review
actions name their owner in free text, so an action is someone's when its owner,
ignoring case and extra spaces, is the linked member of staff's name or the
account's name shown.

Everything is counted in DuckDB, for any number of people at once (the reminder
e-mails draw every list in one pass).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from strategy.core import access
from strategy.core.access import AccessDenied, Permission
from strategy.core.db import Connection
from strategy.core.periods import Quarter
from strategy.core.rates import Rate
from strategy.identity.accounts import linked_person
from strategy.measures.reviews import OPEN_STATUSES
from strategy.measures.scorecard import DueUpdate, due_updates
from strategy.people import training
from strategy.service.accountability import compliance_target

# The kinds, in the order lists show them, with the page (its key in the app's
# navigation, also its address) where each is dealt with.
KINDS = ("updates", "actions", "standards", "complaints", "training")
PAGE_OF = {"updates": "measures", "actions": "review", "standards": "accountability",
           "complaints": "complaints", "training": "training"}
HEADINGS = {
    "updates": "Measure updates due",
    "actions": "Actions you own",
    "standards": "Standards you own that need attention this quarter",
    "complaints": "Complaints past their promised date",
    "training": "Required training not passed",
}

# What a person needs to deal with each kind themselves. Owning a thing does not give
# the right to act on it: a contributor may own the absence measure, whose values only
# those who edit the plan enter. Their list keeps only what they may do and hands the
# rest over, naming who can (:func:`split_for`). Training is taken by the person whose
# list it is, whatever their role.
NEEDED = {"updates": Permission.EDIT_PLAN, "actions": Permission.EDIT_PLAN,
          "standards": Permission.RECORD_OWN_TEAM, "complaints": Permission.RECORD_FEEDBACK,
          "training": None}
HANDOVER_HEADINGS = {
    "updates": "Measure updates due for measures you own",
    "actions": "Actions you own",
    "standards": "Standards you own that need attention this quarter",
    "complaints": "Complaints past their promised date",
}
HANDOVER_ASK = {
    "updates": "send them the figures",
    "actions": "tell them how each stands",
    "standards": "ask them to observe and coach",
    "complaints": "ask them to resolve or re-promise them",
}

# How an owner typed on an action compares with a person's name: case and runs of
# spaces do not count.
_NORMALISE = "lower(trim(regexp_replace({}, '\\s+', ' ', 'g')))"


@dataclass(frozen=True)
class UpdateDue:
    measure_id: int
    measure: str
    period: str  # the month ("2026-05") or quarter ("2026-Q1") whose value is missing
    due_since: date  # the day after that period ended

    def text(self) -> str:
        return f"{self.measure}: the value for {self.period} (due since {self.due_since})"


@dataclass(frozen=True)
class OwnedAction:
    action_id: int
    description: str
    due: date
    status: str
    raised_in: str  # the quarter of the review that raised it
    overdue: bool

    def text(self) -> str:
        late = ", overdue" if self.overdue else ""
        return (f"{self.description}: due {self.due}{late} ({self.status}; raised in the "
                f"{self.raised_in} review)")


@dataclass(frozen=True)
class StandardToWatch:
    standard_id: int
    title: str
    rate: Rate  # observations met of observations made this quarter
    target: float
    quarter: str

    @property
    def unobserved(self) -> bool:
        return self.rate.whole == 0

    def text(self) -> str:
        if self.unobserved:
            return f"{self.title}: not observed in {self.quarter}"
        value = self.rate.value or 0.0
        # 89.6% is below a 90% target: never show it rounded up to the target.
        shown = (f"{value:.0f}" if round(value) < self.target
                 else f"{math.floor(value * 10) / 10:.1f}")
        return (f"{self.title}: {self.rate.part} of {self.rate.whole} observations met it "
                f"({shown}%) in {self.quarter}, below the {self.target:g}% target")


@dataclass(frozen=True)
class LateComplaint:
    complaint_id: int
    received_on: date
    promised_by: date
    promise: str
    what_happened: str

    @property
    def summary(self) -> str:
        """The customer's words, cut to one short line."""
        words = " ".join(self.what_happened.split())
        return words if len(words) <= 80 else words[:79].rstrip() + "…"

    def text(self) -> str:
        promise = f" “{' '.join(self.promise.split())}”" if self.promise.strip() else ""
        return (f"“{self.summary}”: received {self.received_on}, promised{promise} by "
                f"{self.promised_by}")


@dataclass(frozen=True)
class TrainingToPass:
    module_id: int
    module: str
    due: date
    overdue: bool

    def text(self) -> str:
        return f"{self.module}: due {self.due}" + (", overdue" if self.overdue else "")


Item = UpdateDue | OwnedAction | StandardToWatch | LateComplaint | TrainingToPass


@dataclass(frozen=True)
class ForYou:
    """One person's list in one organisation."""

    updates: tuple[UpdateDue, ...] = ()
    actions: tuple[OwnedAction, ...] = ()
    standards: tuple[StandardToWatch, ...] = ()
    complaints: tuple[LateComplaint, ...] = ()
    training: tuple[TrainingToPass, ...] = ()

    def of(self, kind: str) -> tuple[Item, ...]:
        items: tuple[Item, ...] = getattr(self, kind)
        return items

    @property
    def count(self) -> int:
        return sum(len(self.of(kind)) for kind in KINDS)

    @property
    def empty(self) -> bool:
        return self.count == 0


@dataclass(frozen=True)
class Handover:
    """Things on a person's list that their role cannot deal with, and who can."""

    kind: str
    items: tuple[Item, ...]
    permission: Permission
    who: tuple[str, ...]  # named people with a role that may, in this organisation
    roles: str  # the roles that may, in words: "a leader or an administrator"

    @property
    def heading(self) -> str:
        return HANDOVER_HEADINGS[self.kind]

    def note(self) -> str:
        named = list(self.who[:3]) + (["another of them"] if len(self.who) > 3 else [])
        here = f" (here, {_either(named)})" if named else ""
        return (f"Your role does not allow you to {self.permission.value}. "
                f"{self.roles[0].upper()}{self.roles[1:]}{here} can: "
                f"{HANDOVER_ASK[self.kind]}.")


def _either(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


ROLE_NOUNS = {access.Role.ADMINISTRATOR: "an administrator", access.Role.LEADER: "a leader",
              access.Role.HR: "HR", access.Role.CONTRIBUTOR: "a contributor",
              access.Role.VIEWER: "a viewer"}


def roles_that_may(permission: Permission) -> str:
    """The account roles allowed ``permission``, in words ("a leader or an administrator")."""
    return _either([ROLE_NOUNS[role] for role in (*access.ACCOUNT_ROLES[1:],
                                                  access.ACCOUNT_ROLES[0])
                    if permission in access.ROLE_PERMISSIONS[role]])


def who_may(con: Connection, org_id: int, permission: Permission) -> tuple[str, ...]:
    """The names of the enabled accounts whose role in this organisation allows
    ``permission`` (administrators of everything are left to the roles' words)."""
    roles = [str(role) for role in access.ACCOUNT_ROLES
             if role is not access.Role.ADMINISTRATOR
             and permission in access.ROLE_PERMISSIONS[role]]
    rows = con.execute(
        "SELECT a.display_name FROM membership m JOIN account a ON a.id = m.account_id "
        "WHERE m.org_id = ? AND a.disabled_at IS NULL AND list_contains(?, m.role) "
        "ORDER BY lower(a.display_name), a.id", [org_id, roles]).fetchall()
    return tuple(r[0] for r in rows)


def split_for(con: Connection, org_id: int, items: ForYou,
              may: Callable[[Permission], bool]) -> tuple[ForYou, tuple[Handover, ...]]:
    """A person's list as theirs to do, and the kinds their role cannot deal with
    (``may`` answers for their role), each naming who can."""
    kept: dict[str, tuple[Item, ...]] = {}
    handed: list[Handover] = []
    for kind in KINDS:
        needed = NEEDED[kind]
        found = items.of(kind)
        if needed is None or may(needed) or not found:
            kept[kind] = found
        else:
            kept[kind] = ()
            handed.append(Handover(kind, found, needed, who_may(con, org_id, needed),
                                   roles_that_may(needed)))
    return ForYou(**kept), tuple(handed)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Person:
    """Whose list to draw: a member of staff (if linked) and the account's name shown."""

    employee_id: int | None
    name: str


def items_for(con: Connection, org_id: int, employee_id: int | None, name: str,
              today: date | None = None) -> ForYou:
    """The list of the member of staff ``employee_id`` (None: not linked, so only the
    actions whose owner is ``name``), as of ``today``.

    Anyone who reads the plan may draw their own list; another person's holds their
    training record, so it needs the right to see personal HR records."""
    identity = access.require(Permission.READ_PLAN, org_id)
    if employee_id is not None and not identity.may(Permission.HR_RECORDS, org_id):
        own = linked_person(con, identity.account_id, org_id) \
            if identity.account_id is not None else None
        if own != employee_id:
            raise AccessDenied("Another person's list includes their training record: your "
                               "role does not allow you to see personal HR records.")
    return _lists(con, org_id, [Person(employee_id, name)], today or date.today())[0]


def lists_for(con: Connection, org_id: int, everyone: Sequence[Person],
              today: date | None = None) -> list[ForYou]:
    """Everyone's lists at once (for the reminder e-mails), in the order given."""
    access.require(Permission.HR_RECORDS, org_id)
    return _lists(con, org_id, everyone, today or date.today())


def _lists(con: Connection, org_id: int, everyone: Sequence[Person],
           today: date) -> list[ForYou]:
    if not everyone:
        return []
    quarter = Quarter.containing(today)
    target = compliance_target(con, org_id)
    people = {"keys": list(range(len(everyone))),
              "employees": [p.employee_id for p in everyone],
              "names": [p.name for p in everyone], "org": org_id}
    updates: dict[int, list[UpdateDue]] = {}
    actions: dict[int, list[OwnedAction]] = {}
    standards: dict[int, list[StandardToWatch]] = {}
    complaints: dict[int, list[LateComplaint]] = {}
    training: dict[int, list[TrainingToPass]] = {}

    # Measures are few (tens); which of their updates are due is one query.
    owned_by: dict[int, list[int]] = {}
    for key, person in enumerate(everyone):
        if person.employee_id is not None:
            owned_by.setdefault(person.employee_id, []).append(key)
    for due in due_updates(con, org_id, today):
        for key in owned_by.get(due.owner_id or -1, []):
            updates.setdefault(key, []).append(UpdateDue(
                due.measure_id, due.measure, due.period,
                _period_end(due.period) + timedelta(days=1)))

    for key, action_id, description, due_on, status, raised_in in con.execute(
            _PEOPLE + f"""
            , names AS (
                SELECT k, {_NORMALISE.format('name')} AS n FROM p
                UNION
                SELECT p.k, {_NORMALISE.format('e.name')} FROM p
                JOIN employee e ON e.id = p.employee_id AND e.org_id = $org
            )
            SELECT DISTINCT n.k, a.id, a.description, a.due, a.status, r.period
            FROM review_action a JOIN review r ON r.id = a.review_id
            JOIN names n ON n.n = {_NORMALISE.format('a.owner')}
            WHERE a.org_id = $org AND list_contains($open, a.status) AND n.n <> ''
            ORDER BY a.due, a.id
            """, {**people, "open": list(OPEN_STATUSES)}).fetchall():
        actions.setdefault(key, []).append(OwnedAction(action_id, description, due_on, status,
                                                       raised_in, due_on < today))

    for key, standard_id, title, met, made in con.execute(
            _PEOPLE + """
            , owned AS (
                SELECT p.k, s.id, s.title FROM p
                JOIN standard_owner so ON so.employee_id = p.employee_id AND so.org_id = $org
                JOIN standard s ON s.id = so.standard_id
            ), seen AS (
                SELECT o.standard_id, count(*) FILTER (WHERE o.met) AS met, count(*) AS made
                FROM observation o
                WHERE o.org_id = $org AND o.observed_on BETWEEN $qs AND $qe
                  AND o.standard_id IN (SELECT id FROM owned)
                GROUP BY o.standard_id
            )
            SELECT w.k, w.id, w.title, coalesce(s.met, 0), coalesce(s.made, 0)
            FROM owned w LEFT JOIN seen s ON s.standard_id = w.id
            WHERE coalesce(s.made, 0) = 0 OR 100.0 * s.met / s.made < $target
            ORDER BY coalesce(s.made, 0) > 0, lower(w.title), w.id
            """, {**people, "qs": quarter.start, "qe": quarter.end,
                  "target": target}).fetchall():
        standards.setdefault(key, []).append(StandardToWatch(
            standard_id, title, Rate(int(met), int(made)), target, str(quarter)))

    for key, *row in con.execute(
            _PEOPLE + """
            SELECT p.k, c.id, c.received_on, c.promised_by, c.promise, c.what_happened
            FROM p JOIN complaint c ON c.owner_id = p.employee_id
            WHERE c.org_id = $org AND c.kind = 'complaint' AND c.resolved_on IS NULL
              AND c.promised_by < $today
            ORDER BY c.promised_by, c.id
            """, {**people, "today": today}).fetchall():
        complaints.setdefault(key, []).append(LateComplaint(*row))

    for key, module_id, module, due in con.execute(
            _PEOPLE + """
            , staff AS (
                SELECT p.k, e.id, e.team_id, e.role, e.hire_date FROM p
                JOIN employee e ON e.id = p.employee_id AND e.org_id = $org
                WHERE e.hire_date <= $today AND (e.leave_date IS NULL OR e.leave_date >= $today)
            ), required AS (
                -- From hiring, or from when the module became required if later.
                SELECT k, employee_id, module_id, min(starts) AS starts FROM (
                    SELECT s.k, s.id AS employee_id, r.module_id, greatest(
                        s.hire_date, coalesce(r.required_since, s.hire_date)) AS starts
                    FROM staff s
                    JOIN training_requirement r ON r.org_id = $org AND r.team_id = s.team_id
                    UNION ALL
                    SELECT s.k, s.id, r.module_id, greatest(
                        s.hire_date, coalesce(r.required_since, s.hire_date))
                    FROM staff s JOIN training_requirement r
                         ON r.org_id = $org AND lower(r.role) = lower(s.role)) GROUP BY ALL
            )
            SELECT q.k, m.id, m.name,
                   CAST(q.starts + m.due_within_days * INTERVAL 1 DAY AS DATE) AS due
            FROM required q JOIN training_module m ON m.id = q.module_id
            WHERE NOT EXISTS (SELECT 1 FROM training_completion c
                              WHERE c.org_id = $org AND c.employee_id = q.employee_id
                                AND c.module_id = q.module_id AND c.passed
                                AND c.completed_on <= $today)
            ORDER BY due, lower(m.name)
            """, {**people, "today": today}).fetchall():
        training.setdefault(key, []).append(TrainingToPass(module_id, module, due, due < today))

    return [ForYou(tuple(updates.get(key, ())), tuple(actions.get(key, ())),
                   tuple(standards.get(key, ())), tuple(complaints.get(key, ())),
                   tuple(training.get(key, ()))) for key in range(len(everyone))]


_PEOPLE = """
    WITH p AS (SELECT unnest(CAST($keys AS INTEGER[])) AS k,
                      unnest(CAST($employees AS BIGINT[])) AS employee_id,
                      unnest(CAST($names AS VARCHAR[])) AS name)
"""


def _period_end(period: str) -> date:
    """The last day of a month ("2026-05") or quarter ("2026-Q1")."""
    if "Q" in period:
        return Quarter.parse(period).end
    year, month = (int(x) for x in period.split("-"))
    return (date(year, month, 1) + timedelta(days=32)).replace(day=1) - timedelta(days=1)


# --- The organisation's totals -----------------------------------------------------


@dataclass(frozen=True)
class OrgTotals:
    """Everyone's lists added up, owned or not: what the organisation has to do."""

    quarter: str
    updates_due: int
    actions_open: int  # open or in progress, overdue ones included
    actions_overdue: int
    standards_red: int  # observed this quarter, below the compliance target
    standards_unobserved: int
    complaints_open: int  # not resolved, overdue ones included
    complaints_overdue: int
    training_not_passed: int  # (person, required module) pairs of current staff
    training_overdue: int
    # The updates due themselves, for a page that lists them too (not looked up twice).
    due: tuple[DueUpdate, ...] = field(default=(), compare=False, repr=False)


def org_totals(con: Connection, org_id: int, today: date | None = None,
               training_figures: training.TrainingFigures | None = None) -> OrgTotals:
    """What the organisation has to do on ``today``, owned or not; ``training_figures``:
    step 7's figures on ``today`` when the caller has read them already."""
    access.require(Permission.READ_PLAN, org_id)
    today = today or date.today()
    quarter = Quarter.containing(today)
    row = con.execute(
        """
        WITH actions AS (
            SELECT count(*) AS open, count(*) FILTER (WHERE due < $today) AS overdue
            FROM review_action WHERE org_id = $org AND list_contains($open, status)
        ), complaints AS (
            SELECT count(*) AS open, count(*) FILTER (WHERE promised_by < $today) AS overdue
            FROM complaint WHERE org_id = $org AND kind = 'complaint' AND resolved_on IS NULL
        ), seen AS (
            SELECT standard_id, count(*) FILTER (WHERE met) AS met, count(*) AS made
            FROM observation WHERE org_id = $org AND observed_on BETWEEN $qs AND $qe
            GROUP BY standard_id
        ), standards AS (
            SELECT count(*) FILTER (WHERE s.made > 0 AND 100.0 * s.met / s.made < $target)
                       AS red,
                   count(*) FILTER (WHERE s.made IS NULL) AS unobserved
            FROM standard d LEFT JOIN seen s ON s.standard_id = d.id WHERE d.org_id = $org
        )
        SELECT a.open, a.overdue, c.open, c.overdue, s.red, s.unobserved
        FROM actions a, complaints c, standards s
        """, {"org": org_id, "today": today, "open": list(OPEN_STATUSES), "qs": quarter.start,
              "qe": quarter.end, "target": compliance_target(con, org_id)}).fetchone()
    assert row is not None
    (actions_open, actions_overdue, complaints_open, complaints_overdue, red,
     unobserved) = (int(v) for v in row)
    # Required trainings not yet passed, and of those the overdue: step 7's own figures.
    figures = training.figures(con, org_id, today) if training_figures is None \
        else training_figures
    missing = figures.overall.whole - figures.overall.part
    training_overdue = figures.overdue
    due = tuple(due_updates(con, org_id, today))
    return OrgTotals(str(quarter), len(due), actions_open, actions_overdue, red, unobserved,
                     complaints_open, complaints_overdue, missing, training_overdue, due)
