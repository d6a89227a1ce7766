"""How the pages behave when an organisation is large (issue 11), as a person uses them.

A large organisation is one whose staff is above ``widgets.SEARCH_ABOVE`` or whose log
runs to several pages; the thresholds are lowered here so that a small data set
takes the same paths as twenty thousand people would.
"""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from streamlit.testing.v1 import AppTest

from strategy.core.db import Connection
from strategy.core.orgs import Organisation
from strategy.core.periods import Quarter
from strategy.people import personnel, recognition
from strategy.people.personnel import EmployeeInput
from strategy.people.recognition import LogFilter, RecognitionInput
from strategy.service import vision
from strategy.ui import widgets
from tests.identities import member, sign_in_app
from tests.test_pages import open_app, open_tab, submit, table_with

TODAY = date.today()
QUARTER = Quarter.current()


@pytest.fixture
def staff(con: Connection, org: Organisation) -> dict[str, int]:
    desk = personnel.add_team(con, org.id, "Desk")
    names = ["Ann Lee", "Bob Stone", "Cy Annand", "Dee Moss", "Eve Hanna", "Fay Ng"]
    return {name: personnel.add_employee(con, org.id, EmployeeInput(
        f"E{i}", name, desk, date(2020, 1, 1), "Adviser")) for i, name in enumerate(names)}


@pytest.fixture
def searching(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pickers search once there are more than three people."""
    monkeypatch.setattr(widgets, "SEARCH_ABOVE", 3)
    monkeypatch.setattr(widgets, "MATCHES_SHOWN", 2)


def options(at: AppTest, key: str) -> list[str]:
    return list(at.multiselect(key=key).options)


def test_a_large_staff_is_searched_and_the_form_starts_empty_after_saving(
        con: Connection, org: Organisation, staff: dict[str, int], searching: None,
        monkeypatch: pytest.MonkeyPatch) -> None:
    value = vision.add_value(con, org.id, "Own it")
    sign_in_app(monkeypatch, member("Hana (HR)", org.id, "hr"))
    at = open_app("step09_recognition")
    # Nobody is offered until a search: six names would not be sent to the browser.
    assert options(at, "rec_new_0_recipients") == []
    assert any("Search among 6 people" in c.value for c in at.caption)
    at.text_input(key="rec_new_0_recipients_find").input("ann").run()
    # "ann" is in three names; two are shown, with a word on narrowing the search.
    assert options(at, "rec_new_0_recipients") == ["Ann Lee (E0, Desk)", "Cy Annand (E2, Desk)"]
    assert any("type more to narrow" in c.value for c in at.caption)
    at.multiselect(key="rec_new_0_recipients").set_value([staff["Cy Annand"]]).run()
    # A second search keeps who is chosen and offers the new matches beside them.
    at.text_input(key="rec_new_0_recipients_find").input("E5").run()
    assert options(at, "rec_new_0_recipients") == ["Cy Annand (E2, Desk)", "Fay Ng (E5, Desk)"]
    at.multiselect(key="rec_new_0_recipients").set_value(
        [staff["Cy Annand"], staff["Fay Ng"]]).run()
    at.selectbox(key="rec_new_0_value").set_value(value)
    at.text_area(key="rec_new_0_what").input("Stayed late to finish a customer's claim")
    submit(at, "Record recognition")
    (saved,) = recognition.list_recognitions(con, org.id, LogFilter(QUARTER.start, QUARTER.end))
    assert saved.recipients == ("Cy Annand", "Fay Ng")
    # A fresh form: nobody chosen, the search box empty.
    assert at.multiselect(key="rec_new_1_recipients").value == []
    assert at.text_input(key="rec_new_1_recipients_find").value == ""


def test_a_search_that_finds_nobody_says_so_and_treats_wildcards_as_text(
        con: Connection, org: Organisation, staff: dict[str, int], searching: None) -> None:
    at = open_tab(open_app("people"), "people_tab", "Add or edit a person")
    at.text_input(key="person_choice_find").input("%").run()
    assert any("No one matches" in c.value for c in at.caption)
    assert list(at.selectbox(key="person_choice").options) == []
    at.text_input(key="person_choice_find").input("moss").run()
    at.selectbox(key="person_choice").set_value(staff["Dee Moss"]).run()
    assert at.text_input(key=f"person_{staff['Dee Moss']}_0_name").value == "Dee Moss"


def _recognise(con: Connection, org: Organisation, staff: dict[str, int], count: int) -> None:
    value = vision.add_value(con, org.id, "Own it")
    recognition.add_many(con, org.id, [
        RecognitionInput([list(staff.values())[i % len(staff)]], TODAY, f"Giver {i}", "peer",
                         f"Deed number {i}" if i != 7 else "=HYPERLINK(\"x\")",
                         value_id=value) for i in range(count)])


def test_the_log_is_paged_searched_and_downloaded_whole(
        con: Connection, org: Organisation, staff: dict[str, int],
        monkeypatch: pytest.MonkeyPatch) -> None:
    _recognise(con, org, staff, 120)
    sign_in_app(monkeypatch, member("Hana (HR)", org.id, "hr"))
    at = open_tab(open_app("step09_recognition"), "recognition_tab", "Log")
    shown = table_with(at, "Recorded by")
    assert len(shown) == 100  # the first page
    assert any("120 records in" in c.value and "showing 1–100" in c.value for c in at.caption)
    at.number_input(key="log_page").set_value(2).run()
    assert len(table_with(at, "Recorded by")) == 20
    # A search narrows the count and brings the page back within range.
    at.text_input(key="log_text").input("Deed number 11").run()
    assert at.number_input(key="log_page").value == 1
    whats = list(table_with(at, "Recorded by")["What"])
    assert sorted(whats) == ["Deed number 11", "Deed number 110", "Deed number 111",
                             "Deed number 112", "Deed number 113", "Deed number 114",
                             "Deed number 115", "Deed number 116", "Deed number 117",
                             "Deed number 118", "Deed number 119"]
    at.text_input(key="log_text").input("").run()
    # What the download link sends (test_downloads follows it): every matching record,
    # formulas kept as text.
    data = recognition.log_csv_for(con, org.id, LogFilter(QUARTER.start, QUARTER.end))
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(lines) == 121 and "'=HYPERLINK(\"x\")" in {row[7] for row in lines}


def test_the_csv_written_by_duckdb_equals_the_one_written_in_python(
        con: Connection, org: Organisation, staff: dict[str, int]) -> None:
    _recognise(con, org, staff, 30)
    # Awkward text: quotes, commas, line breaks, control characters, formula starts.
    con.execute("UPDATE recognition SET what = 'Said \"thanks\", then\nleft\x0b', "
                "giver = '@Ann' WHERE what = 'Deed number 3'")
    con.execute("UPDATE recognition SET amount = 12.5, updated_by = '-Bob' "
                "WHERE what = 'Deed number 4'")
    for filters in (LogFilter(QUARTER.start, QUARTER.end),
                    LogFilter(QUARTER.start, QUARTER.end, text="number 2"),
                    LogFilter(QUARTER.start, QUARTER.end, giver_kind="manager")):
        expected = recognition.log_csv(recognition.list_recognitions(con, org.id, filters))
        assert recognition.log_csv_for(con, org.id, filters) == expected


def test_the_staff_list_is_paged_and_searched(con: Connection, org: Organisation,
                                              staff: dict[str, int]) -> None:
    at = open_app("people")
    assert len(table_with(at, "Manager")) == 6
    at.text_input(key="staff_text").input("an").run()
    assert set(table_with(at, "Manager")["Name"]) == {
        "Ann Lee", "Cy Annand", "Eve Hanna"}
    at.selectbox(key="staff_page_size").set_value(50).run()
    assert any(c.value.startswith("3 people") for c in at.caption)


def test_the_wall_shows_a_page_of_answers_at_a_time(con: Connection,
                                                    org: Organisation) -> None:
    for i in range(20):
        vision.add_entry(con, org.id, f"Answer {i}")

    def cards() -> list[str]:
        return [str(b.key) for b in at.button if b.key and b.key.startswith("vote_")]

    at = open_app("step03_vision")
    assert len(cards()) == 15
    assert any("20 answers" in c.value and "showing 1–15" in c.value for c in at.caption)
    at.number_input(key="wall_page").set_value(2).run()
    assert len(cards()) == 5
    at.text_input(key="wall_text").input("answer 1").run()
    assert at.number_input(key="wall_page").value == 1
    assert sorted(cards()) == sorted(f"vote_{e.id}" for e in vision.list_entries(con, org.id)
                                     if e.text.startswith("Answer 1"))


def test_a_chosen_person_is_not_carried_into_another_organisation(
        con: Connection, org: Organisation, staff: dict[str, int]) -> None:
    """After switching organisation the person box is empty; it never falls on the
    other organisation's first name."""
    from strategy.core.orgs import create_organisation

    other = create_organisation(con, "Other Services")
    team = personnel.add_team(con, other.id, "Crew")
    personnel.add_employee(con, other.id, EmployeeInput("O1", "Olga First", team,
                                                        date(2021, 1, 1)))
    at = open_tab(open_app("people"), "people_tab", "Add or edit a person")
    at.selectbox(key="person_choice").set_value(staff["Bob Stone"]).run()
    assert at.text_input(key=f"person_{staff['Bob Stone']}_0_name").value == "Bob Stone"
    at.session_state["org_id"] = other.id
    at.run()
    assert at.selectbox(key="person_choice").value is None
    assert at.text_input(key="person_new_0_name").value == ""


def test_a_new_filter_goes_back_to_the_first_page(con: Connection, org: Organisation,
                                                  staff: dict[str, int],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _recognise(con, org, staff, 120)
    sign_in_app(monkeypatch, member("Hana (HR)", org.id, "hr"))
    at = open_tab(open_app("step09_recognition"), "recognition_tab", "Log")
    at.number_input(key="log_page").set_value(2).run()
    assert len(table_with(at, "Recorded by")) == 20
    # Another team keeps two pages' worth of nothing: the view starts again at page 1.
    at.selectbox(key="log_kind").set_value("peer").run()
    assert at.number_input(key="log_page").value == 1
    assert len(table_with(at, "Recorded by")) == 100


def test_an_exact_employee_number_or_name_comes_first(con: Connection, org: Organisation,
                                                       staff: dict[str, int]) -> None:
    desk = personnel.list_teams(con, org.id)[0].id
    personnel.add_employee(con, org.id, EmployeeInput("X1", "Aaron E12 Jones", desk,
                                                      date(2021, 1, 1)))
    zoe = personnel.add_employee(con, org.id, EmployeeInput("E12", "Zoe Young", desk,
                                                            date(2021, 1, 1)))
    (first,) = personnel.find_employees(con, org.id, "e12", limit=1)
    assert first.id == zoe
    assert [e.name for e in personnel.find_employees(con, org.id, "an")][:1] == ["Ann Lee"]


def test_an_answer_added_to_the_wall_is_shown_first(con: Connection, org: Organisation) -> None:
    for i in range(20):
        vision.add_entry(con, org.id, f"Answer {i}")
    at = open_app("step03_vision")
    at.number_input(key="wall_page").set_value(2).run()
    at.text_input(key="brainstorm_0_text").input("Keeping the promise we made")
    submit(at, "Add to the wall")
    assert at.session_state["wall_order"] == "Newest"
    assert at.number_input(key="wall_page").value == 1
    newest = max(vision.list_entries(con, org.id), key=lambda e: (e.created_at, e.id))
    assert newest.text == "Keeping the promise we made"
    votes = [b.key for b in at.button if b.key and b.key.startswith("vote_")]
    assert votes[0] == f"vote_{newest.id}"
    assert [t.value for t in at.toast] == ["Added to the wall."]


def test_identical_answers_can_each_be_chosen_for_merging() -> None:
    from strategy.ui.pages.step03_vision import _distinct_labels

    entries = [vision.Entry(i, "On time", "Yusuf", None, False, 0, ())  # type: ignore[arg-type]
               for i in (1, 2, 3)]
    assert list(_distinct_labels(entries).values()) == [
        "On time (Yusuf)", "On time (Yusuf) · copy 2", "On time (Yusuf) · copy 3"]


def test_the_quarters_observations_are_paged(con: Connection, org: Organisation,
                                             staff: dict[str, int]) -> None:
    from strategy.service import accountability, standards

    standard = standards.add_standard(con, org.id, standards.StandardInput(
        "Answer by the third ring", "Phone", "Responsiveness", measure="Rings", target=3,
        unit="rings", direction="lower"))
    desk = personnel.list_teams(con, org.id)[0].id
    for _ in range(105):
        accountability.add_observation(con, org.id, accountability.ObservationInput(
            standard, TODAY, True, desk))
    at = open_tab(open_app("step05_accountability"), "accountability_tab",
                  "Record an observation")
    assert any(f"105 observations in {QUARTER}; showing 1–100." == c.value for c in at.caption)
    at.number_input(key="observations_page").set_value(2).run()
    assert any(c.value.endswith("showing 101–105.") for c in at.caption)


def test_typed_wildcards_match_only_themselves(con: Connection, org: Organisation,
                                               staff: dict[str, int]) -> None:
    from strategy.core.safe_text import contains_pattern

    assert contains_pattern("  ") is None
    assert contains_pattern("a_b%c\\") == "%a\\_b\\%c\\\\%"
    desk = personnel.list_teams(con, org.id)[0].id
    personnel.add_employee(con, org.id, EmployeeInput("P_1", "Pat 100% Sure", desk,
                                                      date(2021, 1, 1)))
    assert [e.name for e in personnel.find_employees(con, org.id, "0% s")] == ["Pat 100% Sure"]
    assert [e.number for e in personnel.find_employees(con, org.id, "P_")] == ["P_1"]
    assert personnel.find_employees(con, org.id, "A_n") == []  # "_" is not any letter
    assert personnel.count_employees(con, org.id, text="%") == 1


@pytest.mark.both_databases
def test_the_overdue_tab_reads_its_figures_and_page_together_and_pages_through(
        con: Connection, org: Organisation, monkeypatch: pytest.MonkeyPatch) -> None:
    """HR's Overdue tab: the figures and the page of who is late come from one reading;
    the page box moves through the list, each person once; others see counts only."""
    from strategy.people import training

    desk = personnel.add_team(con, org.id, "Desk")
    # Two people of one name: the list keeps them apart, each once.
    names = [f"Person {n:03}" for n in range(202)] + ["Person 199"]
    con.executemany("INSERT INTO employee (org_id, number, name, team_id, role, hire_date) "
                    "VALUES (?, ?, ?, ?, 'Adviser', DATE '2020-01-01')",
                    [[org.id, f"N{n}", name, desk] for n, name in enumerate(names)])
    training.seed_curriculum(con, org.id)
    module = training.list_modules(con, org.id)[0]
    training.set_requirements(con, org.id, module.id, [desk], [])
    reads: list[str] = []
    for name in ("figures", "overdue", "figures_and_overdue"):
        def counted(*args: object, _name: str = name,
                    _read: object = getattr(training, name)) -> object:
            reads.append(_name)
            return _read(*args)  # type: ignore[operator]
        monkeypatch.setattr(training, name, counted)
    sign_in_app(monkeypatch, member("Hana (HR)", org.id, "hr"))
    at = open_tab(open_app("step07_training"), "training_tab", "Overdue")
    reads.clear()
    at.run()
    assert reads == ["figures_and_overdue"]
    first = list(table_with(at, "Person")["Person"])
    assert first == sorted(names)[:200]
    assert any("203 overdue, longest overdue first; showing 1–200." in c.value
               for c in at.caption)
    at.number_input(key="overdue_page").set_value(2).run()
    assert not at.exception, at.exception
    second = list(table_with(at, "Person")["Person"])
    assert second == sorted(names)[200:]
    assert sorted(first + second) == sorted(names)
    # The two of one name told apart by their numbers, each listed once.
    numbers = list(table_with(at, "Person")["Number"])
    at.number_input(key="overdue_page").set_value(1).run()
    numbers += list(table_with(at, "Person")["Number"])
    assert sorted(numbers) == sorted(f"N{n}" for n in range(203))
    # Someone without HR's rights: how many per team and module, no names.
    sign_in_app(monkeypatch, member("Lee (leader)", org.id, "leader"))
    at = open_tab(open_app("step07_training"), "training_tab", "Overdue")
    reads.clear()
    at.run()
    assert reads == ["figures"]
    frame = table_with(at, "Overdue")
    assert "Person" not in frame.columns and list(frame["Overdue"]) == [203]
