"""The set-based SQL figures equal the first, quarter-at-a-time Python ones.

Issue 11 moved turnover, retention, survey scores, training coverage, recognition
per head, compliance, the due updates and "not recognised" into DuckDB. Here a
seeded generator makes an organisation full of awkward cases — people without a
team, leave dates without a kind, recognition deleted or given outside someone's
employment, blank survey answers, answers per team and segment, failed training,
a second organisation with the same role names — and every rewritten figure is
compared with its reference in tests/reference.py (or the Python definition it
always had), for several quarters, teams and days.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from strategy.core import access
from strategy.core.db import Connection, open_database, transaction
from strategy.core.orgs import Organisation
from strategy.core.periods import Quarter
from strategy.demo.riverbend import load_demo
from strategy.io import backup
from strategy.measures import scorecard, surveys
from strategy.people import personnel, recognition, training, workforce
from strategy.service import accountability
from tests import reference

# The same domain code on DuckDB and on PostgreSQL (issue 24).
pytestmark = pytest.mark.both_databases

TODAY = date(2026, 11, 18)
CURRENT = Quarter.containing(TODAY)
QUARTERS = [CURRENT.shift(-n) for n in range(9, -2, -1)]  # ten past, this one, the next


def _insert(con: Connection, table: str, columns: list[str],
            rows: Sequence[Sequence[object]]) -> None:
    """Many rows in one statement (one INSERT per row would take a minute)."""
    if rows:
        values = ", ".join(f"unnest(${i + 1}) AS c{i}" for i in range(len(columns)))
        con.execute(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {values}",
                    [list(column) for column in zip(*rows, strict=True)])


def _ids(con: Connection, org_id: int, table: str) -> list[int]:
    return [r[0] for r in con.execute(f"SELECT id FROM {table} WHERE org_id = ? ORDER BY id",
                                      [org_id]).fetchall()]


def _generate(con: Connection, org_id: int, seed: int) -> None:
    rng = random.Random(seed)
    start = QUARTERS[0].start - timedelta(days=400)

    def day(low: date = start, high: date = TODAY) -> date:
        return low + timedelta(days=rng.randint(0, (high - low).days))

    teams = _ids(con, org_id, "team")
    roles = ["Adviser", "Team leader", "adviser", "Engineer", ""]
    with transaction(con):
        rows: list[tuple[object, ...]] = []
        for i in range(260):
            hired = day()
            left = day(hired) if rng.random() < 0.35 else None
            rows.append((org_id, f"G{seed}-{i}", f"Generated {rng.choice('ABCDEFG')}{i}",
                         rng.choice([*teams, None]), rng.choice(roles), hired, left,
                         rng.choice(["voluntary", "involuntary", None]) if left else None,
                         rng.choice(["", "Pay", "Moved away", "pay"]) if left else ""))
        # Three people of one name, team, role and start: late with the same modules
        # on the same days, so that lists of them are ordered by more than names.
        rows += [(org_id, f"G{seed}-twin{i}", "Generated Twin", teams[0], "Adviser",
                  start, None, None, "") for i in range(3)]
        _insert(con, "employee", ["org_id", "number", "name", "team_id", "role", "hire_date",
                                  "leave_date", "leave_kind", "leave_reason"], rows)
        staff = _ids(con, org_id, "employee")
        first = con.execute("SELECT nextval('id_seq')").fetchone()
        assert first is not None
        # Far enough past the sequence that these ids are never handed out again here.
        base = int(first[0]) + 1_000_000 * seed
        given = [(base + i, org_id, day(QUARTERS[0].start - timedelta(days=200)), "G", "peer",
                  f"Thing {i}", "thanks", "gen", TODAY if rng.random() < 0.05 else None)
                 for i in range(1500)]
        _insert(con, "recognition", ["id", "org_id", "given_on", "giver", "giver_kind", "what",
                                     "reward", "created_by", "deleted_at"], given)
        # Some recipients were not employed that day (older imports allowed it).
        _insert(con, "recognition_recipient", ["recognition_id", "org_id", "employee_id",
                                               "given_on", "live"],
                [(g[0], org_id, e, g[2], g[8] is None) for g in given
                 for e in rng.sample(staff, rng.choice([1, 1, 1, 2, 3]))])
        standards = _ids(con, org_id, "standard")
        _insert(con, "observation", ["org_id", "standard_id", "observed_on", "observer",
                                     "team_id", "met"],
                [(org_id, rng.choice(standards), day(QUARTERS[0].start), "G",
                  rng.choice([*teams, None]), rng.random() < 0.8) for _ in range(900)])
        segments = _ids(con, org_id, "segment")
        scopes = ["all", *(f"team:{t}" for t in teams[:3]),
                  *(f"segment:{s}" for s in segments[:3])]
        answers = []
        for _ in range(2500):
            kind = rng.choice(list(surveys.SCALES))
            low, high = surveys.SCALES[kind]
            answers.append((org_id, kind, day(QUARTERS[0].start),
                            None if rng.random() < 0.07 else rng.randint(low, high),
                            rng.choice(scopes)))
        _insert(con, "survey_response", ["org_id", "kind", "answered_on", "score", "scope"],
                answers)
        modules = _ids(con, org_id, "training_module")
        # Some roles' modules from a later date too: a module a person's team and role
        # both require counts once, from the earlier of the two.
        _insert(con, "training_requirement", ["org_id", "module_id", "role", "required_since"],
                [(org_id, m, rng.choice(roles[:4]), rng.choice([None, None, day()]))
                 for m in modules])
        # Training as organisations keep it (issue 23): every team requires modules,
        # some from a later date, and most people took theirs, some more than once.
        _insert(con, "training_requirement", ["org_id", "module_id", "team_id",
                                              "required_since"],
                [(org_id, m, t, rng.choice([None, day()])) for t in teams
                 for m in rng.sample(modules, 2)])
        _insert(con, "training_completion", ["org_id", "module_id", "employee_id",
                                             "completed_on", "passed"],
                [(org_id, rng.choice(modules), rng.choice(staff), day(), rng.random() < 0.8)
                 for _ in range(2500)])
        # The register: complaints and compliments over the last four quarters (with
        # and without a segment, open and resolved), beside the demo's own.
        received = [day(CURRENT.shift(-3).start) for _ in range(400)]
        _insert(con, "complaint", ["org_id", "kind", "received_on", "resolved_on", "segment_id",
                                   "what_happened", "recorded_by"],
                [(org_id, "compliment" if rng.random() < 0.2 else "complaint", r,
                  min(r + timedelta(days=rng.choice([0, 1, 2, 3, 5, 9])), TODAY)
                  if rng.random() < 0.7 else None, rng.choice([*segments[:2], None]), "G", "G")
                 for r in received])
        for quarter in rng.sample(QUARTERS[:-1], 5):
            con.execute("INSERT INTO impact_model SELECT * REPLACE (? AS period, ? AS complaints) "
                        "FROM impact_model WHERE org_id = ? LIMIT 1 ON CONFLICT DO NOTHING",
                        [str(quarter), rng.randint(0, 900), org_id])
        values = {}
        for measure in scorecard.list_measures(con, org_id):
            if measure.source != "manual":
                continue
            for quarter in QUARTERS[:-1]:
                periods = scorecard.months_of(quarter) if measure.cadence == "monthly" \
                    else [str(quarter)]
                for period in periods:
                    for scope in scopes[:5]:
                        if rng.random() < 0.6:
                            values[(measure.id, period, scope)] = round(rng.uniform(0, 100), 2)
        con.execute("DELETE FROM measure_value WHERE org_id = ?", [org_id])
        _insert(con, "measure_value", ["org_id", "measure_id", "period", "scope", "value"],
                [(org_id, *key, value) for key, value in values.items()])
        # Acknowledgements by the generated staff, from almost none of a standard's
        # teams to all of them, and some of standards not their team's (which do not
        # count). A generator of its own, so the data above stays as it was.
        ack = random.Random(seed + 1000)
        team_of = dict(con.execute("SELECT id, team_id FROM employee WHERE org_id = ? "
                                   "AND number LIKE 'G%'", [org_id]).fetchall())
        applies = con.execute("SELECT standard_id, team_id FROM standard_team WHERE org_id = ?",
                              [org_id]).fetchall()
        keen = {standard: ack.choice([0.2, 0.9, 0.97, 1.0]) for standard, _ in applies}
        acknowledged = {(standard, person) for standard, team in applies
                        for person, theirs in team_of.items()
                        if theirs == team and ack.random() < keen[standard]}
        acknowledged |= {(ack.choice(applies)[0], person)
                         for person in ack.sample(sorted(team_of), 40)}
        _insert(con, "acknowledgement", ["org_id", "standard_id", "employee_id",
                                         "acknowledged_on"],
                [(org_id, standard, person, day()) for standard, person in sorted(acknowledged)])


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def generated(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
              ) -> Iterator[tuple[Connection, Organisation]]:
    """The generated organisations, on each database: made in DuckDB, then restored from
    a backup into PostgreSQL, so that both hold the same rows and their figures are held
    to the same references."""
    con, org = request.getfixturevalue("_generated_duckdb")
    if request.param == "duckdb":
        yield con, org
        return
    from tests.conftest import _postgres_copy

    zipped = Path(tmp_path_factory.mktemp("equivalence_backup")) / "generated.zip"
    with access.acting(access.Identity.shell("Generator")):
        backup.create_backup(con, zipped)
        for copy in _postgres_copy(request.getfixturevalue("postgres"),
                                   request.getfixturevalue("postgres_template")):
            backup.restore_into_postgres(zipped, copy)
            yield copy, org


@pytest.fixture(scope="module")
def _generated_duckdb(tmp_path_factory: pytest.TempPathFactory
                      ) -> tuple[Connection, Organisation]:
    con = open_database(Path(tmp_path_factory.mktemp("equivalence")) / "gen.duckdb")
    with access.acting(access.Identity.shell("Generator")):
        org = load_demo(con, "Generated", TODAY)
        other = load_demo(con, "Same roles elsewhere", TODAY)
        # Every kind of measure the app can compute, beside the starting set.
        for name, source, formula, unit in (
                ("CSAT", "survey", "csat", "%"), ("Effort", "survey", "effort", "score (1–5)"),
                ("NPS", "survey", "nps", "NPS points"),
                ("Compliance", "derived", "compliance_rate", "%"),
                ("Complaints", "derived", "complaints", "count"),
                ("Compliments", "derived", "compliments", "count"),
                ("Days to resolve", "derived", "resolve_days", "days"),
                ("Resolved in time", "derived", "resolved_within_target", "%"),
                ("Retention of staff", "derived", "retention", "%")):
            if not any(m.formula == formula for m in scorecard.list_measures(con, org.id)):
                scorecard.add_measure(con, org.id, scorecard.MeasureInput(
                    name, "customer", unit, "higher", "quarterly", source, formula, 50, 5))
        _generate(con, org.id, 1)
        _generate(con, other.id, 2)
        for made in (org, other):
            recognition.rebuild_tally(con, made.id)
    return con, org


def scopes(con: Connection, org_id: int) -> list[str]:
    teams = [r[0] for r in con.execute("SELECT id FROM team WHERE org_id = ? ORDER BY id",
                                       [org_id]).fetchall()]
    segment = con.execute("SELECT min(id) FROM segment WHERE org_id = ?", [org_id]).fetchone()
    assert segment is not None
    return ["all", *(f"team:{t}" for t in teams), f"segment:{segment[0]}"]


def test_the_generated_data_has_the_awkward_cases(
        generated: tuple[Connection, Organisation]) -> None:
    con, org = generated
    row = con.execute(
        """
        SELECT (SELECT count(*) FROM employee WHERE org_id = $o AND team_id IS NULL),
               (SELECT count(*) FROM employee WHERE org_id = $o AND leave_date IS NOT NULL
                                                    AND leave_kind IS NULL),
               (SELECT count(*) FROM recognition WHERE org_id = $o AND deleted_at IS NOT NULL),
               (SELECT count(*) FROM recognition_recipient rr JOIN recognition r
                    ON r.id = rr.recognition_id JOIN employee e ON e.id = rr.employee_id
                WHERE r.org_id = $o AND NOT r.given_on BETWEEN e.hire_date
                                                          AND coalesce(e.leave_date, r.given_on)),
               (SELECT count(*) FROM survey_response WHERE org_id = $o AND score IS NULL),
               (SELECT count(*) FROM training_completion WHERE org_id = $o AND NOT passed)
        """, {"o": org.id}).fetchone()
    assert row is not None and all(n > 0 for n in row), row


def test_headcount_figures_equal_the_python_definition(
        generated: tuple[Connection, Organisation]) -> None:
    con, org = generated
    staff = personnel.list_employees(con, org.id)
    # The whole organisation, and each team on its own.
    assert workforce.quarter_figures(con, org.id, QUARTERS) == [
        replace(workforce.figures(staff, q.start, q.end), reasons={}) for q in QUARTERS]
    for team in personnel.list_teams(con, org.id):
        members = [e for e in staff if e.team_id == team.id]
        assert workforce.quarter_figures(con, org.id, QUARTERS, team.id) == [
            replace(workforce.figures(members, q.start, q.end), reasons={}) for q in QUARTERS]
    expected = [(r.quarter, r.team, replace(r.figures, reasons={}))
                for r in workforce.by_quarter_and_team(staff, QUARTERS)]
    got = [(r.quarter, r.team, r.figures)
           for r in workforce.team_quarter_figures(con, org.id, QUARTERS)]
    assert got == expected


def test_leave_reasons_equal_the_python_count(generated: tuple[Connection, Organisation]) -> None:
    con, org = generated
    staff = personnel.list_employees(con, org.id)
    for q in QUARTERS:
        expected = workforce.figures(staff, q.start, q.end).reasons
        with access.acting(access.Identity.shell("HR")):
            got = workforce.leave_reasons(con, org.id, q.start, q.end)
        assert got == expected
        # Most frequent first; ties in the order of their text.
        assert list(got.items()) == sorted(got.items(), key=lambda kv: (-kv[1], kv[0]))


def test_survey_figures_from_counts_equal_those_from_raw_answers(
        generated: tuple[Connection, Organisation]) -> None:
    con, org = generated
    kinds = list(surveys.SCALES)
    for scope in scopes(con, org.id):
        series = scorecard.survey_series(con, org.id, kinds, QUARTERS, scope)
        for kind in kinds:
            for q in QUARTERS:
                expected = reference.survey_result(con, org.id, kind, q.start, q.end, scope)
                assert series[(kind, str(q))] == expected
                assert scorecard.survey_result(con, org.id, kind, q.start, q.end,
                                               scope) == expected


def test_every_measure_over_the_quarters_equals_the_quarter_at_a_time_reference(
        generated: tuple[Connection, Organisation]) -> None:
    con, org = generated
    defined = scorecard.list_measures(con, org.id)
    assert {m.formula for m in defined if m.source == "derived"} == set(scorecard.DERIVED)
    assert {m.formula for m in defined if m.source == "survey"} >= {"csat", "effort", "nps"}
    for scope in scopes(con, org.id):
        series = scorecard.actual_series(con, org.id, defined, QUARTERS, scope, TODAY)
        for measure in defined:
            expected = [reference.actual(con, org.id, measure, q, scope, TODAY)
                        for q in QUARTERS]
            assert series[measure.id] == expected, (measure.name, scope)
    # Something was found in each source, so the comparison is not of empties.
    whole = scorecard.actual_series(con, org.id, defined, QUARTERS, "all", TODAY)
    assert all(any(a.value is not None for a in whole[m.id]) for m in defined)


def test_the_scorecard_is_built_from_the_series(
        generated: tuple[Connection, Organisation]) -> None:
    con, org = generated
    rows = scorecard.scorecard(con, org.id, CURRENT.shift(-1), today=TODAY)
    for row in rows:
        span = [Quarter.parse(q) for q in row.trend_quarters]
        expected = [reference.actual(con, org.id, row.measure, q, "all", TODAY) for q in span]
        assert row.trend == [a.value for a in expected]
        assert row.actual == expected[-1]


def test_coverage_per_head_and_compliance_series_equal_their_one_period_versions(
        generated: tuple[Connection, Organisation]) -> None:
    con, org = generated
    ends = [min(q.end, TODAY) for q in QUARTERS]
    teams = [None, *(t.id for t in personnel.list_teams(con, org.id))]
    names = {t.id: t.name for t in personnel.list_teams(con, org.id)}
    for team in teams:
        coverage = training.coverage_series(con, org.id, ends, team)
        per_head = recognition.per_head_series(con, org.id, QUARTERS, ends, team)
        compliance = accountability.compliance_series(con, org.id, QUARTERS, team)
        for i, q in enumerate(QUARTERS):
            rows = [r for r in training.coverage(con, org.id, ends[i])
                    if team is None or r.team == names[team]]
            assert (coverage[i].part, coverage[i].whole) == (
                sum(r.covered.part for r in rows), sum(r.covered.whole for r in rows))
            heads = [t for t in recognition.per_head_by_team(con, org.id, q.start, ends[i])
                     if team is None or t.team == names[team]]
            assert per_head[i] == (sum(t.received for t in heads), sum(t.staff for t in heads))
            observed = [r for r in accountability.compliance(con, org.id, q, "team")
                        if team is None or r.key == team]
            assert (compliance[i].part, compliance[i].whole) == (
                sum(r.rate.part for r in observed), sum(r.rate.whole for r in observed))


def test_training_is_required_by_role_within_the_organisation_only(
        generated: tuple[Connection, Organisation]) -> None:
    """Both organisations require modules of "Adviser"; each counts only its own."""
    con, org = generated
    required = con.execute(
        """
        SELECT count(*) FROM (
            SELECT DISTINCT e.id, r.module_id FROM employee e JOIN training_requirement r
                ON r.org_id = e.org_id AND (r.team_id = e.team_id OR lower(r.role) = lower(e.role))
            WHERE e.org_id = ? AND e.hire_date <= ? AND coalesce(e.leave_date, ?) >= ?)
        """, [org.id, TODAY, TODAY, TODAY]).fetchone()
    assert required is not None
    assert training.overall_coverage(con, org.id, TODAY).whole == required[0]


def test_training_figures_and_the_overdue_list_equal_every_pair_looked_at(
        generated: tuple[Connection, Organisation]) -> None:
    """Coverage, lateness and who is late, per team and module, against each current
    person's required modules listed one by one (team and role requirements, later
    starts, people in no team, failed and repeated completions, leavers)."""
    con, org = generated
    for on in (TODAY, TODAY - timedelta(days=200), TODAY - timedelta(days=700)):
        expected = reference.training_figures(con, org.id, on)
        assert training.figures(con, org.id, on).rows == expected
        late = reference.overdue(con, org.id, on)
        assert training.overdue(con, org.id, on) == late
        # As the Overdue tab reads them: the figures and one page, together.
        read, page = training.figures_and_overdue(con, org.id, on, 7, 7)
        assert read.rows == expected and page == late[7:14]
    figures = training.figures(con, org.id, TODAY)
    assert any(team is None for team, *_ in figures.rows)
    assert figures.overdue > 0 and 0 < figures.overall.part < figures.overall.whole
    # The cases the reference is there for are in the data: people late with one module
    # on one day who share a name, and a module someone's team and role both require
    # from different days.
    late = reference.overdue(con, org.id, TODAY)
    assert any((a.due, a.employee, a.module) == (b.due, b.employee, b.module)
               for a, b in pairwise(late))
    assert con.execute(
        """
        SELECT count(*) FROM employee e
        JOIN training_requirement t ON t.team_id = e.team_id
        JOIN training_requirement r ON lower(r.role) = lower(e.role)
             AND r.module_id = t.module_id AND r.org_id = e.org_id
        WHERE e.org_id = ? AND t.required_since IS DISTINCT FROM r.required_since
        """, [org.id]).fetchone() != (0,)


def test_the_overdue_count_is_the_length_of_the_overdue_list(
        generated: tuple[Connection, Organisation]) -> None:
    con, org = generated
    for on in (TODAY, TODAY - timedelta(days=200), TODAY - timedelta(days=700)):
        assert training.count_overdue(con, org.id, on) == len(training.overdue(con, org.id, on))
    assert training.count_overdue(con, org.id, TODAY) > 0


def test_not_recognised_equals_the_reference(generated: tuple[Connection, Organisation]) -> None:
    con, org = generated
    with access.acting(access.Identity.shell("HR")):
        for on in (TODAY, TODAY - timedelta(days=100), QUARTERS[3].end):
            for days in (1, 30, 90, 400):
                expected = reference.not_recognised(con, org.id, on, days)
                assert recognition.not_recognised(con, org.id, on, days) == expected
                assert recognition.count_not_recognised(con, org.id, on, days) == len(expected)
        assert any(u.last_recognised is None for u in expected)
        assert any(u.last_recognised is not None for u in expected)


def test_the_recognition_logs_filters_equal_the_reference(
        generated: tuple[Connection, Organisation]) -> None:
    """A team's or a searched name's recognitions come from the recipients' own days
    (migration 21): the same records as a look through every record and its people,
    deleted ones and other dates left out."""
    con, org = generated
    teams = _ids(con, org.id, "team")
    with access.acting(access.Identity.shell("HR")):
        for quarter in (QUARTERS[2], QUARTERS[8]):
            for team, text in ((None, None), (teams[0], None), (teams[1], None),
                               (None, "generated b"), (teams[0], "Generated"),
                               (None, "thing 1"), (None, "nobody has this"),
                               # Matched by the giver and by a recipient's name: both.
                               (None, "g"), (teams[1], "1")):
                expected = reference.log_ids(con, org.id, quarter.start, quarter.end,
                                             team, text)
                filters = recognition.LogFilter(quarter.start, quarter.end, team_id=team,
                                                text=text)
                assert [r.id for r in recognition.list_recognitions(
                    con, org.id, filters)] == expected, (quarter, team, text)
                assert recognition.count_recognitions(con, org.id, filters) == len(expected)
                if team is not None or text == "generated b":
                    assert expected, (quarter, team, text)


def test_acknowledgements_counted_per_team_equal_the_pairs_listed(
        generated: tuple[Connection, Organisation]) -> None:
    """Step 5's acknowledged standards and the coverage per team, counted as staff
    times standards, equal the (person, standard) pairs listed and counted."""
    con, org = generated
    seen: set[int] = set()
    for on in (TODAY, TODAY - timedelta(days=200), TODAY - timedelta(days=900)):
        assert accountability.acknowledgement_coverage(con, org.id, on) == \
            reference.acknowledgement_coverage(con, org.id, on)
        for share in (0, 1, 5, 50, 90, 100):
            found = accountability.acknowledged_standards(con, org.id, on, share)
            assert found == reference.acknowledged_standards(con, org.id, on, share), \
                (on, share)
            seen.add(len(found))
    assert len(seen) > 2  # the shares made a difference
    assert any(c.acknowledged.part for c in accountability.acknowledgement_coverage(
        con, org.id, TODAY))


def test_due_updates_equal_the_reference(generated: tuple[Connection, Organisation]) -> None:
    con, org = generated
    sources: Counter[str] = Counter()
    for today in (TODAY, TODAY - timedelta(days=95), TODAY - timedelta(days=400),
                  TODAY - timedelta(days=800)):
        expected = reference.due_updates(con, org.id, today)
        assert scorecard.due_updates(con, org.id, today) == expected
        sources.update(d.source for d in expected)
    assert len(sources) == 2, sources  # both hand-entered and survey updates fell due


def _tally(con: Connection, org_id: int) -> set[tuple[object, ...]]:
    """The tally as its readers see it: the +1/-1 rows added up."""
    rows = con.execute("SELECT employee_id, quarter_start, sum(received) FROM recognition_tally "
                       "WHERE org_id = ? GROUP BY ALL HAVING sum(received) <> 0",
                       [org_id]).fetchall()
    return set(rows)


def _recounted(con: Connection, org_id: int) -> set[tuple[object, ...]]:
    rows = con.execute(
        "SELECT rr.employee_id, CAST(date_trunc('quarter', r.given_on) AS DATE), count(*) "
        "FROM recognition r JOIN recognition_recipient rr ON rr.recognition_id = r.id "
        "WHERE r.org_id = ? AND r.deleted_at IS NULL GROUP BY ALL", [org_id]).fetchall()
    return set(rows)


def _recipients_astray(con: Connection, org_id: int) -> int:
    """Recipient rows whose day or standing (migration 21) differ from their record's."""
    row = con.execute(
        "SELECT count(*) FROM recognition_recipient rr "
        "JOIN recognition r ON r.id = rr.recognition_id WHERE rr.org_id = ? "
        "AND (rr.given_on IS DISTINCT FROM r.given_on OR rr.live <> (r.deleted_at IS NULL))",
        [org_id]).fetchone()
    assert row is not None
    return int(row[0])


@pytest.mark.demo
def test_the_tally_follows_every_kind_of_write(con: Connection, demo: Organisation) -> None:
    """Recording, correcting (new date, other people), deleting and importing each
    leave the per-person, per-quarter tally equal to a recount of the records, and
    each recipient row with its record's day and standing."""
    assert _tally(con, demo.id) == _recounted(con, demo.id) != set()
    assert _recipients_astray(con, demo.id) == 0
    staff = [e.id for e in personnel.list_employees(con, demo.id, active_on=date.today())]
    value = con.execute("SELECT min(id) FROM org_value WHERE org_id = ?", [demo.id]).fetchone()
    assert value is not None

    def entry(who: list[int], day: date) -> recognition.RecognitionInput:
        return recognition.RecognitionInput(who, day, "A colleague", "peer", "Helped",
                                            value_id=value[0])

    today = date.today()
    last_quarter = Quarter.containing(today).shift(-1).start
    made = recognition.add_recognition(con, demo.id, entry(staff[:2], today),
                                       reason="tally test")
    assert _tally(con, demo.id) == _recounted(con, demo.id)
    assert _recipients_astray(con, demo.id) == 0
    record = recognition.get_recognition(con, demo.id, made)
    recognition.update_recognition(con, demo.id, made, record.version,
                                   entry(staff[2:4], last_quarter), reason="tally test")
    assert _tally(con, demo.id) == _recounted(con, demo.id)
    assert _recipients_astray(con, demo.id) == 0
    recognition.delete_recognition(con, demo.id, made, reason="tally test")
    assert _tally(con, demo.id) == _recounted(con, demo.id)
    assert _recipients_astray(con, demo.id) == 0
    recognition.add_many(con, demo.id, [entry(staff[:1], today), entry(staff[:3], today)],
                         reason="tally test")
    assert _tally(con, demo.id) == _recounted(con, demo.id)
    assert _recipients_astray(con, demo.id) == 0
    # Rows written past recognition.py (a bulk load) are counted in on request.
    con.execute("DELETE FROM recognition_tally WHERE org_id = ?", [demo.id])
    recognition.rebuild_tally(con, demo.id)
    assert _tally(con, demo.id) == _recounted(con, demo.id)


@pytest.mark.demo
def test_people_recording_at_the_same_moment_are_all_counted(con: Connection,
                                                            demo: Organisation) -> None:
    """Eight sessions recognise the same person at once: every record is saved and
    counted, and `migrate`'s folding leaves one row per person and quarter."""
    person = personnel.list_employees(con, demo.id, active_on=date.today())[0].id
    value = con.execute("SELECT min(id) FROM org_value WHERE org_id = ?", [demo.id]).fetchone()
    assert value is not None
    start = threading.Barrier(8)
    failures: list[BaseException] = []

    def record(n: int) -> None:
        cursor = con.cursor()
        start.wait()
        try:
            with access.acting(access.Identity.shell(f"Recorder {n}")):
                recognition.add_recognition(cursor, demo.id, recognition.RecognitionInput(
                    [person], date.today(), "A colleague", "peer", f"Helped, take {n}",
                    value_id=value[0]), reason="at once")
        except BaseException as exc:  # every failure is reported by the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=record, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert _tally(con, demo.id) == _recounted(con, demo.id)
    assert recognition.compact_tally(con) > 0
    rows = con.execute("SELECT count(*), count(DISTINCT (employee_id, quarter_start)) "
                       "FROM recognition_tally WHERE org_id = ?", [demo.id]).fetchone()
    assert rows is not None and rows[0] == rows[1]
    assert _tally(con, demo.id) == _recounted(con, demo.id)


def test_per_head_from_the_tally_equals_the_records_when_a_quarter_is_cut_short(
        generated: tuple[Connection, Organisation]) -> None:
    """A quarter ending early (the current one, up to an earlier day) takes off the
    records after the cut: the same totals as counting the records themselves."""
    con, org = generated
    for cut in (TODAY, TODAY - timedelta(days=20), CURRENT.start, QUARTERS[4].start + timedelta(
            days=40)):
        quarter = Quarter.containing(cut)
        heads = recognition.per_head_by_team(con, org.id, quarter.start, cut)
        assert recognition.per_head_series(con, org.id, [quarter], [cut]) == [
            (sum(t.received for t in heads), sum(t.staff for t in heads))]


def test_a_quarters_figures_per_team_and_spread_from_the_tally_equal_the_records(
        generated: tuple[Connection, Organisation]) -> None:
    con, org = generated
    periods = [(q.start, q.end) for q in QUARTERS]
    periods += [(QUARTERS[3].start, QUARTERS[3].end - timedelta(days=9)),
                (QUARTERS[2].start + timedelta(days=5), QUARTERS[4].end)]
    for start, end in periods:
        assert recognition.per_head_by_team(con, org.id, start, end) == \
            reference.per_head_by_team(con, org.id, start, end)
        assert recognition.spread(con, org.id, start, end).counts == \
            reference.spread_counts(con, org.id, start, end)


def test_an_organisation_without_staff_still_has_its_whole_row(con: Connection,
                                                               org: Organisation) -> None:
    expected = [(r.quarter, r.team, replace(r.figures, reasons={}))
                for r in workforce.by_quarter_and_team([], QUARTERS[:2])]
    got = [(r.quarter, r.team, r.figures)
           for r in workforce.team_quarter_figures(con, org.id, QUARTERS[:2])]
    assert got == expected and [t for _, t, _ in got] == ["All teams", "All teams"]


def test_the_overdue_list_read_a_page_at_a_time_is_the_whole_list(
        generated: tuple[Connection, Organisation]) -> None:
    """The Overdue tab reads 200 at a time; the pages joined are the list, and the counts
    per team and module add up to it."""
    con, org = generated
    whole = training.overdue(con, org.id, TODAY)
    assert len(whole) > 7
    paged = [o for start in range(0, len(whole), 7)
             for o in training.overdue(con, org.id, TODAY, 7, start)]
    assert paged == whole
    # Pages of two, from the first and from the second: every run of people late
    # alike who share a name is cut by a page's end, which only the ids keep in order.
    for first in (0, 1):
        assert training.overdue(con, org.id, TODAY, first, 0) + [
            o for start in range(first, len(whole), 2)
            for o in training.overdue(con, org.id, TODAY, 2, start)] == whole
    by_team = training.overdue_by_team(con, org.id, TODAY)
    assert sum(n for *_, n in by_team) == len(whole)
    assert {(t, m): n for t, m, n in by_team} == {
        key: sum(1 for o in whole if (o.team, o.module) == key)
        for key in {(o.team, o.module) for o in whole}}


def test_who_is_late_or_completed_what_is_hrs_and_a_teams_own(
        generated: tuple[Connection, Organisation]) -> None:
    from strategy.core.access import AccessDenied, Role
    from tests.identities import member

    con, org = generated
    team = personnel.list_teams(con, org.id)[0].id
    start, end = QUARTERS[0].start, TODAY
    with access.acting(member("Cara", org.id, Role.CONTRIBUTOR, team_id=team)):
        own = training.list_completions(con, org.id, start, end, team)
        assert training.count_completions(con, org.id, start, end, team) == len(own)
        assert training.overdue_by_team(con, org.id, TODAY)  # counts, no names
        for names in (lambda: training.overdue(con, org.id, TODAY),
                      lambda: training.list_completions(con, org.id, start, end),
                      lambda: training.list_completions(con, org.id, start, end, team + 1)):
            with pytest.raises(AccessDenied):
                names()
    everyone = training.list_completions(con, org.id, start, end)
    assert {r[2] for r in own} <= {r[2] for r in everyone}
    assert training.count_completions(con, org.id, start, end) == len(everyone)
