"""The complaints and compliments register: records, hand-worked figures, the link to
recognition and to the impact model, and the SQL held to a plain Python reference."""

from __future__ import annotations

import random
import statistics
from datetime import date, timedelta

import pytest

from strategy.core import access
from strategy.core.access import AccessDenied, Role
from strategy.core.db import Connection
from strategy.core.errors import ValidationError
from strategy.core.orgs import Organisation
from strategy.core.periods import Quarter
from strategy.customers.segments import SegmentInput, add_segment
from strategy.measures import complaints
from strategy.measures.complaints import FeedbackInput, RegisterFilter, working_days
from strategy.people import recognition
from strategy.people.personnel import EmployeeInput, add_employee
from tests.complaints_data import staff_an_organisation
from tests.identities import member

# The same domain code on DuckDB and on PostgreSQL (issue 24).
pytestmark = pytest.mark.both_databases

TODAY = date(2026, 11, 20)  # a Friday
Q3, Q4 = Quarter(2026, 3), Quarter(2026, 4)


@pytest.fixture
def setup(con: Connection, org: Organisation) -> dict[str, int]:
    return staff_an_organisation(con, org.id)


def complaint(ids: dict[str, int], received: date, resolved: date | None = None, *,
              promised: date | None = None, segment: str = "households",
              quality: str = "Timeliness", standard: bool = False) -> FeedbackInput:
    return FeedbackInput(
        "complaint", received, "Phone", "Nobody called me back.", ids[segment], quality,
        ids["standard"] if standard else None, ids["amara"], promised,
        "A call back" if promised else "", "Called back and apologised" if resolved else "",
        resolved)


def test_working_days_worked_by_hand() -> None:
    friday, monday = date(2026, 11, 13), date(2026, 11, 16)
    assert working_days(friday, friday) == 0
    assert working_days(friday, monday) == 1       # Saturday and Sunday do not count
    assert working_days(monday, friday + timedelta(days=7)) == 4
    assert working_days(date(2026, 11, 14), monday) == 1  # received on a Saturday
    assert working_days(monday, monday + timedelta(days=14)) == 10


def test_working_days_in_sql_equal_the_python_rule(con: Connection) -> None:
    start = date(2025, 12, 20)
    pairs = [(start + timedelta(days=a), start + timedelta(days=a + b))
             for a in range(0, 15) for b in range(0, 20)]
    sql = complaints._working_days_sql("r", "s")
    got = con.execute(f"SELECT {sql} FROM (SELECT unnest(?) AS r, unnest(?) AS s)",
                      [[p[0] for p in pairs], [p[1] for p in pairs]]).fetchall()
    assert [g[0] for g in got] == [working_days(r, s) for r, s in pairs]


def test_quarter_figures_worked_by_hand(con: Connection, org: Organisation,
                                        setup: dict[str, int]) -> None:
    ids = setup
    # Received in Q4 (target: 2 working days; today Friday 20 November):
    def add(data: FeedbackInput) -> int:
        return complaints.add_feedback(con, org.id, data, today=TODAY)

    # 1 working day, promise kept:
    add(complaint(ids, date(2026, 11, 2), date(2026, 11, 3), promised=date(2026, 11, 4)))
    # Friday to Tuesday, 2 working days, but a day after the promised date:
    add(complaint(ids, date(2026, 11, 6), date(2026, 11, 10), promised=date(2026, 11, 9)))
    # Monday to Monday: 5 working days, over the target:
    add(complaint(ids, date(2026, 11, 9), date(2026, 11, 16)))
    # Open for 8 working days, over the target, its promise broken:
    add(complaint(ids, date(2026, 11, 10), promised=date(2026, 11, 12)))
    # Open for 1 working day: not decided either way yet:
    add(complaint(ids, date(2026, 11, 19), promised=date(2026, 11, 25)))
    complaints.add_feedback(con, org.id, FeedbackInput(
        "compliment", date(2026, 11, 12), "Email", "Ben was wonderful.",
        staff_ids=[ids["ben"]]), today=TODAY)
    # And one in Q3, which Q4's figures leave alone.
    add(complaint(ids, date(2026, 9, 30), date(2026, 10, 1)))

    q3, q4 = complaints.quarter_figures(con, org.id, [Q3, Q4], today=TODAY)
    assert (q4.complaints, q4.compliments, q4.resolved) == (5, 1, 3)
    assert q4.median_days == 2.0  # of 1, 2 and 5 working days
    # Decided: the three resolved and the open one past its target; within target: 2.
    assert (q4.within_target.part, q4.within_target.whole) == (2, 4)
    # Promises: kept by 3 Nov; broken (resolved 10 Nov, promised 9 Nov); open past
    # 12 Nov; the one due on 25 Nov is not decided yet.
    assert (q4.promises_kept.part, q4.promises_kept.whole) == (1, 3)
    assert (q3.complaints, q3.resolved, q3.median_days) == (1, 1, 1.0)
    # A stricter target of one working day: only the first is within it. The one
    # received yesterday could still be resolved today, so it is not decided yet.
    strict = complaints.quarter_figures(con, org.id, [Q4], today=TODAY, target=1)[0]
    assert (strict.within_target.part, strict.within_target.whole) == (1, 4)

    counts = complaints.open_counts(con, org.id, TODAY)
    assert (counts.open, counts.overdue) == (2, 1)
    overdue = complaints.list_feedback(con, org.id, RegisterFilter(status="overdue", today=TODAY))
    assert [f.received_on for f in overdue] == [date(2026, 11, 10)]
    assert overdue[0].is_overdue(TODAY)


def test_pareto_and_standards_breached(con: Connection, org: Organisation,
                                       setup: dict[str, int]) -> None:
    ids = setup
    for segment, quality, standard in (("households", "Timeliness", True),
                                       ("households", "Timeliness", True),
                                       ("households", "Courtesy", False),
                                       ("business", "Timeliness", True)):
        complaints.add_feedback(con, org.id, complaint(ids, date(2026, 10, 5), segment=segment,
                                                       quality=quality, standard=standard),
                                today=TODAY)
    by_segment = complaints.pareto(con, org.id, Q4.start, Q4.end, "segment")
    assert [(b.name, b.count, b.cumulative_share) for b in by_segment] == [
        ("Households", 3, 75.0), ("Businesses", 1, 100.0)]
    by_quality = complaints.pareto(con, org.id, Q4.start, Q4.end, "quality")
    assert [(b.name, b.count) for b in by_quality] == [("Timeliness", 3), ("Courtesy", 1)]
    breached = complaints.standards_breached(con, org.id, Q4.start, Q4.end)
    assert [(b.name, b.count) for b in breached] == [("Answer the phone by the third ring", 3)]


@pytest.mark.parametrize(("change", "field"), [
    ({"received_on": None}, "received_on"),
    ({"received_on": TODAY + timedelta(days=1)}, "received_on"),
    ({"channel": "Carrier pigeon"}, "channel"),
    ({"what_happened": "  "}, "what_happened"),
    ({"owner_id": None}, "owner_id"),
    ({"quality": "Telepathy"}, "quality"),
    ({"resolved_on": date(2026, 11, 1)}, "resolved_on"),  # before it was received
    ({"resolved_on": date(2026, 11, 6), "resolution": ""}, "resolution"),
    ({"resolution": "Refunded"}, "resolved_on"),
    ({"promise": "A refund"}, "promised_by"),
    ({"accepted": True}, "accepted"),
    ({"goodwill_value": 20.0}, "goodwill_kind"),
    ({"goodwill_kind": "Refund", "goodwill_value": -5.0}, "goodwill_value"),
    ({"followed_up_on": date(2026, 11, 2)}, "followed_up_on"),
])
def test_bad_records_are_refused_and_nothing_is_written(
        con: Connection, org: Organisation, setup: dict[str, int],
        change: dict[str, object], field: str) -> None:
    data = complaint(setup, date(2026, 11, 5))
    for name, value in change.items():
        setattr(data, name, value)
    with pytest.raises(ValidationError) as info:
        complaints.add_feedback(con, org.id, data, today=TODAY)
    assert field in info.value.fields
    assert complaints.count_feedback(con, org.id, RegisterFilter()) == 0


def test_a_compliment_has_no_resolution_and_a_complaint_names_no_staff(
        con: Connection, org: Organisation, setup: dict[str, int]) -> None:
    with pytest.raises(ValidationError) as info:
        complaints.add_feedback(con, org.id, FeedbackInput(
            "compliment", date(2026, 11, 5), "Email", "Lovely", resolution="Thanked them",
            resolved_on=date(2026, 11, 6)), today=TODAY)
    assert "resolution" in info.value.fields["kind"]
    data = complaint(setup, date(2026, 11, 5))
    data.staff_ids = [setup["ben"]]
    with pytest.raises(ValidationError) as info:
        complaints.add_feedback(con, org.id, data, today=TODAY)
    assert "staff_ids" in info.value.fields


def test_what_is_stored_is_what_was_entered_and_edits_are_versioned(
        con: Connection, org: Organisation, setup: dict[str, int]) -> None:
    data = complaint(setup, date(2026, 11, 5), promised=date(2026, 11, 9))
    data.goodwill_kind, data.goodwill_value = "Credit", 25.0
    feedback_id = complaints.add_feedback(con, org.id, data, today=TODAY)
    stored = complaints.get_feedback(con, org.id, feedback_id)
    assert stored.as_input() == data
    assert stored.recorded_by == access.current().name
    assert (stored.segment, stored.owner, stored.is_open()) == ("Households", "Amara Okafor", True)

    data.resolved_on, data.resolution, data.accepted = date(2026, 11, 9), "Credit applied", True
    new_version = complaints.update_feedback(con, org.id, feedback_id, stored.version, data,
                                             today=TODAY)
    resolved = complaints.get_feedback(con, org.id, feedback_id)
    assert resolved.as_input() == data and resolved.version == new_version
    assert resolved.resolve_days == 2
    # A second save from the same stale form is refused, not merged.
    with pytest.raises(Exception, match="Someone else saved"):
        complaints.update_feedback(con, org.id, feedback_id, stored.version, data, today=TODAY)


def test_a_reviewed_quarter_asks_for_a_reason(con: Connection, org: Organisation,
                                              setup: dict[str, int]) -> None:
    con.execute("INSERT INTO review (org_id, period, closed_at) VALUES (?, '2026-Q3', now())",
                [org.id])
    late = complaint(setup, date(2026, 9, 28))
    with pytest.raises(ValidationError) as info:
        complaints.add_feedback(con, org.id, late, today=TODAY)
    assert "locked" in info.value.fields["reason"]
    complaints.add_feedback(con, org.id, late, today=TODAY, reason="Found in the post room")
    reasons = con.execute("SELECT reason, period FROM change_log WHERE area = 'Complaints'"
                          ).fetchall()
    assert reasons == [("Found in the post room", "2026-Q3")]


def test_the_staff_named_stand_beside_their_ids_also_when_names_repeat(
        con: Connection, org: Organisation, setup: dict[str, int]) -> None:
    """A record's staff come as two lists, ids and names, in one order: by name, and two
    people of one name by id. The register's page and one record read them alike."""
    ids = setup
    twin = add_employee(con, org.id, EmployeeInput("E9", "Ben Hall", ids["team"],
                                                   date(2021, 3, 1)))
    feedback_id = complaints.add_feedback(con, org.id, FeedbackInput(
        "compliment", date(2026, 11, 12), "Email", "Both Bens and Cleo were kind.",
        segment_id=ids["households"], staff_ids=[twin, ids["cleo"], ids["ben"]]),
        today=TODAY)
    complaints.add_feedback(con, org.id, complaint(ids, date(2026, 11, 13)), today=TODAY)
    one = complaints.get_feedback(con, org.id, feedback_id)
    expected_ids = (min(ids["ben"], twin), max(ids["ben"], twin), ids["cleo"])
    assert one.staff == ("Ben Hall", "Ben Hall", "Cleo Diaz")
    assert one.staff_ids == expected_ids
    listed = complaints.list_feedback(con, org.id, RegisterFilter(kind="compliment"))
    assert [(f.id, f.staff_ids, f.staff) for f in listed] == [
        (feedback_id, expected_ids, one.staff)]
    # The complaint beside it names no one.
    page = complaints.list_feedback(con, org.id, RegisterFilter(), limit=1, offset=0)
    assert page[0].staff_ids == () and page[0].staff == ()


def test_a_compliment_naming_two_people_becomes_one_recognition(
        con: Connection, org: Organisation, setup: dict[str, int]) -> None:
    ids = setup
    feedback_id = complaints.add_feedback(con, org.id, FeedbackInput(
        "compliment", date(2026, 11, 12), "Email", "Ben and Cleo fixed my leak in an hour.",
        segment_id=ids["households"], standard_id=ids["standard"],
        staff_ids=[ids["ben"], ids["cleo"]]), today=TODAY)
    version = complaints.get_feedback(con, org.id, feedback_id).version
    new_id = complaints.recognise_compliment(con, org.id, feedback_id, version, ids["value"],
                                             None, today=TODAY)
    made = recognition.get_recognition(con, org.id, new_id)
    assert made.giver_kind == "customer"
    assert made.what == "Ben and Cleo fixed my leak in an hour."
    assert made.given_on == date(2026, 11, 12)
    assert sorted(made.recipients) == ["Ben Hall", "Cleo Diaz"]
    assert made.giver == "A customer (Households)"
    assert complaints.get_feedback(con, org.id, feedback_id).recognition_id == new_id
    # Once only.
    with pytest.raises(ValidationError, match="already"):
        complaints.recognise_compliment(con, org.id, feedback_id, version + 1, ids["value"],
                                        None, today=TODAY)


def test_access_is_checked_in_the_domain(con: Connection, org: Organisation,
                                         setup: dict[str, int]) -> None:
    data = complaint(setup, date(2026, 11, 5))
    with access.acting(member("Vera", org.id, Role.VIEWER)), pytest.raises(AccessDenied):
        complaints.add_feedback(con, org.id, data, today=TODAY)
    with access.acting(member("Cora", org.id, Role.CONTRIBUTOR)):
        feedback_id = complaints.add_feedback(con, org.id, data, today=TODAY)
        with pytest.raises(AccessDenied):
            complaints.delete_feedback(con, org.id, feedback_id)
        with pytest.raises(AccessDenied):
            complaints.set_target_days(con, org.id, 3)
    with access.acting(member("Lee", org.id, Role.LEADER)):
        complaints.delete_feedback(con, org.id, feedback_id)
    assert complaints.count_feedback(con, org.id, RegisterFilter()) == 0


def test_target_setting(con: Connection, org: Organisation) -> None:
    assert complaints.target_days(con, org.id) == 2
    complaints.set_target_days(con, org.id, 5)
    assert complaints.target_days(con, org.id) == 5
    for bad in (0, 61, 2.5):
        with pytest.raises(ValidationError):
            complaints.set_target_days(con, org.id, bad)  # type: ignore[arg-type]


# --- The SQL held to a plain Python statement of the same figures -------------------------


def _reference(rows: list[dict[str, object]], quarter: Quarter, target: int,
               today: date) -> tuple[object, ...]:
    mine = [r for r in rows if quarter.contains(r["received_on"])]  # type: ignore[arg-type]
    raised = [r for r in mine if r["kind"] == "complaint"]
    days = [working_days(r["received_on"], r["resolved_on"])  # type: ignore[arg-type]
            for r in raised if r["resolved_on"]]
    decided = [r for r in raised if r["resolved_on"] or
               working_days(r["received_on"], today) > target]  # type: ignore[arg-type]
    quick = [r for r in decided if r["resolved_on"] and working_days(
        r["received_on"], r["resolved_on"]) <= target]  # type: ignore[arg-type]
    promised = [r for r in raised if r["promised_by"] and (r["resolved_on"] or
                                                           r["promised_by"] < today)]  # type: ignore[operator]
    kept = [r for r in promised if r["resolved_on"] and
            r["resolved_on"] <= r["promised_by"]]  # type: ignore[operator]
    return (len(raised), len(mine) - len(raised), len(days),
            float(statistics.median(days)) if days else None,
            len(quick), len(decided), len(kept), len(promised))


def test_register_figures_in_sql_equal_the_python_reference(
        con: Connection, org: Organisation, setup: dict[str, int]) -> None:
    rng = random.Random(12)
    today = date(2026, 11, 18)
    rows: list[dict[str, object]] = []
    for _ in range(600):
        received = date(2025, 10, 1) + timedelta(days=rng.randrange(0, 414))
        kind = "compliment" if rng.random() < 0.2 else "complaint"
        resolved = promised = None
        if kind == "complaint":
            if rng.random() < 0.7:
                resolved = min(received + timedelta(days=rng.choice([0, 0, 1, 2, 3, 4, 7, 12])),
                               today)
            if rng.random() < 0.6:
                promised = received + timedelta(days=rng.randrange(0, 10))
        rows.append({"kind": kind, "received_on": received, "resolved_on": resolved,
                     "promised_by": promised})
    con.executemany(
        "INSERT INTO complaint (org_id, kind, received_on, resolved_on, promised_by, "
        "what_happened, recorded_by) VALUES (?, ?, ?, ?, ?, 'x', 'test')",
        [[org.id, r["kind"], r["received_on"], r["resolved_on"], r["promised_by"]]
         for r in rows])
    quarters = [Quarter(2025, 4).shift(n) for n in range(5)]
    for target in (1, 2, 5):
        figures = complaints.quarter_figures(con, org.id, quarters, today=today, target=target)
        for quarter, f in zip(quarters, figures, strict=True):
            assert (f.complaints, f.compliments, f.resolved, f.median_days,
                    f.within_target.part, f.within_target.whole, f.promises_kept.part,
                    f.promises_kept.whole) == _reference(rows, quarter, target, today), quarter
    open_rows = [r for r in rows if r["kind"] == "complaint" and not r["resolved_on"]]
    counts = complaints.open_counts(con, org.id, today)
    overdue = [r for r in open_rows
               if r["promised_by"] is not None and r["promised_by"] < today]  # type: ignore[operator]
    assert (counts.open, counts.overdue) == (len(open_rows), len(overdue))


def test_the_impact_model_takes_the_register_for_quarters_it_holds(
        con: Connection, org: Organisation, setup: dict[str, int]) -> None:
    from strategy.measures import impact
    from strategy.measures.impact import Assumptions, Inputs

    typed = Inputs(active_customers=10_000, value_per_customer=500.0, complaints=50,
                   quick_resolution_share=0.2, acquisition_cost=300.0)
    for quarter in (Q3, Q4):
        impact.save(con, org.id, quarter, typed, Assumptions())
    # Q4's register: four complaints, three with a known outcome, two of them within
    # the two working days.
    def add(data: FeedbackInput) -> int:
        return complaints.add_feedback(con, org.id, data, today=TODAY)

    add(complaint(setup, date(2026, 11, 2), date(2026, 11, 3)))
    add(complaint(setup, date(2026, 11, 3), date(2026, 11, 4)))
    add(complaint(setup, date(2026, 11, 9), date(2026, 11, 16)))
    add(complaint(setup, date(2026, 11, 19)))

    q4 = impact.effective(con, org.id, Q4, TODAY)
    assert q4 is not None and q4.complaints_from_register and q4.quick_from_register
    assert q4.saved.inputs.complaints == 4
    assert q4.saved.inputs.quick_resolution_share == pytest.approx(2 / 3)
    assert "2 of the 3 whose outcome is known" in q4.note
    result = impact.calculate(q4.saved.inputs, q4.saved.assumptions)
    assert result.dissatisfied == 4 * 27
    # Won back: the complaints not resolved quickly, 4 × (1 − 2/3), × 0.75 who stay.
    assert result.win_back_customers == pytest.approx(1.0)
    # Q3 has nothing in the register: the typed figures count.
    q3 = impact.effective(con, org.id, Q3, TODAY)
    assert q3 is not None and not q3.complaints_from_register
    assert q3.saved.inputs == typed
    assert "as typed" in q3.note
    assert impact.complaints_series(con, org.id, [Q3, Q4, Q4.shift(1)], TODAY) == [
        (50, "typed into the impact model"), (4, "from the complaints register"), None]


def test_register_measures_on_the_scorecard(con: Connection, org: Organisation,
                                            setup: dict[str, int]) -> None:
    from strategy.measures import scorecard

    def add(data: FeedbackInput) -> int:
        return complaints.add_feedback(con, org.id, data, today=TODAY)

    add(complaint(setup, date(2026, 11, 2), date(2026, 11, 3)))
    add(complaint(setup, date(2026, 11, 9), date(2026, 11, 16), segment="business"))
    complaints.add_feedback(con, org.id, FeedbackInput(
        "compliment", date(2026, 11, 12), "Email", "Thank you"), today=TODAY)
    made = []
    for name, formula, unit in (("Complaints", "complaints", "count"),
                                ("Compliments", "compliments", "count"),
                                ("Days to resolve", "resolve_days", "days"),
                                ("Resolved in time", "resolved_within_target", "%")):
        scorecard.add_measure(con, org.id, scorecard.MeasureInput(
            name, "customer", unit, "lower", "quarterly", "derived", formula))
        made.append(name)
    defined = [m for m in scorecard.list_measures(con, org.id) if m.name in made]
    series = scorecard.actual_series(con, org.id, defined, [Q4], "all", TODAY)
    got = {m.name: (series[m.id][0].value, series[m.id][0].n) for m in defined}
    assert got == {"Complaints": (2.0, None), "Compliments": (1.0, None),
                   "Days to resolve": (3.0, 2), "Resolved in time": (50.0, 2)}
    households = scorecard.actual_series(con, org.id, defined, [Q4],
                                         f"segment:{setup['households']}", TODAY)
    assert {m.name: households[m.id][0].value for m in defined} == {
        "Complaints": 1.0, "Compliments": 0.0, "Days to resolve": 1.0,
        "Resolved in time": 100.0}


def test_the_review_pack_has_the_register(con: Connection, org: Organisation,
                                          setup: dict[str, int]) -> None:
    import io

    from openpyxl import load_workbook

    from strategy.io.review_pack import build_pack

    def add(data: FeedbackInput) -> int:
        return complaints.add_feedback(con, org.id, data, today=TODAY)

    add(complaint(setup, date(2026, 11, 2), date(2026, 11, 3)))
    add(complaint(setup, date(2026, 11, 9), date(2026, 11, 16), standard=True))
    hostile = complaint(setup, date(2026, 11, 10), promised=date(2026, 11, 12))
    hostile.what_happened = "=HYPERLINK(\"http://x\",\"click\")"
    add(hostile)
    from strategy.measures import scorecard

    scorecard.add_measure(con, org.id, scorecard.MeasureInput(
        "Complaints received", "customer", "count", "lower", "quarterly", "derived",
        "complaints", target=5))
    book = load_workbook(io.BytesIO(build_pack(con, org.id, Q4, today=TODAY)))
    sheet = book["Scorecard"]
    (line,) = [r for r in sheet.iter_rows(min_row=2) if r[0].value == "Complaints received"]
    assert (line[4].value, line[6].value) == (5, 3)
    # A count prints whole: 3, not 3.0.
    assert (line[4].number_format, line[6].number_format, line[8].number_format) == (
        "#,##0", "#,##0", "+#,##0;-#,##0;0")
    ws = book["Complaints"]
    cells = {(c.row, c.column): c.value for row in ws.iter_rows() for c in row if c.value}
    assert cells[(1, 2)] == "3 complaints, 0 compliments"
    assert cells[(2, 2)] == "3 working days (n=2 resolved)"
    # The open one is 8 working days old: past the target, so it counts against it.
    assert cells[(3, 2)] == "33% (n=3)" and cells[(3, 1)] == "Within 2 working days"
    assert cells[(4, 2)] == "0% (n=1)"
    assert cells[(5, 2)] == "1, of which 1 past the date promised"
    trend = {ws.cell(r, 1).value: [ws.cell(r, c).value for c in range(2, 10)]
             for r in range(9, 17)}
    assert trend["2026-Q4"] == [3, 0, 3, 2, pytest.approx(1 / 3), 3, 0, 1]
    opened = book["Open complaints"]
    assert opened.cell(1, 1).value == f"Open on {TODAY:%d %b %Y}: 1, of which 1 past the " \
                                      "date promised."
    assert [c.value for c in opened[3]][:4] == ["Received", "Promised by", "Overdue",
                                                "Working days open"]
    assert opened.print_title_rows == "$3:$3"  # its headings on every printed page
    texts = [c for row in opened.iter_rows() for c in row if c.value == hostile.what_happened]
    assert texts and all(c.data_type == "s" for c in texts)  # text, never a formula
    assert ("Answer the phone by the third ring" in
            [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)])


def test_deleting_the_organisation_names_and_removes_the_register(
        con: Connection, org: Organisation, setup: dict[str, int]) -> None:
    from strategy.core.orgs import delete_organisation, deletion_summary

    complaints.add_feedback(con, org.id, complaint(setup, date(2026, 11, 2)), today=TODAY)
    complaints.add_feedback(con, org.id, FeedbackInput(
        "compliment", date(2026, 11, 3), "Email", "Thanks", staff_ids=[setup["ben"]]),
        today=TODAY)
    summary = deletion_summary(con, org.id)
    assert summary["complaints and compliments"] == 2
    assert summary["staff named in compliments"] == 1
    delete_organisation(con, org.id)
    assert con.execute("SELECT count(*) FROM complaint").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM complaint_staff").fetchone() == (0,)


def test_a_quarter_with_compliments_only_keeps_the_typed_complaints(
        con: Connection, org: Organisation, setup: dict[str, int]) -> None:
    from strategy.measures import impact
    from strategy.measures.impact import Assumptions, Inputs

    impact.save(con, org.id, Q4, Inputs(10_000, 500.0, 50, 0.2, 300.0), Assumptions())
    complaints.add_feedback(con, org.id, FeedbackInput(
        "compliment", date(2026, 11, 3), "Email", "Thanks"), today=TODAY)
    q4 = impact.effective(con, org.id, Q4, TODAY)
    assert q4 is not None and not q4.complaints_from_register
    assert q4.saved.inputs.complaints == 50
    assert impact.complaints_series(con, org.id, [Q4], TODAY) == [
        (50, "typed into the impact model")]


def test_the_figures_need_permission_to_read_the_plan(con: Connection, org: Organisation) -> None:
    guest = access.Identity(kind="guest", name="Gail", guest_id=1, workshop_id=1,
                            workshop_org=org.id)
    with access.acting(guest):
        for read in (lambda: complaints.quarter_figures(con, org.id, [Q4], TODAY),
                     lambda: complaints.impact_feed(con, org.id, [Q4], TODAY),
                     lambda: complaints.open_counts(con, org.id, TODAY),
                     lambda: complaints.pareto(con, org.id, Q4.start, Q4.end, "segment")):
            with pytest.raises(AccessDenied):
                read()


def test_moving_or_deleting_a_record_in_a_reviewed_quarter_asks_for_a_reason(
        con: Connection, org: Organisation, setup: dict[str, int]) -> None:
    feedback_id = complaints.add_feedback(con, org.id, complaint(setup, date(2026, 10, 5)),
                                          today=TODAY)
    con.execute("INSERT INTO review (org_id, period, closed_at) VALUES (?, '2026-Q3', now())",
                [org.id])
    record = complaints.get_feedback(con, org.id, feedback_id)
    moved = record.as_input()
    moved.received_on = date(2026, 9, 30)  # into the reviewed quarter
    with pytest.raises(ValidationError, match="locked"):
        complaints.update_feedback(con, org.id, feedback_id, record.version, moved, today=TODAY)
    complaints.update_feedback(con, org.id, feedback_id, record.version, moved, today=TODAY,
                               reason="Date typed wrong")
    record = complaints.get_feedback(con, org.id, feedback_id)
    back = record.as_input()
    back.received_on = date(2026, 10, 6)  # and out of it again
    with pytest.raises(ValidationError, match="locked"):
        complaints.update_feedback(con, org.id, feedback_id, record.version, back, today=TODAY)
    with pytest.raises(ValidationError, match="locked"):
        complaints.delete_feedback(con, org.id, feedback_id)
    complaints.delete_feedback(con, org.id, feedback_id, reason="Recorded twice")
    reasons = [r[0] for r in con.execute("SELECT reason FROM change_log WHERE area = "
                                         "'Complaints' AND reason <> '' ORDER BY id").fetchall()]
    assert reasons == ["Date typed wrong", "Recorded twice"]


def test_a_contributor_changes_what_they_recorded_or_own(
        con: Connection, org: Organisation, setup: dict[str, int]) -> None:
    from strategy.identity import accounts

    account = accounts.create_account(con, "cora", "Cora Contrib", "a long enough password").id
    accounts.set_role(con, account, org.id, Role.CONTRIBUTOR)
    cora = member("Cora Contrib", org.id, Role.CONTRIBUTOR, account_id=account)
    others = complaints.add_feedback(con, org.id, complaint(setup, date(2026, 11, 5)),
                                     today=TODAY)  # recorded by the administrator
    with access.acting(cora):
        mine = complaints.add_feedback(con, org.id, complaint(setup, date(2026, 11, 6)),
                                       today=TODAY)
        record = complaints.get_feedback(con, org.id, mine)
        complaints.update_feedback(con, org.id, mine, record.version, record.as_input(),
                                   today=TODAY)
        theirs = complaints.get_feedback(con, org.id, others)
        assert not complaints.may_change(con, org.id, theirs)
        with pytest.raises(AccessDenied, match="recorded or own"):
            complaints.update_feedback(con, org.id, others, theirs.version, theirs.as_input(),
                                       today=TODAY)
    # Once Cora's account is Amara, the owner, Amara's complaints are hers to resolve.
    accounts.set_person(con, account, org.id, setup["amara"])
    with access.acting(cora):
        assert complaints.may_change(con, org.id, theirs)
        complaints.update_feedback(con, org.id, others, theirs.version, theirs.as_input(),
                                   today=TODAY)
    with access.acting(member("Lee", org.id, Role.LEADER)):
        assert complaints.may_change(con, org.id, complaints.get_feedback(con, org.id, mine))


def test_a_new_target_with_a_reviewed_quarter_needs_a_reason(
        con: Connection, org: Organisation) -> None:
    con.execute("INSERT INTO review (org_id, period, closed_at) VALUES (?, '2026-Q3', now())",
                [org.id])
    with pytest.raises(ValidationError, match="locked"):
        complaints.set_target_days(con, org.id, 3)
    assert complaints.target_days(con, org.id) == 2
    complaints.set_target_days(con, org.id, 3, reason="Agreed at the Q3 review")
    assert con.execute("SELECT reason, period FROM change_log WHERE action = 'target set'"
                       ).fetchone() == ("Agreed at the Q3 review", "2026-Q3")


def test_a_long_segment_name_still_fits_the_recognition(
        con: Connection, org: Organisation, setup: dict[str, int]) -> None:
    long_name = "Households on the priority services register in the northern area " * 2
    segment = add_segment(con, org.id, SegmentInput(long_name.strip()[:120], "external"))
    feedback_id = complaints.add_feedback(con, org.id, FeedbackInput(
        "compliment", date(2026, 11, 12), "Email", "Thank you", segment_id=segment,
        staff_ids=[setup["ben"]]), today=TODAY)
    made = complaints.recognise_compliment(con, org.id, feedback_id, 1, setup["value"], None,
                                           today=TODAY)
    giver = recognition.get_recognition(con, org.id, made).giver
    assert giver.startswith("A customer (Households on the priority") and len(giver) <= 120


def test_a_reused_display_name_does_not_give_away_someone_elses_records(
        con: Connection, org: Organisation, setup: dict[str, int]) -> None:
    from strategy.identity import accounts

    first = accounts.create_account(con, "cara", "Cara", "a long enough password").id
    accounts.set_role(con, first, org.id, Role.CONTRIBUTOR)
    with access.acting(member("Cara", org.id, Role.CONTRIBUTOR, account_id=first)):
        feedback_id = complaints.add_feedback(con, org.id, complaint(setup, date(2026, 11, 5)),
                                              today=TODAY)
    record = complaints.get_feedback(con, org.id, feedback_id)
    assert record.recorded_by_account == first
    # Later another account is shown as "Cara" (the first renamed, a new one named so).
    other = member("Cara", org.id, Role.CONTRIBUTOR, account_id=first + 1000)
    with access.acting(other):
        assert not complaints.may_change(con, org.id, record)
    with access.acting(member("Cara Jones", org.id, Role.CONTRIBUTOR, account_id=first)):
        assert complaints.may_change(con, org.id, record)
