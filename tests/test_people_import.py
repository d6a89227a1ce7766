"""Importing employees from HR exports: good files, bad files, all or nothing."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from strategy.core.db import Connection
from strategy.core.errors import StrategyError, ValidationError
from strategy.core.orgs import Organisation
from strategy.io.mapping import Reading
from strategy.io.staff_import import Preview, guess_mapping, import_employees, preview_employees
from strategy.io.tabular import read_table
from strategy.people import personnel

# The same domain code on DuckDB and on PostgreSQL (issue 24).
pytestmark = pytest.mark.both_databases

TODAY = date(2026, 11, 22)
GOOD = (b"Employee ID,Full name,Department,Job title,Manager,Start date,Leaving date,"
        b"Leaver type,Reason\n"
        b"E1,Ann Lee,Billing,Team leader,,01/02/2020,,,\n"
        b"E2,Bob Cho,Billing,Adviser,E1,15/06/2021,31/03/2026,voluntary,New job\n"
        b"E3,Cy Diaz,Field,Engineer,E1,2022-01-10,,,\n")


@pytest.fixture
def teams(con: Connection, org: Organisation) -> None:
    personnel.add_team(con, org.id, "Billing")
    personnel.add_team(con, org.id, "Field")


def preview(con: Connection, org: Organisation, data: bytes, name: str = "hr.csv",
            create_teams: bool = False) -> Preview:
    table = read_table(name, data)
    return preview_employees(con, org.id, table, guess_mapping(table.headers), today=TODAY,
                             create_teams=create_teams)


def test_headers_are_recognised() -> None:
    table = read_table("hr.csv", GOOD)
    assert guess_mapping(table.headers) == {
        "number": "Employee ID", "name": "Full name", "team": "Department",
        "role": "Job title", "manager_number": "Manager", "hire_date": "Start date",
        "leave_date": "Leaving date", "leave_kind": "Leaver type", "leave_reason": "Reason",
        "first_name": None, "last_name": None}


def test_a_clean_file_imports_and_reimporting_updates(con: Connection, org: Organisation,
                                                      teams: None) -> None:
    first = preview(con, org, GOOD)
    assert first.clean and first.counts() == (3, 0)
    assert import_employees(con, org.id, first) == (3, 0)
    bob = next(e for e in personnel.list_employees(con, org.id) if e.number == "E2")
    assert (bob.hire_date, bob.leave_date, bob.leave_kind, bob.leave_reason, bob.team) == (
        date(2021, 6, 15), date(2026, 3, 31), "voluntary", "New job", "Billing")
    again = preview(con, org, GOOD.replace(b"Cy Diaz", b"Cy Diaz-Ruiz"))
    assert again.counts() == (0, 3)
    assert import_employees(con, org.id, again) == (0, 3)
    assert len(personnel.list_employees(con, org.id)) == 3
    assert "Cy Diaz-Ruiz" in {e.name for e in personnel.list_employees(con, org.id)}


def test_every_problem_is_marked_on_its_row_and_nothing_is_written(
        con: Connection, org: Organisation, teams: None) -> None:
    bad = (b"Employee ID,Full name,Department,Start date,Leaving date,Leaver type\n"
           b",No Number,Billing,2020-01-01,,\n"                 # line 2
           b"E2,Bob,Nowhere,2020-01-01,,\n"                    # line 3
           b"E3,Cy,Field,2022-05-01,2021-01-01,voluntary\n"    # line 4
           b"E4,Dee,Field,2022-05-01,,\n"                      # line 5
           b"E4,Dee Again,Field,2022-05-01,,\n"                # line 6
           b"E6,Eve,Field,31/31/2022,,\n"                      # line 7
           b"E7,,Field,2022-01-01,,\n"                         # line 8
           b"E8,Fay,Field,2027-01-01,,\n"                      # line 9
           b"E9,Gus,Field,2020-01-01,2021-01-01,sacked\n")     # line 10
    result = preview(con, org, bad)
    problems = {row.line: row.problems for row in result.rows}
    assert problems[2] == ["Missing employee number."]
    assert problems[3][0].startswith("Unknown team “Nowhere”")
    assert problems[4] == ["The leave date 2021-01-01 is before the hire date 2022-05-01."]
    assert problems[5] == problems[6] == ["Employee number E4 appears 2 times in the file."]
    assert problems[7] == ["Hire date: “31/31/2022” is not a real date."]
    assert problems[8] == ["Missing name."]
    assert "in the future" in problems[9][0]
    assert "“sacked” is not one of" in problems[10][0]
    with pytest.raises(ValidationError, match="9 rows need fixing first"):
        import_employees(con, org.id, result)
    assert personnel.list_employees(con, org.id) == []


def test_unknown_teams_can_be_created_on_import(con: Connection, org: Organisation) -> None:
    result = preview(con, org, GOOD, create_teams=True)
    assert result.clean and result.new_teams == ["Billing", "Field"]
    import_employees(con, org.id, result)
    assert [t.name for t in personnel.list_teams(con, org.id)] == ["Billing", "Field"]


def test_excel_export_with_real_dates_and_progress(con: Connection, org: Organisation,
                                                   teams: None) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Staff number", "Name", "Team", "Hire date"])
    for i in range(1200):
        sheet.append([1000 + i, f"Person {i}", "Billing" if i % 2 else "Field",
                      datetime(2020, 1, 1 + i % 28)])
    buffer = io.BytesIO()
    book.save(buffer)
    seen: list[float] = []
    table = read_table("export.xlsx", buffer.getvalue())
    result = preview_employees(con, org.id, table, guess_mapping(table.headers), today=TODAY,
                               progress=lambda share, _text: seen.append(share))
    assert result.clean and seen[0] == 0.0 and seen[-1] == 1.0 and len(seen) >= 3
    assert import_employees(con, org.id, result) == (1200, 0)
    assert {e.number for e in personnel.list_employees(con, org.id)} >= {"1000", "2199"}


def test_month_first_dates_when_asked(con: Connection, org: Organisation, teams: None) -> None:
    data = b"Number,Name,Team,Hire date\n1,Ann,Billing,02/13/2021\n"
    # The column says it: 13 cannot be a month.
    assert preview(con, org, data).rows[0].employee.hire_date == date(2021, 2, 13)  # type: ignore[union-attr]
    table = read_table("us.csv", data)
    result = preview_employees(con, org.id, table, guess_mapping(table.headers),
                               Reading(orders={"hire_date": "mdy"}), today=TODAY)
    assert result.clean and result.rows[0].employee.hire_date == date(2021, 2, 13)  # type: ignore[union-attr]


@pytest.mark.parametrize(("name", "data", "message"), [
    ("empty.csv", b"", "empty.csv is empty."),
    ("blank.csv", b"\n\n  \n", "blank.csv has no rows."),
    ("photo.png", b"\x89PNG....", "photo.png is not a CSV or Excel (.xlsx) file."),
    ("old.xls", b"\xd0\xcf\x11\xe0rest", "old.xls is an old-style Excel file"),
    ("broken.xlsx", b"PK\x03\x04 not really a zip", "broken.xlsx is not a readable Excel"),
    ("locked.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptedPackage".encode("utf-16-le"),
     "locked.xlsx is password-protected"),
    ("old.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old.xlsx is an old Excel 97–2003 workbook"),
    ("renamed.csv", b"PK\x03\x04\x14\x00", "renamed.csv is a spreadsheet, not a text (CSV)"),
])
def test_unreadable_files_are_named_and_explained(name: str, data: bytes, message: str) -> None:
    with pytest.raises(StrategyError) as info:
        read_table(name, data)
    assert message in info.value.message


def test_missing_columns_are_refused(con: Connection, org: Organisation) -> None:
    table = read_table("partial.csv", b"Full name,Team\nAnn,Billing\n")
    with pytest.raises(ValidationError) as info:
        preview_employees(con, org.id, table, guess_mapping(table.headers), today=TODAY)
    assert set(info.value.fields) == {"number", "hire_date"}


def test_formulas_and_merged_cells_in_excel_are_refused() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Number", "Name"])
    sheet.append(["1", "=A2&\"x\""])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(StrategyError, match="cell B2 holds a formula"):
        read_table("f.xlsx", buffer.getvalue())
    sheet["B2"] = "Ann"
    sheet.merge_cells("A3:B3")
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(StrategyError, match="merged cells"):
        read_table("m.xlsx", buffer.getvalue())
