"""The large organisation for speed measurements, built at 1 % of its size."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from strategy.core.db import Connection, open_database
from strategy.core.periods import Quarter
from strategy.demo.large import SIZES, YEARS, LargeOrganisation, build_large, planned_counts
from strategy.measures import scorecard
from strategy.plan import steps

SCALE = 0.01
TODAY = date.today()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Connection, LargeOrganisation]:
    con = open_database(Path(tmp_path_factory.mktemp("large")) / "large.duckdb")
    return con, build_large(con, scale=SCALE, today=TODAY)


def one(con: Connection, sql: str, *params: object) -> int:
    row = con.execute(sql, list(params)).fetchone()
    assert row is not None
    return int(row[0])


def test_the_counts_scale_as_specified(built: tuple[Connection, LargeOrganisation]) -> None:
    _, large = built
    assert large.planned == planned_counts(SCALE)
    assert large.planned["staff"] == 200 and large.planned["recognitions"] == 10_000
    added = {key: large.after[key] - large.before[key] for key in large.after}
    for key in ("staff", "recognitions", "latest_quarter_recognitions", "observations",
                "survey_answers", "brainstorm_entries", "complaints", "training_completions"):
        assert added[key] == round(SIZES[key] * SCALE), key
    # Teams and measures are totals, never fewer than the demo has.
    for key in ("teams", "measures"):
        assert large.after[key] == max(large.before[key], round(SIZES[key] * SCALE)), key
    assert added["recognition_history"] == added["recognitions"]
    assert added["recognitions"] < added["recognition_recipients"] < 2 * added["recognitions"]
    assert 0 < added["leavers"] < added["staff"] / 3
    assert added["measure_values"] > 0 and added["brainstorm_votes"] > 0


def problems(con: Connection, org_id: int, today: date) -> dict[str, int]:
    """Rows of the organisation that refer to nothing, or break the app's rules (all 0)."""
    start = Quarter.containing(today).shift(-4 * YEARS).start
    checks = {
        "recipient not an employee": """
            SELECT count(*) FROM recognition_recipient r LEFT JOIN employee e
                ON e.id = r.employee_id AND e.org_id = r.org_id
            WHERE r.org_id = $org AND e.id IS NULL""",
        "completion outside the person's employment": """
            SELECT count(*) FROM training_completion c JOIN employee e ON e.id = c.employee_id
            WHERE c.org_id = $org AND NOT (c.completed_on BETWEEN e.hire_date
                                           AND coalesce(e.leave_date, $today))""",
        "team requiring no training": """
            SELECT count(*) FROM team t WHERE t.org_id = $org AND NOT EXISTS (
                SELECT 1 FROM training_requirement r WHERE r.team_id = t.id)""",
        "recipient not employed that day": """
            SELECT count(*) FROM recognition_recipient r JOIN recognition g
                ON g.id = r.recognition_id JOIN employee e ON e.id = r.employee_id
            WHERE r.org_id = $org AND NOT (g.given_on BETWEEN e.hire_date
                                                         AND coalesce(e.leave_date, g.given_on))""",
        "recipient of no recognition": """
            SELECT count(*) FROM recognition_recipient r LEFT JOIN recognition g
                ON g.id = r.recognition_id AND g.org_id = r.org_id
            WHERE r.org_id = $org AND g.id IS NULL""",
        "recognition without recipient": """
            SELECT count(*) FROM recognition g WHERE g.org_id = $org AND NOT EXISTS (
                SELECT 1 FROM recognition_recipient r WHERE r.recognition_id = g.id)""",
        "recognition for no value or standard": """
            SELECT count(*) FROM recognition g WHERE g.org_id = $org
              AND (g.value_id IS NULL) = (g.standard_id IS NULL)
               OR g.org_id = $org AND g.value_id IS NOT NULL AND g.value_id NOT IN (
                    SELECT id FROM org_value WHERE org_id = $org)
               OR g.org_id = $org AND g.standard_id IS NOT NULL AND g.standard_id NOT IN (
                    SELECT id FROM standard WHERE org_id = $org)""",
        "recognition out of range": """
            SELECT count(*) FROM recognition WHERE org_id = $org
              AND (given_on > $today OR given_on < $start - 800)""",
        "observation of no standard or team": """
            SELECT count(*) FROM observation o WHERE o.org_id = $org AND (
                o.standard_id NOT IN (SELECT id FROM standard WHERE org_id = $org)
                OR o.team_id IS NOT NULL AND o.team_id NOT IN (
                    SELECT id FROM team WHERE org_id = $org)
                OR o.observed_on > $today)""",
        "observed employee not in the organisation and team": """
            SELECT count(*) FROM observation o LEFT JOIN employee e
                ON e.id = o.employee_id AND e.org_id = o.org_id AND e.team_id = o.team_id
            WHERE o.org_id = $org AND o.employee_id IS NOT NULL AND e.id IS NULL""",
        "survey scope refers to nothing": """
            SELECT count(*) FROM survey_response s WHERE s.org_id = $org AND NOT (
                s.scope = 'all'
                OR s.scope IN (SELECT 'segment:' || id FROM segment WHERE org_id = $org)
                OR s.scope IN (SELECT 'team:' || id FROM team WHERE org_id = $org))""",
        "survey score off its scale or date": """
            SELECT count(*) FROM survey_response WHERE org_id = $org AND (
                answered_on > $today
                OR kind IN ('nps', 'enps') AND score NOT BETWEEN 0 AND 10
                OR kind IN ('csat', 'effort') AND score NOT BETWEEN 1 AND 5)""",
        "leaves before being hired, or in the future": """
            SELECT count(*) FROM employee WHERE org_id = $org AND (
                leave_date < hire_date OR leave_date > $today OR hire_date > $today
                OR (leave_date IS NULL) <> (leave_kind IS NULL))""",
        "employee in no team": """
            SELECT count(*) FROM employee WHERE org_id = $org
              AND team_id NOT IN (SELECT id FROM team WHERE org_id = $org)""",
        "measure value of no measure or scope": """
            SELECT count(*) FROM measure_value v LEFT JOIN measure m
                ON m.id = v.measure_id AND m.org_id = v.org_id
            WHERE v.org_id = $org AND (m.id IS NULL OR NOT (
                v.scope = 'all'
                OR v.scope IN (SELECT 'segment:' || id FROM segment WHERE org_id = $org)
                OR v.scope IN (SELECT 'team:' || id FROM team WHERE org_id = $org)))""",
        "vote for no entry": """
            SELECT count(*) FROM brainstorm_vote v LEFT JOIN brainstorm_entry e
                ON e.id = v.entry_id WHERE e.id IS NULL""",
    }
    params = {"org": org_id, "today": today, "start": start}
    found = {}
    for name, sql in checks.items():
        used = {key: value for key, value in params.items() if f"${key}" in sql}
        row = con.execute(sql, used).fetchone()
        found[name] = int(row[0]) if row else -1
    # Values must fit their unit, as scorecard.check_value says.
    rows = con.execute("SELECT m.unit, v.value FROM measure_value v JOIN measure m "
                       "ON m.id = v.measure_id WHERE v.org_id = ?", [org_id]).fetchall()
    found["measure value off its unit"] = sum(
        scorecard.check_value(unit, value) is not None for unit, value in rows)
    # Periods are written as the measure's cadence wants, and none has yet to start.
    periods = con.execute("SELECT DISTINCT m.cadence, v.period FROM measure_value v JOIN "
                          "measure m ON m.id = v.measure_id WHERE v.org_id = ?",
                          [org_id]).fetchall()
    found["measure value with a bad period"] = sum(
        scorecard.check_period(cadence, period, today) is not None for cadence, period in periods)
    return found


def test_every_row_refers_to_real_rows_and_keeps_the_rules(
        built: tuple[Connection, LargeOrganisation]) -> None:
    con, large = built
    assert problems(con, large.org.id, TODAY) == dict.fromkeys(
        problems(con, large.org.id, TODAY), 0)
    # The bulk is in the latest full quarter as specified, and scoped as surveys are.
    latest = Quarter.containing(TODAY).shift(-1)
    assert one(con, "SELECT count(DISTINCT scope) FROM survey_response WHERE org_id = ? "
                    "AND scope LIKE 'team:%'", large.org.id) > 1
    assert one(con, "SELECT count(*) FROM recognition WHERE org_id = ? AND given_on "
                    "BETWEEN ? AND ?", large.org.id, latest.start, latest.end) \
        == large.after["latest_quarter_recognitions"]


def test_the_apps_own_figures_work_on_it(built: tuple[Connection, LargeOrganisation]) -> None:
    con, large = built
    latest = Quarter.containing(TODAY).shift(-1)
    rows = scorecard.scorecard(con, large.org.id, latest, today=TODAY)
    assert len(rows) == large.after["measures"]
    by_name = {r.measure.name: r for r in rows}
    assert by_name["NPS"].actual.value is not None and by_name["Engagement"].actual.value
    assert by_name["Recognition per head"].actual.value
    team = one(con, "SELECT min(id) FROM team WHERE org_id = ?", large.org.id)
    assert scorecard.scorecard(con, large.org.id, latest, f"team:{team}", today=TODAY)
    assert steps.statuses(con, large.org.id, TODAY)


def test_a_second_build_of_the_same_name_is_refused(
        built: tuple[Connection, LargeOrganisation]) -> None:
    from strategy.core.errors import StrategyError

    con, large = built
    with pytest.raises(StrategyError):
        build_large(con, large.org.name, scale=SCALE, today=TODAY)
