"""AppTest for steps 10 and 11: enter values, import answers, define a measure, review."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from strategy.core import audit
from strategy.core.db import Connection
from strategy.core.orgs import Organisation
from strategy.core.periods import Quarter
from strategy.core.wording import measure_value
from strategy.measures import reviews, scorecard
from strategy.measures.scorecard import MeasureInput
from tests.identities import member, sign_in_app
from tests.test_pages import click, errors, open_app, open_tab, plain, submit, table_with

# The same pages on DuckDB and on PostgreSQL (issue 24).
pytestmark = pytest.mark.both_databases

LAST = Quarter.current().shift(-1)


@pytest.fixture
def engagement(con: Connection, org: Organisation) -> int:
    return scorecard.add_measure(con, org.id, MeasureInput(
        "Engagement", "employee", "%", "higher", "quarterly", target=75, amber_band=5))


def with_period(at: AppTest, period: Quarter) -> AppTest:
    at.selectbox(key="period").set_value(str(period)).run()
    assert not at.exception
    return at


def value_key(measure_id: int, field: str, quarter: Quarter | None = None,
              generation: int = 0) -> str:
    """The value form's widget key: it starts from the sidebar's quarter, and afresh
    (the next generation) after each saved value."""
    return f"value_{measure_id}_{quarter or Quarter.current()}_{generation}_{field}"


def enter_values(at: AppTest) -> AppTest:
    return open_tab(at, "measures_tab", "Enter values")


def test_suggested_measures_on_an_empty_step(con: Connection, org: Organisation) -> None:
    at = open_tab(open_app("step10_measures"), "measures_tab", "Measures")
    click(at, "starting_set")
    open_tab(at, "measures_tab", "Scorecard")
    assert len(scorecard.list_measures(con, org.id)) == len(scorecard.STARTING_SET)
    names = {name for d in at.dataframe if "Based on" in d.value.columns
             for name in d.value["Measure"]}
    assert names == {m.name for m in scorecard.STARTING_SET}


def test_enter_a_value_and_see_its_status(con: Connection, org: Organisation,
                                          engagement: int) -> None:
    at = enter_values(with_period(open_app("step10_measures"), LAST))
    # The quarter starts at the sidebar's quarter.
    assert at.text_input(key=value_key(engagement, "period", LAST)).value == str(LAST)
    at.number_input(key=value_key(engagement, "value", LAST)).set_value(72.0)
    submit(at, "Save value")
    assert scorecard.entered_values(con, org.id, engagement) == {str(LAST): 72.0}
    # The form starts afresh for the next value, in the same tab.
    assert at.number_input(key=value_key(engagement, "value", LAST, 1)).value is None
    assert at.text_input(key=value_key(engagement, "period", LAST, 1)).value == str(LAST)
    open_tab(at, "measures_tab", "Scorecard")
    row = table_with(at, "Based on").iloc[0]
    assert (row["Measure"], row["Actual"], row["Status"]) == ("Engagement", "72", "amber")


def test_a_percentage_over_100_is_refused(con: Connection, org: Organisation,
                                          engagement: int) -> None:
    at = enter_values(open_app("step10_measures"))
    at.text_input(key=value_key(engagement, "period")).input(str(LAST))
    at.number_input(key=value_key(engagement, "value")).set_value(104.0)
    submit(at, "Save value")
    assert errors(at) == ["Engagement in % must be from 0 to 100 (you entered 104)."]
    assert scorecard.entered_values(con, org.id, engagement) == {}


def test_import_survey_answers_with_a_bad_row_then_fixed(con: Connection, org: Organisation,
                                                         engagement: int) -> None:
    day = LAST.start.isoformat()
    bad = f"Date,Score\n{day},9\n{day},11\n".encode()
    at = open_tab(open_app("step10_measures"), "measures_tab", "Survey responses")
    at.selectbox(key="survey_kind").set_value("enps").run()
    at.file_uploader(key="survey_file_0").set_value(("enps.csv", bad, "text/csv")).run()
    (problem,) = errors(at)
    assert "Line 3: Score 11 is not a whole number from 0 to 10." in problem
    assert at.button(key="survey_import_button").disabled
    fixed = bad.replace(b",11", b",10")
    at.file_uploader(key="survey_file_0").set_value(("enps.csv", fixed, "text/csv")).run()
    click(at, "survey_import_button")
    result = scorecard.survey_result(con, org.id, "enps", LAST.start, LAST.end)
    assert (result.n, result.value) == (2, 100.0)


def test_define_a_measure(con: Connection, org: Organisation) -> None:
    at = open_tab(open_app("step10_measures"), "measures_tab", "Measures")
    at.text_input(key="measure_new_0_name").input("First-contact resolution")
    at.selectbox(key="measure_new_0_unit").set_value("%")
    at.number_input(key="measure_new_0_target").set_value(80.0)
    at.number_input(key="measure_new_0_band").set_value(5.0)
    submit(at, "Add measure")
    (saved,) = scorecard.list_measures(con, org.id)
    assert (saved.name, saved.unit, saved.target, saved.amber_band, saved.cadence) == (
        "First-contact resolution", "%", 80.0, 5.0, "quarterly")


def test_hold_and_close_a_review(con: Connection, org: Organisation, engagement: int,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    scorecard.set_value(con, org.id, engagement, str(LAST), 80)
    at = with_period(open_app("step11_review"), LAST)
    click(at, "review_start")
    review = reviews.find_review(con, org.id, LAST)
    assert review is not None
    open_tab(at, "review_tab", "The review")
    # The day it is held is today unless said otherwise (issue 22, item 7).
    assert at.date_input(key=f"review_{review.id}_0_held").value == date.today()
    at.text_area(key=f"review_{review.id}_0_worked").input("Phones answered fast")
    at.multiselect(key=f"review_{review.id}_0_pitfalls").set_value([reviews.PITFALLS[1]])
    at.text_area(key=f"review_{review.id}_0_decisions").input("Hire two advisers")
    submit(at, "Save review")
    open_tab(at, "review_tab", "Actions")
    at.text_input(key="action_0_description").input("Advertise the adviser roles")
    at.text_input(key="action_0_owner").input("HR")
    at.date_input(key="action_0_due").set_value(date.today())
    submit(at, "Add action")
    sign_in_app(monkeypatch, member("Chair", org.id, "leader"))
    open_tab(at, "review_tab", "The review")
    click(at, "review_close")
    closed = reviews.find_review(con, org.id, LAST)
    assert closed is not None and closed.closed and closed.closed_by == "Chair"
    assert closed.snapshot is not None and closed.snapshot[0]["status"] == "green"
    assert [a.description for a in reviews.list_actions(con, org.id)] == [
        "Advertise the adviser roles"]
    assert any("is closed and the quarter locked" in plain(s.value) for s in at.success)


def test_a_locked_quarter_asks_for_a_reason(con: Connection, org: Organisation,
                                            engagement: int) -> None:
    con.execute("INSERT INTO review (org_id, period, closed_at, closed_by) VALUES (?, ?, now(), "
                "'Chair')", [org.id, str(LAST)])
    at = enter_values(open_app("step10_measures"))
    at.text_input(key=value_key(engagement, "period")).input(str(LAST))
    at.number_input(key=value_key(engagement, "value")).set_value(70.0)
    submit(at, "Save value")
    assert any("was reviewed and is locked" in e for e in errors(at))
    at.text_input(key=value_key(engagement, "reason")).input("Late survey returns")
    submit(at, "Save value")
    assert scorecard.entered_values(con, org.id, engagement) == {str(LAST): 70.0}
    (change,) = audit.changes(con, org.id, limit=1)
    assert (change.changed_by, change.reason) == ("Test administrator", "Late survey returns")


def test_import_measure_values_from_the_page(con: Connection, org: Organisation,
                                             engagement: int) -> None:
    at = enter_values(open_app("step10_measures"))
    bad = f"Measure,Period,Value\nEngagement,{LAST},170\n".encode()
    at.file_uploader(key="measures_import_file_0").set_value(("v.csv", bad, "text/csv")).run()
    (problem,) = errors(at)
    assert "Line 2: Engagement in % must be from 0 to 100 (you entered 170)." in problem
    assert at.button(key="measures_import_button").disabled
    good = bad.replace(b"170", b"71")
    at.file_uploader(key="measures_import_file_0").set_value(("v.csv", good, "text/csv")).run()
    click(at, "measures_import_button")
    assert scorecard.entered_values(con, org.id, engagement) == {str(LAST): 71.0}
    assert any("Imported 1 measure values from v.csv." in plain(s.value) for s in at.success)


def test_import_recognition_from_the_page(con: Connection, org: Organisation,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from strategy.people import personnel, recognition
    from strategy.service import vision

    team = personnel.add_team(con, org.id, "Desk")
    personnel.add_employee(con, org.id,
                           personnel.EmployeeInput("E1", "Ann", team, date(2020, 1, 1)))
    vision.add_value(con, org.id, "Own it")
    data = (b"Date,Recipients,Given by,From,What was done,Reward,Value\n"
            + f"{date.today()},E1,Mo,peer,Helped a caller,thanks,Own it\n".encode())
    sign_in_app(monkeypatch, member("Hana", org.id, "hr"))
    at = open_app("step09_recognition")
    at.file_uploader(key="recognition_import_file_0").set_value(("k.csv", data, "text/csv")).run()
    assert errors(at) == []
    click(at, "recognition_import_button")
    period = Quarter.current()
    (saved,) = recognition.list_recognitions(con, org.id, recognition.LogFilter(
        period.start, period.end))
    assert (saved.what, saved.created_by) == ("Helped a caller", "Hana")


def test_a_correlation_that_cannot_be_computed_says_so(con: Connection, org: Organisation,
                                                       engagement: int) -> None:
    nps = scorecard.add_measure(con, org.id, MeasureInput(
        "NPS", "customer", "NPS points", "higher", "quarterly", target=30))
    scorecard.set_value(con, org.id, engagement, str(LAST), 72)
    scorecard.set_value(con, org.id, nps, str(LAST), 20)
    at = open_tab(with_period(open_app("step10_measures"), LAST), "measures_tab",
                  "Employees and customers side by side")
    table = table_with(at, "Correlation (r)")
    assert set(table["Correlation (r)"]) == {"not enough data"}
    assert "None" not in table.to_string()


def test_side_by_side_is_one_chart_of_the_pair_with_most_quarters_in_common(
        con: Connection, org: Organisation, engagement: int) -> None:
    """Engagement and NPS (the first of each side) have one quarter; Absence and
    Customer retention have four in common: the chart opens on those two, layered on one
    quarter axis with a scale each."""
    ids = {name: scorecard.add_measure(con, org.id, MeasureInput(name, side, unit, "higher",
                                                                 "quarterly"))
           for name, side, unit in (("NPS", "customer", "NPS points"),
                                    ("Absence", "employee", "%"),
                                    ("Customer retention", "customer", "%"))}
    scorecard.set_value(con, org.id, engagement, str(LAST), 72)
    scorecard.set_value(con, org.id, ids["NPS"], str(LAST), 31)
    for back, (absence, retention) in enumerate([(3.1, 91), (3.4, 90), (2.9, 93), (4.0, 88)]):
        quarter = str(LAST.shift(-back))
        scorecard.set_value(con, org.id, ids["Absence"], quarter, absence)
        scorecard.set_value(con, org.id, ids["Customer retention"], quarter, retention)
    at = open_tab(with_period(open_app("step10_measures"), LAST), "measures_tab",
                  "Employees and customers side by side")
    chosen = {s.key: s.value for s in at.selectbox if s.key in ("sbs_employee", "sbs_customer")}
    assert chosen == {"sbs_employee": ids["Absence"], "sbs_customer": ids["Customer retention"]}
    (chart,) = at.get("arrow_vega_lite_chart") or at.get("vega_lite_chart")
    spec = json.loads(chart.proto.spec)
    layers = spec["layer"]
    assert len(layers) == 2
    assert spec["resolve"] == {"scale": {"y": "independent"}}
    assert {layer["encoding"]["x"]["field"] for layer in layers} == {"Quarter"}
    axes = [(layer["encoding"]["y"]["axis"]["orient"], layer["encoding"]["y"]["title"])
            for layer in layers]
    assert axes == [("left", "Employee: Absence (%)"),
                    ("right", "Customer: Customer retention (%)")]
    # Streamlit sends the layers' data beside the spec, as Arrow tables.
    data = {d.name: pa.ipc.open_stream(d.data.data).read_all() for d in chart.proto.datasets}
    plotted = [data[layer["data"]["name"]].column("Value").to_pylist() for layer in layers]
    assert plotted == [[4.0, 2.9, 3.4, 3.1], [88.0, 93.0, 90.0, 91.0]]
    caption = " ".join(plain(c.value) for c in at.caption)
    assert "8 values over" in caption and "4 quarters with both" in caption
    table = table_with(at, "Correlation (r)")
    assert list(table["Paired quarters (n)"]) == [4, 3, 2, 1]


def test_a_closed_review_shows_its_frozen_figure_and_a_later_correction(
        con: Connection, org: Organisation, engagement: int) -> None:
    scorecard.set_value(con, org.id, engagement, str(LAST), 76)
    review = reviews.start_review(con, org.id, LAST)
    reviews.save_review(con, org.id, review.id, review.version, reviews.ReviewInput(
        date.today(), "", "", [], "Keep going"))
    reviews.close_review(con, org.id, review.id)
    scorecard.set_value(con, org.id, engagement, str(LAST), 77, reason="Late survey returns")
    at = with_period(open_app("step11_review"), LAST)
    row = table_with(at, "Now").iloc[0]
    assert (row["Measure"], row["Actual"], row["Now"]) == ("Engagement", "76.0", "77.0")
    (correction,) = table_with(at, "Reason").to_dict("records")
    assert correction["Reason"] == "Late survey returns"
    assert "Engagement" in correction["What"] and correction["Who"]


def test_updating_an_action_starts_from_its_status(con: Connection, org: Organisation) -> None:
    """The Status box shows the chosen action's status, not "open" whatever it is: pressing
    Update must not set an action in progress back to open."""
    review = reviews.start_review(con, org.id, LAST)
    first = reviews.add_action(con, org.id, review.id, "Advertise the roles", "HR",
                               date.today())
    second = reviews.add_action(con, org.id, review.id, "Script the greeting", "Ops",
                                date.today())
    reviews.set_action_status(con, org.id, second, "in progress")
    at = open_tab(with_period(open_app("step11_review"), LAST), "review_tab", "Actions")
    assert at.selectbox(key="action_choice").value == first
    assert at.selectbox(key=f"action_{first}_open_status").value == "open"
    at.selectbox(key="action_choice").set_value(second).run()
    assert at.selectbox(key=f"action_{second}_in progress_status").value == "in progress"
    submit(at, "Update")  # unchanged: still in progress
    assert {a.id: a.status for a in reviews.list_actions(con, org.id)}[second] == "in progress"
    at.selectbox(key=f"action_{second}_in progress_status").set_value("done")
    submit(at, "Update")
    assert {a.id: a.status for a in reviews.list_actions(con, org.id)}[second] == "done"
    # Done, it leaves the open actions: the box moves to the one left, at its own status.
    assert at.selectbox(key="action_choice").value == first
    assert at.selectbox(key=f"action_{first}_open_status").value == "open"


def test_a_count_shows_as_a_whole_number(con: Connection, org: Organisation,
                                         engagement: int) -> None:
    """A count reads "1,250", never "1,250.0" (a derived count is stored as a decimal):
    on the overview, the scorecard and the closed review; other units as before."""
    assert measure_value(15.0, "count") == "15" and measure_value(1250, "count") == "1,250"
    assert measure_value(-2.0, "count", signed=True) == "-2"
    assert measure_value(None, "count") == "—" and measure_value(85.66, "%") == "85.7"
    calls = scorecard.add_measure(con, org.id, MeasureInput(
        "Complaints about the number of times customers had to call back before a fix",
        "customer", "count", "lower", "quarterly", target=1300, amber_band=100))
    for quarter, value in ((LAST.shift(-1), 1200), (LAST, 1250)):
        scorecard.set_value(con, org.id, calls, str(quarter), value)
        scorecard.set_value(con, org.id, engagement, str(quarter), 80.5)
    at = with_period(open_app("overview"), LAST)
    said = "\n".join(plain(m.value) for m in at.markdown)
    assert "back before a fix: 1,250 count" in said and "Engagement: 80.5 %" in said
    at = with_period(open_app("step10_measures"), LAST)
    customer, employee = [d.value for d in at.dataframe if "Based on" in d.value.columns]
    row = customer.set_index("Measure").loc[
        "Complaints about the number of times customers had to call back before a fix"]
    assert (row["Target"], row["Actual"], row["Previous"], row["Change"]) == (
        "≤ 1,300", "1,250", "1,200", "+50")
    assert employee.set_index("Measure").loc["Engagement", "Change"] == "+0.0"
    # The status stands beside the name, so a long name does not push it out of sight.
    assert list(customer.columns[:2]) == ["Measure", "Status"]
    review = reviews.start_review(con, org.id, LAST)
    reviews.save_review(con, org.id, review.id, review.version, reviews.ReviewInput(
        date.today(), "", "", [], "Keep going"))
    reviews.close_review(con, org.id, review.id)
    at = with_period(open_app("step11_review"), LAST)
    frozen = table_with(at, "Based on").set_index("Unit")
    assert tuple(frozen.loc["count", ["Target", "Actual", "Previous"]]) == (
        "1,300", "1,250", "1,200")
    assert tuple(frozen.loc["%", ["Actual", "Previous"]]) == ("80.5", "80.5")


def test_a_survey_tools_export_imports_from_the_page_with_every_answer(
        con: Connection, org: Organisation) -> None:
    """Qualtrics' two heading rows under its headings are dropped once, not per choice:
    every answer of the file arrives, and NPS is the file's own."""
    from tests.exports import NPS_ANSWERS, nps, qualtrics

    at = open_tab(open_app("step10_measures"), "measures_tab", "Survey responses")
    at.file_uploader(key="survey_file_0").set_value(
        ("Riverbend_NPS.csv", qualtrics().data, "text/csv")).run()
    assert not at.exception and not errors(at)
    assert at.button(key="survey_import_button").label == f"Import {len(NPS_ANSWERS)} answers"
    click(at, "survey_import_button")
    result = scorecard.survey_result(con, org.id, "nps", date(2026, 10, 1), date(2026, 10, 31))
    assert result.n == len(NPS_ANSWERS)
    assert result.value == pytest.approx(nps(NPS_ANSWERS))


def test_the_server_builds_the_pack_two_sheets_at_a_time(
        con: Connection, org: Organisation, engagement: int,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """In the app server the pack shares the cores with everyone's pages: its sheets read
    the database two at a time (the command line, with the machine to itself, four), and
    the workbook is offered once built."""
    from strategy.core.db import SIDE_BY_SIDE
    from strategy.io import review_pack

    pools: list[int] = []
    real = ThreadPoolExecutor

    def counted(max_workers: int) -> ThreadPoolExecutor:
        pools.append(max_workers)
        return real(max_workers=max_workers)

    monkeypatch.setattr(review_pack, "ThreadPoolExecutor", counted)
    at = with_period(open_app("step11_review"), LAST)
    click(at, "pack_build")
    assert not errors(at)
    assert pools == [review_pack.READS_AT_ONCE_IN_THE_SERVER] == [2]
    assert at.session_state[f"pack_{org.id}_{LAST}"][:2] == b"PK"  # an xlsx is a zip
    review_pack.build_pack(con, org.id, LAST)
    assert pools[-1] == SIDE_BY_SIDE == 4
