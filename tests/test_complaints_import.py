"""Importing a help desk's export into the complaints register: all rows or none."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from strategy.cli import main
from strategy.core.db import Connection
from strategy.core.errors import ValidationError
from strategy.core.orgs import Organisation
from strategy.customers.segments import SegmentInput, add_segment
from strategy.io.complaints_import import guess_mapping, import_feedback, preview
from strategy.io.imports import ImportRejected, run_import, template
from strategy.io.tabular import read_table
from strategy.measures import complaints
from strategy.measures.complaints import RegisterFilter
from strategy.people.personnel import EmployeeInput, add_employee, add_team

TODAY = date(2026, 11, 20)
# A help desk's own headings, as exported.
HEADER = ("Ticket ID,Type,Created at,Source,Segment,Description,Assignee,Due date,"
          "Resolution,Resolved at,Accepted,Compensation,Compensation value,Staff\n")
GOOD = [
    "HD-1,Complaint,2026-11-02 09:14,Phone,Households,Meter read twice,E1,2026-11-04,"
    "Reading corrected,2026-11-03 16:00,yes,Credit,20,",
    "HD-2,Complaint,3 Nov 2026,e-mail,Households,No call back,Amara Okafor,,,,,,,",
    "HD-3,Compliment,2026-11-05,Chat,,Ben sorted it in minutes,,,,,,,,E2; E3",
]


@pytest.fixture
def staffed(con: Connection, org: Organisation) -> Organisation:
    team = add_team(con, org.id, "Contact centre")
    for number, name in (("E1", "Amara Okafor"), ("E2", "Ben Hall"), ("E3", "Cleo Diaz"),
                         ("E4", "Sam Lee"), ("E5", "Sam Lee")):
        add_employee(con, org.id, EmployeeInput(number, name, team, date(2020, 1, 6)))
    add_segment(con, org.id, SegmentInput("Households", "external"))
    return org


def _csv(*lines: str) -> bytes:
    return (HEADER + "\n".join(lines) + "\n").encode()


def test_a_help_desk_export_is_mapped_and_imported(con: Connection,
                                                   staffed: Organisation) -> None:
    table = read_table("export.csv", _csv(*GOOD))
    mapping = guess_mapping(table.headers)
    assert mapping["received_on"] == "Created at" and mapping["owner"] == "Assignee"
    assert mapping["what_happened"] == "Description" and mapping["reference"] == "Ticket ID"
    checked = preview(con, staffed.id, table, mapping, today=TODAY)
    assert checked.clean, [r.problems for r in checked.rows]
    assert import_feedback(con, staffed.id, checked, "export.csv", today=TODAY) == (3, 0, 0)
    records = {f.reference: f for f in complaints.list_feedback(con, staffed.id,
                                                                RegisterFilter())}
    first = records["HD-1"]
    assert (first.received_on, first.channel, first.owner, first.resolved_on, first.accepted,
            first.goodwill_kind, first.goodwill_value, first.resolve_days) == (
        date(2026, 11, 2), "Phone", "Amara Okafor", date(2026, 11, 3), True, "Credit", 20.0, 1)
    assert records["HD-2"].received_on == date(2026, 11, 3)  # written "3 Nov 2026"
    assert records["HD-2"].channel == "Email" and records["HD-2"].is_open()
    assert records["HD-3"].kind == "compliment"
    assert records["HD-3"].staff == ("Ben Hall", "Cleo Diaz")
    assert records["HD-3"].channel == "Web/chat"


def test_the_next_export_updates_tickets_already_held(con: Connection,
                                                      staffed: Organisation) -> None:
    run_import(con, staffed.id, "complaints", "export.csv", _csv(*GOOD), today=TODAY)
    later = GOOD[1].replace(",,,,,,,", ",,Called back,2026-11-06,no,,,")
    assert run_import(con, staffed.id, "complaints", "export.csv", _csv(later),
                      today=TODAY) == 1
    assert complaints.count_feedback(con, staffed.id, RegisterFilter()) == 3
    second = complaints.list_feedback(con, staffed.id, RegisterFilter(text="HD-2"))[0]
    assert (second.resolution, second.resolved_on, second.accepted) == (
        "Called back", date(2026, 11, 6), False)


@pytest.mark.parametrize(("line", "problem"), [
    ("HD-9,Complaint,31/02/2026,Phone,Households,x,E1,,,,,,,", "not a real date"),
    ("HD-9,Complaint,next Tuesday,Phone,Households,x,E1,,,,,,,", "is not a date"),
    ("HD-9,Complaint,2026-11-02,Phone,Pensioners,x,E1,,,,,,,", "Unknown customer segment"),
    ("HD-9,Complaint,2026-11-02,Phone,Households,x,E99,,,,,,,", "No member of staff"),
    ("HD-9,Complaint,2026-11-02,Phone,Households,x,Sam Lee,,,,,,,", "2 people are called"),
    ("HD-9,Complaint,2026-11-05,Phone,Households,x,E1,,Fixed,2026-11-02,,,,",
     "before the day it was received"),
    ("HD-9,Complaint,2026-11-02,Pigeon,Households,x,E1,,,,,,,", "Unknown channel"),
    ("HD-9,Complaint,2026-11-02,Phone,Households,,E1,,,,,,,", "cannot be empty"),
    ("HD-9,Enquiry,2026-11-02,Phone,Households,x,E1,,,,,,,", "neither a complaint"),
    ("HD-9,Complaint,2026-11-02,Phone,Households,x,E1,,,,maybe,,,", "not yes or no"),
    ("HD-9,Complaint,2099-01-02,Phone,Households,x,E1,,,,,,,", "in the future"),
    ("HD-1,Complaint,2026-11-02,Phone,Households,x,E1,,,,,,,", "more than one line"),
])
def test_one_bad_row_and_nothing_is_imported(con: Connection, staffed: Organisation,
                                             line: str, problem: str) -> None:
    with pytest.raises(ImportRejected) as info:
        run_import(con, staffed.id, "complaints", "export.csv", _csv(*GOOD, line), today=TODAY)
    assert [r.line for r in info.value.rows] == [5] or problem == "more than one line"
    assert problem in " ".join(" ".join(r.problems) for r in info.value.rows)
    assert complaints.count_feedback(con, staffed.id, RegisterFilter()) == 0


def test_the_template_imports_as_it_comes(con: Connection, staffed: Organisation) -> None:
    book = load_workbook(io.BytesIO(template("complaints")))
    assert book.sheetnames == ["Complaints", "Notes"]
    headers = [c.value for c in book["Complaints"][1]]
    assert headers[:4] == ["Reference", "Complaint or compliment", "Received on", "Channel"]
    team = con.execute("SELECT id FROM team").fetchone()[0]  # type: ignore[index]
    add_employee(con, staffed.id, EmployeeInput("E1001", "Tess Example", team,
                                                date(2021, 3, 1)))
    assert run_import(con, staffed.id, "complaints", "template.xlsx", template("complaints"),
                      today=TODAY) == 1
    only = complaints.list_feedback(con, staffed.id, RegisterFilter())[0]
    assert (only.reference, only.owner, only.resolve_days) == ("HD-10231", "Tess Example", 2)


def test_the_command_line_imports_with_named_columns(con: Connection, staffed: Organisation,
                                                     tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    export = tmp_path / "desk.csv"
    export.write_text("Number,Opened,Via,Customer said,Agent\n"
                      "7,2026-11-02,Phone,The engineer never came,E1\n")
    con.close()
    # "Opened" is guessed; "Customer said" is not a heading we know, so it is named.
    assert main(["import", "complaints", str(export), "--org", staffed.name]) == 1
    assert "What happened" in capsys.readouterr().err
    assert main(["import", "complaints", str(export), "--org", staffed.name, "--column",
                 "what_happened=Customer said", "--column", "reference=Number"]) == 0
    assert "Imported complaints from desk.csv" in (out := capsys.readouterr().out)
    assert "1 added" in out


def test_a_re_import_keeps_what_the_file_has_no_column_for(
        con: Connection, staffed: Organisation) -> None:
    run_import(con, staffed.id, "complaints", "export.csv", _csv(*GOOD), today=TODAY)
    second = complaints.list_feedback(con, staffed.id, RegisterFilter(text="HD-2"))[0]
    # In the app someone promises something (the export has no promise column) ...
    data = second.as_input()
    data.promised_by, data.promise = date(2026, 11, 9), "A call back by Monday"
    complaints.update_feedback(con, staffed.id, second.id, second.version, data, today=TODAY)
    # ... and the help desk's next export resolves the ticket.
    later = GOOD[1].replace(",,,,,,,", ",2026-11-09,Called back,2026-11-06,no,,,")
    assert run_import(con, staffed.id, "complaints", "export.csv", _csv(later),
                      today=TODAY) == 1
    now = complaints.get_feedback(con, staffed.id, second.id)
    assert (now.promise, now.resolution, now.resolved_on) == (
        "A call back by Monday", "Called back", date(2026, 11, 6))
    # A compliment's staff are kept when the export has no staff column.
    table = read_table("short.csv", b"Ticket ID,Created at,Source,Description\n"
                                    b"HD-3,2026-11-05,Chat,Ben sorted it in minutes\n")
    checked = preview(con, staffed.id, table, guess_mapping(table.headers), today=TODAY)
    assert checked.clean and checked.counts() == (0, 0, 1)
    assert import_feedback(con, staffed.id, checked, "short.csv", today=TODAY) == (0, 0, 1)
    third = complaints.list_feedback(con, staffed.id, RegisterFilter(text="HD-3"))[0]
    assert third.kind == "compliment" and third.staff == ("Ben Hall", "Cleo Diaz")


def test_a_re_import_cannot_change_a_records_kind(con: Connection,
                                                  staffed: Organisation) -> None:
    run_import(con, staffed.id, "complaints", "export.csv", _csv(*GOOD), today=TODAY)
    flipped = GOOD[2].replace("HD-3,Compliment", "HD-3,Complaint").replace(",,,,,,,,E2; E3",
                                                                          ",E1,,,,,,,")
    with pytest.raises(ImportRejected, match="HD-3 is a compliment in the register"):
        run_import(con, staffed.id, "complaints", "export.csv", _csv(flipped), today=TODAY)


def test_an_unchanged_re_import_asks_no_reason_and_corrects_nothing(
        con: Connection, staffed: Organisation) -> None:
    from strategy.core import audit
    from strategy.core.periods import Quarter

    run_import(con, staffed.id, "complaints", "export.csv", _csv(*GOOD), today=TODAY)
    versions = {f.reference: f.version for f in complaints.list_feedback(
        con, staffed.id, RegisterFilter())}
    con.execute("INSERT INTO review (org_id, period, closed_at) VALUES (?, '2026-Q4', now())",
                [staffed.id])
    closed = con.execute("SELECT closed_at FROM review").fetchone()[0]  # type: ignore[index]
    # The same export again: nothing to write, so no reason is needed.
    assert run_import(con, staffed.id, "complaints", "export.csv", _csv(*GOOD),
                      today=TODAY) == 0
    assert audit.corrections_since(con, staffed.id, Quarter(2026, 4), closed) == []
    assert {f.reference: f.version for f in complaints.list_feedback(
        con, staffed.id, RegisterFilter())} == versions
    # A changed ticket in the reviewed quarter needs one, and is a correction.
    later = GOOD[1].replace(",,,,,,,", ",,Called back,2026-11-06,no,,,")
    with pytest.raises(Exception, match="locked"):
        run_import(con, staffed.id, "complaints", "export.csv", _csv(*GOOD[:1], later),
                   today=TODAY)
    assert run_import(con, staffed.id, "complaints", "export.csv", _csv(*GOOD[:1], later),
                      today=TODAY, reason="Help desk resolved it late") == 1
    (correction,) = audit.corrections_since(con, staffed.id, Quarter(2026, 4), closed)
    assert correction.reason == "Help desk resolved it late"
    assert "0 added and 1 updated" in correction.summary


def test_two_imports_of_the_same_new_tickets_make_one_record_each(
        con: Connection, staffed: Organisation) -> None:
    table = read_table("export.csv", _csv(*GOOD))
    mapping = guess_mapping(table.headers)
    first = preview(con, staffed.id, table, mapping, today=TODAY)
    second = preview(con, staffed.id, table, mapping, today=TODAY)  # checked before either
    import_feedback(con, staffed.id, first, "export.csv", today=TODAY)
    with pytest.raises(ValidationError, match="added to the register while"):
        import_feedback(con, staffed.id, second, "export.csv", today=TODAY)
    assert complaints.count_feedback(con, staffed.id, RegisterFilter()) == 3


def test_a_reference_typed_twice_is_refused(con: Connection, staffed: Organisation) -> None:
    run_import(con, staffed.id, "complaints", "export.csv", _csv(*GOOD), today=TODAY)
    first = complaints.list_feedback(con, staffed.id, RegisterFilter(text="HD-1"))[0]
    data = first.as_input()
    data.what_happened = "The same ticket again"
    with pytest.raises(ValidationError) as info:
        complaints.add_feedback(con, staffed.id, data, today=TODAY)
    assert "already in the register" in info.value.fields["reference"]
    other = complaints.list_feedback(con, staffed.id, RegisterFilter(text="HD-2"))[0]
    edited = other.as_input()
    edited.reference = "HD-1"
    with pytest.raises(ValidationError):
        complaints.update_feedback(con, staffed.id, other.id, other.version, edited,
                                   today=TODAY)
    # Saving a record with its own reference is no clash.
    complaints.update_feedback(con, staffed.id, first.id, first.version, first.as_input(),
                               today=TODAY)


def test_thirty_thousand_rows_are_written_in_bulk(con: Connection,
                                                  staffed: Organisation) -> None:
    import time

    lines = [f"T-{i},Complaint,2026-10-{1 + i % 28:02d},Phone,Households,Call {i},E1,,,,,,,"
             for i in range(30_000)]
    started = time.perf_counter()
    assert run_import(con, staffed.id, "complaints", "big.csv", _csv(*lines),
                      today=TODAY) == 30_000
    # Resolving a few hundred of them later is a short re-import.
    resolved = [line.replace(",,,,,,,", ",,Sorted,2026-11-02,yes,,,") for line in lines[:300]]
    assert run_import(con, staffed.id, "complaints", "big.csv", _csv(*resolved, *lines[300:]),
                      today=TODAY) == 300
    assert complaints.count_feedback(con, staffed.id, RegisterFilter(status="resolved")) == 300
    print(f"30,000 rows imported and re-imported in {time.perf_counter() - started:.1f} s")


def test_a_help_desk_status_and_unassigned_tickets(con: Connection,
                                                   staffed: Organisation) -> None:
    header = "Ticket ID,Created at,Source,Description,Assignee,Status,Solved at\n"
    rows = ["T-1,2026-11-02,Phone,Meter wrong,E1,Solved,2026-11-03",
            "T-2,2026-11-03,Email,No reply yet,,New,",
            "T-3,2026-11-04,Email,Lost parcel,E2,Pending,"]
    table = read_table("desk.csv", (header + "\n".join(rows)).encode())
    mapping = guess_mapping(table.headers)
    assert mapping["status"] == "Status" and mapping["resolved_on"] == "Solved at"
    checked = preview(con, staffed.id, table, mapping, today=TODAY)
    assert checked.clean, [r.problems for r in checked.rows]
    import_feedback(con, staffed.id, checked, "desk.csv", today=TODAY)
    found = {f.reference: f for f in complaints.list_feedback(con, staffed.id,
                                                              RegisterFilter())}
    # Solved in the help desk without notes: resolved, with no resolution text invented.
    assert (found["T-1"].resolved_on, found["T-1"].resolution) == (date(2026, 11, 3), "")
    # Not yet assigned there: open, with no owner (the app asks for one on its own form).
    assert found["T-2"].owner_id is None and found["T-2"].is_open()

    for line, problem in (("T-4,2026-11-02,Phone,x,E1,Closed,", "has no date resolved"),
                          ("T-5,2026-11-02,Phone,x,E1,Open,2026-11-03", "has a date resolved"),
                          ("T-6,2026-11-02,Phone,x,E1,Parked,", "neither open nor solved")):
        bad = read_table("desk.csv", (header + line + "\n").encode())
        with_problem = preview(con, staffed.id, bad, guess_mapping(bad.headers), today=TODAY)
        assert problem in " ".join(with_problem.rows[0].problems)


def test_blank_cells_keep_what_the_app_holds_and_the_status_reads_the_whole_record(
        con: Connection, staffed: Organisation) -> None:
    run_import(con, staffed.id, "complaints", "export.csv", _csv(*GOOD), today=TODAY)
    held = complaints.list_feedback(con, staffed.id, RegisterFilter(text="HD-2"))[0]
    data = held.as_input()
    data.promised_by, data.promise = date(2026, 11, 9), "A call back"
    complaints.update_feedback(con, staffed.id, held.id, held.version, data, today=TODAY)
    # The next export has the columns, but blank for this ticket: nothing is wiped.
    header = "Ticket ID,Type,Created at,Source,Description,Assignee,Promise,Status,Solved at\n"
    again = "HD-2,Complaint,3 Nov 2026,e-mail,No call back,,,New,\n"
    table = read_table("next.csv", (header + again).encode())
    checked = preview(con, staffed.id, table, guess_mapping(table.headers), today=TODAY)
    assert checked.clean and checked.counts() == (0, 0, 1)
    now = complaints.get_feedback(con, staffed.id, held.id)
    assert (now.owner, now.promise) == ("Amara Okafor", "A call back")

    # Resolved in the register; the file has no date but says "Solved": no clash.
    solved = "HD-1,Complaint,2026-11-02,Phone,Meter read twice,E1,,Solved,\n"
    table = read_table("next.csv", (header + solved).encode())
    assert preview(con, staffed.id, table, guess_mapping(table.headers), today=TODAY).clean
    # ... but "Open" for a ticket the register holds resolved is said, not passed over.
    reopened = "HD-1,Complaint,2026-11-02,Phone,Meter read twice,E1,,Open,\n"
    table = read_table("next.csv", (header + reopened).encode())
    checked = preview(con, staffed.id, table, guess_mapping(table.headers), today=TODAY)
    assert "resolved in the register on 2026-11-03" in " ".join(checked.rows[0].problems)


def test_a_solved_compliment_ticket_imports_as_a_compliment(con: Connection,
                                                            staffed: Organisation) -> None:
    header = "Ticket ID,Type,Created at,Source,Description,Status,Solved at,Resolution\n"
    line = "T-7,Compliment,2026-11-05,Email,Thank you Ben,Solved,2026-11-06,Thanked them\n"
    assert run_import(con, staffed.id, "complaints", "desk.csv", (header + line).encode(),
                      today=TODAY) == 1
    (only,) = complaints.list_feedback(con, staffed.id, RegisterFilter())
    assert (only.kind, only.resolved_on, only.resolution) == ("compliment", None, "")
    # A blank Type cell on the next export keeps it a compliment.
    blank = "T-7,,2026-11-05,Email,Thank you Ben,Solved,2026-11-06,Thanked them\n"
    table = read_table("desk.csv", (header + blank).encode())
    checked = preview(con, staffed.id, table, guess_mapping(table.headers), today=TODAY)
    assert checked.clean and checked.counts() == (0, 0, 1)
