"""The figures as first written — one quarter at a time, rows pulled into Python —
kept as the reference the set-based SQL versions are held equal to.

Each function here is the code the app used before issue 11 moved the work into
DuckDB; tests/test_equivalence.py compares the two on generated data."""

from __future__ import annotations

import statistics
from datetime import date, timedelta

from strategy.core import audit
from strategy.core.db import Connection
from strategy.core.periods import Quarter
from strategy.core.rates import Rate
from strategy.measures import complaints, impact
from strategy.measures.scorecard import (
    SOURCES,
    Actual,
    DueUpdate,
    Measure,
    due_period,
    list_measures,
)
from strategy.measures.scorecard import months_of as months_of_quarter
from strategy.measures.surveys import SurveyResult, score
from strategy.people import personnel, recognition, training, workforce
from strategy.service import accountability


def survey_result(con: Connection, org_id: int, kind: str, start: date, end: date,
                  scope: str = "all") -> SurveyResult:
    rows = con.execute(
        "SELECT score FROM survey_response WHERE org_id = ? AND kind = ? AND answered_on "
        "BETWEEN ? AND ? AND (? = 'all' OR scope = ?)",
        [org_id, kind, start, end, scope, scope]).fetchall()
    return score(kind, [r[0] for r in rows])


def entered_values(con: Connection, org_id: int, measure_id: int,
                   scope: str = "all") -> dict[str, float]:
    rows = con.execute("SELECT period, value FROM measure_value WHERE org_id = ? AND "
                       "measure_id = ? AND scope = ? ORDER BY period",
                       [org_id, measure_id, scope]).fetchall()
    return {r[0]: float(r[1]) for r in rows}


def _team(scope: str) -> int | None:
    return int(scope.split(":")[1]) if scope.startswith("team:") else None


def actual(con: Connection, org_id: int, measure: Measure, quarter: Quarter,
           scope: str = "all", today: date | None = None) -> Actual:
    today = today or date.today()
    if quarter.start > today:
        return Actual(None)
    if measure.source == "manual":
        values = entered_values(con, org_id, measure.id, scope)
        periods = months_of_quarter(quarter) if measure.cadence == "monthly" else [str(quarter)]
        present = [p for p in periods if p in values]
        if not present:
            return Actual(None)
        return Actual(values[present[-1]], detail=f"value for {present[-1]}")
    if measure.source == "survey":
        assert measure.formula is not None
        result = survey_result(con, org_id, measure.formula, quarter.start, quarter.end, scope)
        return Actual(result.value, result.n, result.counts_text(), result)
    return _derived(con, org_id, measure.formula or "", quarter, scope, today)


def _derived(con: Connection, org_id: int, formula: str, quarter: Quarter, scope: str,
             today: date) -> Actual:
    team = _team(scope)
    if scope.startswith("segment:"):
        if formula in REGISTER:
            return _register(con, org_id, formula, quarter, int(scope.split(":")[1]), today)
        return Actual(None, detail="not kept per segment")
    if formula in REGISTER and formula != "complaints":
        return Actual(None, detail="not kept per team") if team is not None else \
            _register(con, org_id, formula, quarter, None, today)
    end = min(quarter.end, today)
    if formula in ("turnover", "retention"):
        staff = [e for e in personnel.list_employees(con, org_id)
                 if team is None or e.team_id == team]
        figures = workforce.figures(staff, quarter.start, quarter.end)
        if formula == "turnover":
            return Actual(figures.turnover, None,
                          f"{figures.leavers} leavers, average headcount "
                          f"{figures.average_headcount:g}")
        return Actual(figures.retention.value, figures.retention.whole,
                      f"{figures.retained} of {figures.opening} retained")
    if formula == "training_coverage":
        rows = training.coverage(con, org_id, end)
        if team is not None:
            name = personnel.get_team_name(con, org_id, team)
            rows = [r for r in rows if r.team == name]
        part, whole = sum(r.covered.part for r in rows), sum(r.covered.whole for r in rows)
        return Actual(100 * part / whole if whole else None, whole, f"{part} of {whole} passed")
    if formula == "recognition_per_head":
        teams = recognition.per_head_by_team(con, org_id, quarter.start, end)
        if team is not None:
            name = personnel.get_team_name(con, org_id, team)
            teams = [t for t in teams if t.team == name]
        headcount, received = sum(t.staff for t in teams), sum(t.received for t in teams)
        return Actual(received / headcount if headcount else None, headcount,
                      f"{received} recognitions, {headcount} staff")
    if formula == "compliance_rate":
        observed = accountability.compliance(con, org_id, quarter, "team")
        if team is not None:
            observed = [r for r in observed if r.key == team]
        met, total = sum(r.rate.part for r in observed), sum(r.rate.whole for r in observed)
        return Actual(100 * met / total if total else None, total,
                      f"{met} of {total} observations met")
    if formula == "complaints":
        if team is not None:
            return Actual(None)
        from_register = _register(con, org_id, formula, quarter, None, today)
        if from_register.value:  # a quarter with complaints in the register
            return from_register
        saved = impact.load(con, org_id, quarter)
        if saved is None:
            return Actual(None)
        return Actual(float(saved.inputs.complaints), detail="typed into the impact model")
    return Actual(None)


REGISTER = {"complaints", "compliments", "resolve_days", "resolved_within_target"}


def _register(con: Connection, org_id: int, formula: str, quarter: Quarter,
              segment_id: int | None, today: date) -> Actual:
    """The complaints register's figures, row by row, for the complaints received in the
    quarter (see strategy/complaints.py for the definitions)."""
    rows = con.execute(
        "SELECT kind, received_on, resolved_on FROM complaint WHERE org_id = ? AND "
        "received_on BETWEEN ? AND ? AND (CAST(? AS BIGINT) IS NULL OR segment_id = ?)",
        [org_id, quarter.start, quarter.end, segment_id, segment_id]).fetchall()
    if not rows:
        return Actual(None)
    raised = [r for r in rows if r[0] == "complaint"]
    if formula == "complaints":
        return Actual(float(len(raised)), detail="from the complaints register")
    if formula == "compliments":
        return Actual(float(len(rows) - len(raised)), detail="from the complaints register")
    days = [complaints.working_days(r[1], r[2]) for r in raised if r[2] is not None]
    if formula == "resolve_days":
        return Actual(float(statistics.median(days)), len(days),
                      f"median of {len(days)} resolved") if days else Actual(None)
    target = complaints.target_days(con, org_id)
    decided = [r for r in raised if r[2] is not None
               or complaints.working_days(r[1], today) > target]
    quick = [d for d in days if d <= target]
    if not decided:
        return Actual(None)
    return Actual(100 * len(quick) / len(decided), len(decided),
                  f"{len(quick)} of {len(decided)} with a known outcome")


def due_updates(con: Connection, org_id: int, today: date) -> list[DueUpdate]:
    due = []
    for measure in list_measures(con, org_id):
        if measure.source == "derived":
            continue
        period = due_period(measure.cadence, today)
        if measure.source == "manual":
            missing = period not in entered_values(con, org_id, measure.id)
        else:
            quarter = audit.quarter_of(period)
            start, end = quarter.start, quarter.end
            if measure.cadence == "monthly":
                year, month = (int(x) for x in period.split("-"))
                start = date(year, month, 1)
                end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            assert measure.formula is not None
            missing = survey_result(con, org_id, measure.formula, start, end).n == 0
        if missing:
            due.append(DueUpdate(measure.name, period, measure.owner or "(no owner)",
                                 SOURCES[measure.source]))
    return due


NOT_RECOGNISED = """
    SELECT e.id, e.name, coalesce(t.name, ''), max(r.given_on)
    FROM employee e LEFT JOIN team t ON t.id = e.team_id
    LEFT JOIN recognition_recipient rr ON rr.employee_id = e.id
    LEFT JOIN recognition r ON r.id = rr.recognition_id AND r.deleted_at IS NULL
         AND r.given_on <= ?
    WHERE e.org_id = ? AND e.hire_date <= ? AND (e.leave_date IS NULL OR e.leave_date >= ?)
    GROUP BY e.id, e.name, t.name
    HAVING max(r.given_on) IS NULL OR max(r.given_on) < ?
"""


def not_recognised(con: Connection, org_id: int, on: date,
                   days: int) -> list[recognition.Unrecognised]:
    since = on - timedelta(days=days - 1)
    rows = con.execute(NOT_RECOGNISED + " ORDER BY max(r.given_on) NULLS FIRST, e.name",
                       [on, org_id, on, on, since]).fetchall()
    return [recognition.Unrecognised(*r) for r in rows]


STAFF_AND_RECEIVED = """
    staff AS (SELECT e.id, e.name, e.team_id FROM employee e WHERE e.org_id = ?
              AND e.hire_date <= ? AND (e.leave_date IS NULL OR e.leave_date >= ?)),
    received AS (SELECT rr.employee_id, count(*) AS n FROM recognition_recipient rr
                 JOIN recognition r ON r.id = rr.recognition_id
                 WHERE r.org_id = ? AND r.deleted_at IS NULL AND r.given_on BETWEEN ? AND ?
                 GROUP BY rr.employee_id)
"""


def per_head_by_team(con: Connection, org_id: int, start: date,
                     end: date) -> list[recognition.TeamRecognition]:
    rows = con.execute(
        "WITH " + STAFF_AND_RECEIVED + """
        SELECT coalesce(t.name, '(no team)'), count(s.id), coalesce(sum(rc.n), 0),
               count(rc.employee_id)
        FROM staff s LEFT JOIN team t ON t.id = s.team_id
        LEFT JOIN received rc ON rc.employee_id = s.id
        GROUP BY 1 ORDER BY 1
        """, [org_id, end, start, org_id, start, end]).fetchall()
    return [recognition.TeamRecognition(r[0], int(r[1]), int(r[2]), int(r[3])) for r in rows]


def spread_counts(con: Connection, org_id: int, start: date, end: date) -> list[int]:
    rows = con.execute("WITH " + STAFF_AND_RECEIVED + """
        SELECT coalesce(rc.n, 0) FROM staff s LEFT JOIN received rc ON rc.employee_id = s.id
        ORDER BY 1 DESC
        """, [org_id, end, start, org_id, start, end]).fetchall()
    return [int(r[0]) for r in rows]


def log_ids(con: Connection, org_id: int, start: date, end: date, team_id: int | None = None,
            text: str | None = None) -> list[int]:
    """The recognition log's records between two days, newest first, filtered in Python
    from the records and their recipients' staff records (not the recipients' own days)."""
    records = con.execute(
        "SELECT id, given_on, giver, what FROM recognition WHERE org_id = ? "
        "AND deleted_at IS NULL AND given_on BETWEEN ? AND ?", [org_id, start, end]).fetchall()
    people: dict[int, list[tuple[int | None, str]]] = {}
    for record_id, team, name in con.execute(
            "SELECT rr.recognition_id, e.team_id, e.name FROM recognition_recipient rr "
            "JOIN employee e ON e.id = rr.employee_id WHERE e.org_id = ?", [org_id]).fetchall():
        people.setdefault(record_id, []).append((team, name))

    def found(record: tuple[object, ...]) -> bool:
        record_id, _, giver, what = record
        mine = people.get(int(str(record_id)), [])
        if team_id is not None and all(team != team_id for team, _ in mine):
            return False
        if text is None:
            return True
        wanted = text.lower()
        return any(wanted in str(v).lower() for v in (giver, what, *(n for _, n in mine)))

    chosen = [r for r in records if found(r)]
    return [int(str(r[0])) for r in sorted(chosen, key=lambda r: (r[1], r[0]), reverse=True)]


def acknowledgement_coverage(con: Connection, org_id: int,
                             on: date) -> list[accountability.Coverage]:
    """Per team, every (person, standard) pair listed, then counted."""
    rows = con.execute(
        """
        WITH staff AS (
            SELECT id, team_id FROM employee
            WHERE org_id = ? AND hire_date <= ? AND (leave_date IS NULL OR leave_date >= ?)
        ), required AS (
            SELECT s.id AS employee_id, s.team_id, st.standard_id
            FROM staff s JOIN standard_team st ON st.team_id = s.team_id
        )
        SELECT t.name,
               (SELECT count(*) FROM staff WHERE staff.team_id = t.id),
               (SELECT count(*) FROM standard_team st WHERE st.team_id = t.id),
               count(a.id), count(r.standard_id)
        FROM team t
        LEFT JOIN required r ON r.team_id = t.id
        LEFT JOIN acknowledgement a ON a.standard_id = r.standard_id
             AND a.employee_id = r.employee_id AND a.acknowledged_on <= ?
        WHERE t.org_id = ?
        GROUP BY t.id, t.name ORDER BY lower(t.name)
        """, [org_id, on, on, on, org_id]).fetchall()
    return [accountability.Coverage(r[0], int(r[1]), int(r[2]), Rate(int(r[3]), int(r[4])))
            for r in rows]


def acknowledged_standards(con: Connection, org_id: int, on: date, share: float) -> set[int]:
    """Standards acknowledged by at least ``share`` % of the current staff of their
    teams, every (standard, person) pair listed."""
    return {int(r[0]) for r in con.execute(
        """
        WITH staff AS (
            SELECT id, team_id FROM employee WHERE org_id = $org AND hire_date <= $today
              AND (leave_date IS NULL OR leave_date >= $today)
        ), required AS (
            SELECT DISTINCT st.standard_id, s.id AS employee_id
            FROM standard_team st JOIN staff s ON s.team_id = st.team_id
            WHERE st.org_id = $org
        )
        SELECT r.standard_id FROM required r
        LEFT JOIN acknowledgement a ON a.org_id = $org AND a.standard_id = r.standard_id
             AND a.employee_id = r.employee_id AND a.acknowledged_on <= $today
        GROUP BY r.standard_id HAVING count(a.id) >= $share / 100 * count(*)
        """, {"org": org_id, "today": on, "share": share}).fetchall()}


def _training_pairs(con: Connection, org_id: int,
                    on: date) -> list[tuple[str | None, str, str, int, int, date, bool, str]]:
    """Every (current person, required module) pair, looked at one by one: (team,
    module, person, person's id, module's id, due, passed by ``on``, person's number)."""
    staff = con.execute(
        "SELECT e.id, e.name, t.name, e.team_id, e.role, e.hire_date, e.number FROM employee e "
        "LEFT JOIN team t ON t.id = e.team_id WHERE e.org_id = ? AND e.hire_date <= ? "
        "AND (e.leave_date IS NULL OR e.leave_date >= ?)", [org_id, on, on]).fetchall()
    requirements = con.execute(
        "SELECT r.module_id, m.name, m.due_within_days, r.team_id, r.role, r.required_since "
        "FROM training_requirement r JOIN training_module m ON m.id = r.module_id "
        "WHERE r.org_id = ?", [org_id]).fetchall()
    passed = {(int(r[0]), int(r[1])) for r in con.execute(
        "SELECT employee_id, module_id FROM training_completion "
        "WHERE org_id = ? AND passed AND completed_on <= ?", [org_id, on]).fetchall()}
    pairs = []
    for person, name, team, team_id, role, hired, number in staff:
        starts: dict[int, tuple[str, int, date]] = {}
        for module, module_name, due_days, req_team, req_role, since in requirements:
            if not ((req_team is not None and req_team == team_id) or (
                    req_role is not None and role is not None
                    and req_role.lower() == role.lower())):
                continue
            start = max(hired, since) if since is not None else hired
            if module not in starts or start < starts[module][2]:
                starts[module] = (module_name, due_days, start)
        for module, (module_name, due_days, start) in starts.items():
            pairs.append((team, module_name, name, int(person), int(module),
                          start + timedelta(days=int(due_days)),
                          (int(person), int(module)) in passed, number))
    return pairs


def training_figures(con: Connection, org_id: int,
                     on: date) -> list[tuple[str | None, str, int, int, int]]:
    """Per team and module: (team, module, passed, required, late), every pair counted."""
    counts: dict[tuple[str | None, str], list[int]] = {}
    for team, module, _, _, _, due, done, _ in _training_pairs(con, org_id, on):
        row = counts.setdefault((team, module), [0, 0, 0])
        row[0] += done
        row[1] += 1
        row[2] += not done and due < on
    return sorted(((team, module, row[0], row[1], row[2])
                   for (team, module), row in counts.items()),
                  key=lambda r: (r[0] if r[0] is not None else "(no team)", r[1]))


def overdue(con: Connection, org_id: int, on: date) -> list[training.Overdue]:
    """Who is late with which module: every pair past due and not passed, longest overdue
    first, people of one name in the order of their ids."""
    late = [p for p in _training_pairs(con, org_id, on) if not p[6] and p[5] < on]
    late.sort(key=lambda p: (p[5], p[2], p[1], p[3], p[4]))
    return [training.Overdue(p[2], p[0] or "", p[1], p[5], p[7]) for p in late]
