"""Measures: status rules, values by unit, actuals, due updates, correlation, locking."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from strategy.core import audit
from strategy.core.db import Connection
from strategy.core.errors import ValidationError
from strategy.core.orgs import Organisation, create_organisation
from strategy.core.periods import Quarter
from strategy.io.survey_import import guess_mapping, import_responses, preview_responses
from strategy.io.tabular import read_table
from strategy.measures import scorecard
from strategy.measures.scorecard import MeasureInput, correlations, status
from tests.identities import act_as

# The same domain code on DuckDB and on PostgreSQL (issue 24).
pytestmark = pytest.mark.both_databases

TODAY = date(2026, 11, 22)


@pytest.mark.parametrize(("value", "target", "band", "direction", "expected"), [
    (90, 85, 5, "higher", "green"),
    (85, 85, 5, "higher", "green"),      # meeting the target exactly is green
    (80, 85, 5, "higher", "amber"),      # the band edge is still amber
    (79.9, 85, 5, "higher", "red"),
    (20, 24, 8, "lower", "green"),       # lower is better
    (30, 24, 8, "lower", "amber"),
    (33, 24, 8, "lower", "red"),
    (84, 85, None, "higher", "red"),     # no band: anything short is red
    (None, 85, 5, "higher", "no data"),
    (90, None, None, "higher", "no target"),
    (None, None, None, "lower", "no target"),
])
def test_status_rules(value: float | None, target: float | None, band: float | None,
                      direction: str, expected: str) -> None:
    assert status(value, target, band, direction) == expected


def _manual(con: Connection, org: Organisation, **changes: object) -> int:
    data = MeasureInput("Resolution time", "customer", "hours", "lower", "monthly", target=24,
                        amber_band=8)
    for key, value in changes.items():
        setattr(data, key, value)
    return scorecard.add_measure(con, org.id, data)


@pytest.mark.parametrize(("unit", "value", "words"), [
    ("%", 101, "from 0 to 100"), ("%", -1, "from 0 to 100"),
    ("NPS points", 120, "from -100 to 100"), ("NPS points", -101, "from -100 to 100"),
    ("score (0–10)", 11, "from 0 to 10"), ("score (1–5)", 0, "from 1 to 5"),
    ("count", 2.5, "whole number"), ("hours", -3, "0 or more"),
    ("hours", float("nan"), "must be a number"),
])
def test_values_out_of_range_for_their_unit_are_refused(con: Connection, org: Organisation,
                                                        unit: str, value: float,
                                                        words: str) -> None:
    measure = _manual(con, org, unit=unit, target=None, amber_band=None, cadence="quarterly")
    with pytest.raises(ValidationError) as info:
        scorecard.set_value(con, org.id, measure, "2026-Q3", value, today=TODAY)
    assert words in info.value.fields["value"]
    assert scorecard.entered_values(con, org.id, measure) == {}


def test_periods_must_match_the_cadence_and_have_started(con: Connection,
                                                         org: Organisation) -> None:
    monthly = _manual(con, org)
    for period, words in (("2026-Q3", "is not a month"), ("2026-13", "is not a month"),
                          ("2026-12", "has not started yet")):
        with pytest.raises(ValidationError, match=words):
            scorecard.set_value(con, org.id, monthly, period, 20, today=TODAY)
    scorecard.set_value(con, org.id, monthly, "2026-11", 20, today=TODAY)
    scorecard.set_value(con, org.id, monthly, "2026-11", 22, today=TODAY)  # a correction
    assert scorecard.entered_values(con, org.id, monthly) == {"2026-11": 22.0}


def test_measure_definition_rules(con: Connection, org: Organisation) -> None:
    cases: list[tuple[dict[str, object], str]] = [
        ({"name": ""}, "name"),
        ({"unit": "furlongs"}, "unit"),
        ({"target": 24, "unit": "%", "amber_band": -1}, "amber_band"),
        ({"source": "survey", "formula": "nps"}, "unit"),
        ({"source": "derived", "formula": "turnover", "unit": "%"}, "cadence"),
        ({"target": None, "amber_band": 5}, "amber_band"),
        ({"unit": "%", "target": 140}, "target"),
    ]
    for changes, field_name in cases:
        with pytest.raises(ValidationError) as info:
            _manual(con, org, **changes)
        assert field_name in info.value.fields, changes
    _manual(con, org)
    with pytest.raises(ValidationError, match="already a measure"):
        _manual(con, org, name="resolution TIME")


def test_monthly_actual_is_the_latest_month_in_the_quarter(con: Connection,
                                                           org: Organisation) -> None:
    measure_id = _manual(con, org)
    measure = scorecard.get_measure(con, org.id, measure_id)
    scorecard.set_value(con, org.id, measure_id, "2026-07", 30, today=TODAY)
    scorecard.set_value(con, org.id, measure_id, "2026-08", 26, today=TODAY)
    q3 = scorecard.actual(con, org.id, measure, Quarter(2026, 3), today=TODAY)
    assert (q3.value, q3.detail) == (26, "value for 2026-08")
    assert scorecard.actual(con, org.id, measure, Quarter(2026, 2), today=TODAY).value is None


def test_scorecard_statuses_previous_and_trend(con: Connection, org: Organisation) -> None:
    resolution = _manual(con, org, cadence="quarterly")
    scorecard.add_measure(con, org.id, MeasureInput("Engagement", "employee", "%", "higher",
                                                    "quarterly"))
    scorecard.set_value(con, org.id, resolution, "2026-Q3", 30, today=TODAY)
    scorecard.set_value(con, org.id, resolution, "2026-Q4", 20, today=TODAY)
    rows = {r.measure.name: r for r in scorecard.scorecard(con, org.id, Quarter(2026, 4),
                                                           quarters=4, today=TODAY)}
    row = rows["Resolution time"]
    assert (row.actual.value, row.previous, row.change, row.status) == (20, 30, -10, "green")
    assert row.trend == [None, None, 30, 20]
    assert row.trend_quarters == ["2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4"]
    assert rows["Engagement"].status == "no target"


def test_survey_measure_and_small_samples(con: Connection, org: Organisation) -> None:
    scorecard.add_starting_set(con, org.id)
    assert len(scorecard.list_measures(con, org.id)) == 12
    nps = next(m for m in scorecard.list_measures(con, org.id) if m.name == "NPS")
    data = "Date,Score\n" + "\n".join(f"2026-10-{1 + i % 28:02d},{s}" for i, s in
                                      enumerate([10, 9, 9, 8, 7, 6, 3, 10, 9, ""]))
    table = read_table("nps.csv", data.encode())
    preview = preview_responses(con, org.id, table, "nps", guess_mapping(table.headers),
                                today=TODAY)
    assert preview.clean
    assert import_responses(con, org.id, preview, "nps.csv") == 10
    got = scorecard.actual(con, org.id, nps, Quarter(2026, 4), today=TODAY)
    # 9 answered (one blank): 5 promoters, 2 passives, 2 detractors -> 100 × 3/9.
    assert got.n == 9 and got.value == pytest.approx(100 * 3 / 9)
    assert got.detail == "n=9 (5 promoters, 2 passives, 2 detractors)"
    (row,) = [r for r in scorecard.scorecard(con, org.id, Quarter(2026, 4), today=TODAY)
              if r.measure.name == "NPS"]
    assert row.small_sample  # 9 < 30
    scorecard.set_small_sample_threshold(con, org.id, 5)
    (row,) = [r for r in scorecard.scorecard(con, org.id, Quarter(2026, 4), today=TODAY)
              if r.measure.name == "NPS"]
    assert not row.small_sample


def test_a_bad_survey_file_imports_nothing_and_lists_the_rows(con: Connection,
                                                              org: Organisation) -> None:
    bad = (b"Date,Score,Segment\n2026-10-01,10,\n2026-10-02,11,\n2026-13-01,5,\n"
           b"2026-12-30,4,\n2026-10-03,7.5,\n2026-10-04,8,Martians\n2026-10-05,ten,\n")
    table = read_table("bad.csv", bad)
    preview = preview_responses(con, org.id, table, "nps", guess_mapping(table.headers),
                                today=TODAY)
    problems = {r.line: r.problems for r in preview.problem_rows}
    assert problems == {
        3: ["Score 11 is not a whole number from 0 to 10."],
        4: ["Date: “2026-13-01” is not a real date."],
        5: ["The date 2026-12-30 is in the future."],
        6: ["Score 7.5 is not a whole number from 0 to 10."],
        7: ["Unknown segment “Martians”."],
        8: ["Score “ten” is not a number."],
    }
    with pytest.raises(ValidationError, match="6 rows need fixing first"):
        import_responses(con, org.id, preview, "bad.csv")
    assert con.execute("SELECT count(*) FROM survey_response").fetchone() == (0,)


def test_due_updates(con: Connection, org: Organisation) -> None:
    scorecard.add_starting_set(con, org.id)
    due = {(d.measure, d.period) for d in scorecard.due_updates(con, org.id, TODAY)}
    # Manual and survey measures are due for the last full month or quarter; derived never.
    assert due == {("CSAT", "2026-10"), ("NPS", "2026-Q3"), ("Customer effort", "2026-Q3"),
                   ("Resolution time", "2026-10"), ("Customer retention", "2026-Q3"),
                   ("Engagement", "2026-Q3"), ("eNPS", "2026-Q3"), ("Absence", "2026-10")}
    absence = next(m for m in scorecard.list_measures(con, org.id) if m.name == "Absence")
    scorecard.set_value(con, org.id, absence.id, "2026-10", 3.1, today=TODAY)
    assert "Absence" not in {d.measure for d in scorecard.due_updates(con, org.id, TODAY)}


def test_correlation_with_lags_and_few_pairs() -> None:
    quarters = [f"Q{i}" for i in range(8)]
    employee = [60.0, 62, 65, 70, 68, 72, 75, 78]
    # Customers follow employees one quarter later, exactly.
    customer = [None, 60.0, 62, 65, 70, 68, 72, 75]
    result = {c.lag: c for c in correlations(quarters, employee, customer)}
    assert result[1].n == 7 and result[1].r == pytest.approx(1.0)
    assert result[0].n == 7 and result[0].r is not None and result[0].r < 1
    assert result[3].n == 5
    few = correlations(["a", "b"], [1.0, 2.0], [3.0, 4.0], max_lag=0)
    assert (few[0].n, few[0].r) == (2, None)  # too few to say anything
    flat = correlations(["a", "b", "c"], [1.0, 1.0, 1.0], [3.0, 4.0, 5.0], max_lag=0)
    assert flat[0].r is None  # no variation, no correlation


def test_changes_to_a_locked_period_need_a_reason(con: Connection, org: Organisation) -> None:
    measure = _manual(con, org, cadence="quarterly")
    con.execute("INSERT INTO review (org_id, period, closed_at, closed_by) VALUES "
                "(?, '2026-Q3', now(), 'Chair')", [org.id])
    with pytest.raises(ValidationError, match="2026-Q3 was reviewed and is locked"):
        scorecard.set_value(con, org.id, measure, "2026-Q3", 25, today=TODAY)
    act_as("Priya")
    scorecard.set_value(con, org.id, measure, "2026-Q3", 25, reason="Late data from the CRM",
                        today=TODAY)
    (latest,) = audit.changes(con, org.id, limit=1)
    assert (latest.changed_by, latest.reason, latest.period) == (
        "Priya", "Late data from the CRM", "2026-Q3")
    scorecard.set_value(con, org.id, measure, "2026-Q4", 25, today=TODAY)  # unlocked: fine


def test_plan_edits_are_in_the_change_history(con: Connection, org: Organisation) -> None:
    from strategy.customers import segments
    from strategy.service import standards

    act_as("Tom")
    segments.add_segment(con, org.id, segments.SegmentInput("Guests", "external"))
    standard = standards.add_standard(con, org.id, standards.StandardInput(
        "Reply fast", "Email", "Timeliness", measure="Hours", target=8, unit="hours",
        direction="lower"))
    current = standards.get_standard(con, org.id, standard)
    standards.update_standard(con, org.id, standard, current.version, standards.StandardInput(
        "Reply fast", "Email", "Timeliness", measure="Hours", target=4, unit="hours",
        direction="lower"))
    measure = _manual(con, org)
    loaded = scorecard.get_measure(con, org.id, measure)
    scorecard.update_measure(con, org.id, measure, loaded.version, MeasureInput(
        "Resolution time", "customer", "hours", "lower", "monthly", target=12, amber_band=4))
    summaries = [(c.changed_by, c.area, c.summary) for c in audit.changes(con, org.id)][::-1]
    assert summaries == [
        ("Tom", "Customers", "Segment “Guests”"),
        ("Tom", "Standards", "Standard “Reply fast”"),
        ("Tom", "Standards", "Standard “Reply fast”: target (target ≤ 8 hours → ≤ 4 hours)"),
        ("Tom", "Measures", "Measure “Resolution time”, target ≤ 24 hours (amber within 8)"),
        ("Tom", "Targets", "Resolution time: ≤ 24 hours (amber within 8) → ≤ 12 hours "
                           "(amber within 4)"),
    ]


def test_a_value_entered_starts_at_the_quarter_being_worked_on() -> None:
    from strategy.measures.scorecard import entry_period

    q4 = Quarter(2026, 4)
    assert entry_period("quarterly", q4, date(2026, 11, 23)) == "2026-Q4"
    # A monthly measure: the quarter's latest month that has begun ...
    assert entry_period("monthly", q4, date(2026, 11, 23)) == "2026-11"
    assert entry_period("monthly", Quarter(2026, 3), date(2026, 11, 23)) == "2026-09"
    # ... or its first month, for a quarter still to come.
    assert entry_period("monthly", Quarter(2027, 1), date(2026, 11, 23)) == "2027-01"


def _complaints_on(con: Connection, org: Organisation, days: list[date]) -> None:
    con.executemany(
        "INSERT INTO complaint (org_id, kind, received_on, what_happened, recorded_by) "
        "VALUES (?, 'complaint', ?, 'Kept waiting', 'Test')", [[org.id, d] for d in days])


def _complaints_measure(con: Connection, org: Organisation) -> scorecard.Measure:
    scorecard.add_starting_set(con, org.id, today=TODAY)
    return next(m for m in scorecard.list_measures(con, org.id) if m.formula == "complaints")


def test_the_suggested_complaints_target_is_the_organisations_own(con: Connection,
                                                                   org: Organisation) -> None:
    """Not ≤ 400 a quarter whatever the size: a tenth below the organisation's own average
    over the last four complete quarters, since its register began."""
    # 2026-Q4 is under way on TODAY: 2025-Q4 to 2026-Q3 count. Began in 2026-Q2: 2 quarters.
    _complaints_on(con, org, [date(2026, 5, 1)] * 12 + [date(2026, 8, 1)] * 8
                   + [date(2026, 11, 1)] * 50 + [date(2024, 1, 1)] * 99)
    measure = _complaints_measure(con, org)
    assert (measure.target, measure.amber_band) == (9.0, 1.0)  # 10 a quarter, a tenth fewer
    assert "a tenth below the 10 a quarter recorded over the last 2 quarters" in \
        measure.description


def test_a_big_organisation_gets_a_big_target_and_a_new_one_none(con: Connection,
                                                                  org: Organisation) -> None:
    _complaints_on(con, org, [date(2025, 10, 1) + timedelta(days=d % 360) for d in range(2_000)])
    assert _complaints_measure(con, org).target == 450.0  # 500 a quarter over four
    fresh = create_organisation(con, "Five-person trust")
    scorecard.add_starting_set(con, fresh.id, today=TODAY)
    (measure,) = [m for m in scorecard.list_measures(con, fresh.id) if m.formula == "complaints"]
    assert (measure.target, measure.amber_band) == (None, None)
    assert "No target yet" in measure.description
    row = scorecard.scorecard(con, fresh.id, Quarter(2026, 3))
    assert next(r for r in row if r.measure.id == measure.id).status == "no target"


def test_the_default_side_by_side_pair_is_worked_out_once_for_a_while(
        con: Connection, org: Organisation, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = [scorecard.add_measure(con, org.id, MeasureInput(name, side, "%", "higher",
                                                           "quarterly"))
           for name, side in (("Engagement", "employee"), ("Absence", "employee"),
                              ("CSAT", "customer"))]
    quarters = [Quarter(2026, 1), Quarter(2026, 2), Quarter(2026, 3)]
    for quarter in quarters:
        scorecard.set_value(con, org.id, ids[1], str(quarter), 3, today=TODAY)
        scorecard.set_value(con, org.id, ids[2], str(quarter), 80, today=TODAY)
    defined = scorecard.list_measures(con, org.id)
    reads: list[int] = []
    real = scorecard.actual_series

    def counted_series(*args: object, **kwargs: object) -> object:
        reads.append(len(args[2]))  # type: ignore[arg-type]
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(scorecard, "actual_series", counted_series)
    assert scorecard.default_pair(con, org.id, defined, quarters) == (ids[1], ids[2])
    assert scorecard.default_pair(con, org.id, defined, quarters) == (ids[1], ids[2])
    assert reads == [3]  # every measure once, then kept
    scorecard.default_pair(con, org.id, defined, quarters, scope=f"team:{org.id}")
    assert len(reads) == 2  # another scope is worked out afresh
