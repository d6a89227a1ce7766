"""The quarterly review pack: one Excel workbook per organisation and quarter.

A plain function over the database that writes bytes (or a file); the app
offers it on the review page and the command line as ``export``. Every table is
a real Excel table with frozen headers; every piece of text is written as
literal text, so a name like ``=HYPERLINK(...)`` stays a name. The only
formulas are our own: the scorecard's status, so that it stays right when
someone edits a number in the meeting.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from . import (
    accountability,
    customers,
    measures,
    needs,
    people,
    recognition,
    reviews,
    standards,
    training,
    vision,
    workforce,
)
from .db import Connection
from .orgs import get_organisation
from .periods import Quarter
from .safe_text import looks_like_formula
from .steps import STEPS, statuses

Progress = Callable[[float, str], None]
SHEETS = ["Summary", "Scorecard", "Trends", "Standards & owners", "People", "Recognition",
          "Review", "Plan"]
GREEN, AMBER, RED = "C6EFCE", "FFEB9C", "FFC7CE"
TITLE = Font(bold=True, size=14)


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 14
    number_format: str | None = None  # e.g. "0.0", "0%", "yyyy-mm-dd", "#,##0"
    wrap: bool = False


def put(ws: Worksheet, row: int, column: int, value: object,
        number_format: str | None = None) -> None:
    """Write one cell; text is always literal text, never a formula."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = value
        cell.data_type = "s"
        if looks_like_formula(value):
            cell.quotePrefix = True
    elif isinstance(value, datetime):
        cell.value = value.replace(tzinfo=None)
    else:
        cell.value = value  # type: ignore[assignment]
    if number_format and value is not None and not isinstance(value, str):
        cell.number_format = number_format


class Book:
    """Keeps table names unique and applies the house style to every table."""

    def __init__(self) -> None:
        self.workbook = Workbook()
        self._names: set[str] = set()

    def sheet(self, title: str) -> Worksheet:
        if title == SHEETS[0]:
            ws = self.workbook.active
            assert ws is not None
            ws.title = title
        else:
            ws = self.workbook.create_sheet(title)
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        return ws

    def table(self, ws: Worksheet, name: str, top: int, columns: Sequence[Column],
              rows: Sequence[Sequence[object]], left: int = 1, freeze: bool = True) -> int:
        """Write a table with its header at row ``top``; returns the next free row."""
        for offset, column in enumerate(columns):
            put(ws, top, left + offset, column.header)
            ws.cell(row=top, column=left + offset).font = Font(bold=True)
            letter = get_column_letter(left + offset)
            current = ws.column_dimensions[letter].width or 0
            ws.column_dimensions[letter].width = max(current, column.width)
        for r, values in enumerate(rows, start=top + 1):
            for offset, (column, value) in enumerate(zip(columns, values, strict=True)):
                put(ws, r, left + offset, value, column.number_format)
                if column.wrap:
                    ws.cell(row=r, column=left + offset).alignment = Alignment(wrap_text=True,
                                                                              vertical="top")
        last_row = top + max(len(rows), 1)
        if not rows:  # an Excel table needs a body row; say plainly there is nothing
            put(ws, top + 1, left, "(none)")
        ref = (f"{get_column_letter(left)}{top}:"
               f"{get_column_letter(left + len(columns) - 1)}{last_row}")
        display = name
        while display in self._names:
            display += "_"
        self._names.add(display)
        table = Table(displayName=display, ref=ref)
        table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
        ws.add_table(table)
        if freeze and ws.freeze_panes is None:
            ws.freeze_panes = ws.cell(row=top + 1, column=1)
        return last_row + 2

    def save(self) -> bytes:
        # A fixed creation time: the same quarter built twice gives the same workbook.
        self.workbook.properties.created = datetime(2000, 1, 1)
        self.workbook.properties.modified = datetime(2000, 1, 1)
        buffer = io.BytesIO()
        self.workbook.save(buffer)
        return buffer.getvalue()


def build_pack(con: Connection, org_id: int, quarter: Quarter, out: Path | None = None,
               progress: Progress | None = None, today: date | None = None) -> bytes:
    """Build the review pack; returns the workbook's bytes (and writes ``out`` if given)."""
    today = today or date.today()
    report = progress or (lambda _share, _text: None)
    org = get_organisation(con, org_id)
    book = Book()
    steps: list[tuple[str, Callable[[], None]]] = [
        ("Summary", lambda: _summary(book, con, org_id, org.name, quarter, today)),
        ("Scorecard", lambda: _scorecard(book, con, org_id, quarter, today)),
        ("Trends", lambda: _trends(book, con, org_id, quarter, today)),
        ("Standards & owners", lambda: _standards(book, con, org_id, quarter)),
        ("People", lambda: _people(book, con, org_id, quarter, today)),
        ("Recognition", lambda: _recognition(book, con, org_id, quarter)),
        ("Review", lambda: _review(book, con, org_id, quarter)),
        ("Plan", lambda: _plan(book, con, org_id, today)),
    ]
    for index, (name, write) in enumerate(steps):
        report(index / (len(steps) + 1), f"Writing {name}")
        write()
    report(len(steps) / (len(steps) + 1), "Saving the workbook")
    data = book.save()
    if out is not None:
        out.write_bytes(data)
    report(1.0, "Done")
    return data


def _summary(book: Book, con: Connection, org_id: int, name: str, quarter: Quarter,
             today: date) -> None:
    ws = book.sheet("Summary")
    put(ws, 1, 1, f"Customer-service strategy review pack — {quarter}")
    ws.cell(row=1, column=1).font = TITLE
    put(ws, 2, 1, "Organisation")
    put(ws, 2, 2, name)
    put(ws, 3, 1, "Period")
    put(ws, 3, 2, str(quarter))
    put(ws, 4, 1, "Produced")
    put(ws, 4, 2, today, "yyyy-mm-dd")
    current = statuses(con, org_id, min(quarter.end, today))
    row = book.table(ws, "Steps", 6, [Column("Step", 6), Column("Title", 40),
                                      Column("Status", 18), Column("Done when", 80, wrap=True)],
                     [[s.number, s.title, current[s.number].value, s.done_when] for s in STEPS])
    rows = measures.scorecard(con, org_id, quarter, quarters=2, today=today)
    book.table(ws, "Headline", row, [Column("Measure", 28), Column("Of", 12),
                                     Column("Actual", 12, "0.0"), Column("Status", 14)],
               [[r.measure.name, r.measure.side, r.actual.value, r.status] for r in rows],
               freeze=False)
    _status_colours(ws, f"D{row + 1}:D{row + max(len(rows), 1)}", f"$D{row + 1}")


def _status_colours(ws: Worksheet, cells: str, first: str) -> None:
    for word, colour in (("green", GREEN), ("amber", AMBER), ("red", RED)):
        ws.conditional_formatting.add(cells, FormulaRule(
            formula=[f'{first}="{word}"'], fill=PatternFill("solid", start_color=colour,
                                                           end_color=colour)))


def _scorecard(book: Book, con: Connection, org_id: int, quarter: Quarter, today: date) -> None:
    ws = book.sheet("Scorecard")
    rows = measures.scorecard(con, org_id, quarter, today=today)
    columns = [Column("Measure", 28), Column("Of", 11), Column("Unit", 12),
               Column("Better when", 12), Column("Target", 10, "0.0"),
               Column("Amber band", 11, "0.0"), Column("Actual", 10, "0.0"),
               Column("Previous", 10, "0.0"), Column("Change", 10, "+0.0;-0.0;0.0"),
               Column("Status", 12), Column("Based on", 44)]
    body = [[r.measure.name, r.measure.side, r.measure.unit, r.measure.direction,
             r.measure.target, r.measure.amber_band, r.actual.value, r.previous, None, None,
             r.actual.detail + (" (small sample)" if r.small_sample else "")] for r in rows]
    book.table(ws, "Scorecard", 1, columns, body)
    for index in range(len(rows)):
        r = index + 2
        # Our own formulas: change and status follow any number edited in the meeting.
        ws.cell(row=r, column=9).value = f'=IF(OR(G{r}="",H{r}=""),"",G{r}-H{r})'
        ws.cell(row=r, column=9).number_format = "+0.0;-0.0;0.0"
        ws.cell(row=r, column=10).value = (
            f'=IF(E{r}="","no target",IF(G{r}="","no data",IF(D{r}="higher",'
            f'IF(G{r}>=E{r},"green",IF(G{r}>=E{r}-N(F{r}),"amber","red")),'
            f'IF(G{r}<=E{r},"green",IF(G{r}<=E{r}+N(F{r}),"amber","red")))))')
    if rows:
        _status_colours(ws, f"J2:J{len(rows) + 1}", "$J2")


def _trends(book: Book, con: Connection, org_id: int, quarter: Quarter, today: date) -> None:
    ws = book.sheet("Trends")
    span = [quarter.shift(-n) for n in range(7, -1, -1)]
    defined = measures.list_measures(con, org_id)
    chosen = ([m for m in defined if m.side == "employee"][:3]
              + [m for m in defined if m.side == "customer"][:3])
    columns = [Column("Quarter", 10)] + [Column(f"{m.name} ({m.unit})", 18, "0.0")
                                         for m in chosen]
    series = {m.id: [measures.actual(con, org_id, m, q, today=today).value for q in span]
              for m in chosen}
    body = [[str(q)] + [series[m.id][i] for m in chosen] for i, q in enumerate(span)]
    book.table(ws, "Trends", 1, columns, body)
    for side, anchor in (("employee", "B12"), ("customer", "J12")):
        picks = [i for i, m in enumerate(chosen) if m.side == side]
        if not picks:
            continue
        chart = LineChart()
        chart.title = f"{side.capitalize()} measures, last eight quarters"
        chart.height, chart.width = 8, 15
        chart.x_axis.delete = False
        chart.y_axis.delete = False
        for i in picks:
            data = Reference(ws, min_col=i + 2, min_row=1, max_row=len(span) + 1)
            chart.add_data(data, titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=len(span) + 1))
        ws.add_chart(chart, anchor)


def _standards(book: Book, con: Connection, org_id: int, quarter: Quarter) -> None:
    ws = book.sheet("Standards & owners")
    rates = {c.key: c.rate for c in accountability.compliance(con, org_id, quarter, "standard")}
    owners = {a.standard_id: a for a in accountability.assignments(con, org_id)}
    body = []
    for s in standards.list_standards(con, org_id):
        rate = rates.get(s.id)
        a = owners.get(s.id)
        body.append([s.title, s.channel, s.quality, a.owner if a else "",
                     ", ".join(a.teams) if a else "", s.target_text(),
                     rate.value / 100 if rate and rate.value is not None else None,
                     rate.whole if rate else 0, ", ".join(s.flags())])
    book.table(ws, "Standards", 1, [
        Column("Standard", 44), Column("Channel", 12), Column("Quality", 16),
        Column("Owner", 20), Column("Applies to", 30), Column("Target", 16),
        Column(f"Compliance {quarter}", 14, "0%"), Column("Observations", 13, "0"),
        Column("Flags", 40)], body)


def _people(book: Book, con: Connection, org_id: int, quarter: Quarter, today: date) -> None:
    ws = book.sheet("People")
    staff = people.list_employees(con, org_id)
    rows = [r for r in workforce.by_quarter_and_team(staff, [quarter])]
    next_row = book.table(ws, "Workforce", 1, [
        Column("Team", 22), Column("Opening", 10, "0"), Column("Hires", 8, "0"),
        Column("Leavers (voluntary)", 12, "0"), Column("Leavers (involuntary)", 12, "0"),
        Column("Closing", 10, "0"), Column("Turnover", 11, "0.0%"),
        Column("Retention", 11, "0.0%"), Column("Retention n", 11, "0"),
        Column("Average tenure (years)", 12, "0.0")],
        [[r.team, r.figures.opening, r.figures.hires, r.figures.leavers_voluntary,
          r.figures.leavers_involuntary, r.figures.closing,
          r.figures.turnover / 100 if r.figures.turnover is not None else None,
          r.figures.retention.value / 100 if r.figures.retention.value is not None else None,
          r.figures.retention.whole, r.figures.average_tenure_years] for r in rows])
    coverage = training.coverage(con, org_id, min(quarter.end, today))
    book.table(ws, "Training", next_row, [
        Column("Team", 22), Column("Module", 34), Column("Passed", 10, "0"),
        Column("Required", 10, "0"), Column("Coverage", 11, "0%")],
        [[c.team, c.module, c.covered.part, c.covered.whole,
          c.covered.value / 100 if c.covered.value is not None else None] for c in coverage],
        freeze=False)


def _recognition(book: Book, con: Connection, org_id: int, quarter: Quarter) -> None:
    ws = book.sheet("Recognition")
    teams = recognition.per_head_by_team(con, org_id, quarter.start, quarter.end)
    next_row = book.table(ws, "RecognitionByTeam", 1, [
        Column("Team", 22), Column("Staff in the quarter", 12, "0"),
        Column("Recognitions", 13, "0"), Column("Per head", 10, "0.00"),
        Column("People recognised", 12, "0")],
        [[t.team, t.staff, t.received, t.per_head, t.recognised_people] for t in teams])
    log = recognition.list_recognitions(con, org_id, recognition.LogFilter(quarter.start,
                                                                           quarter.end))
    book.table(ws, "RecognitionLog", next_row, [
        Column("Date", 11, "yyyy-mm-dd"), Column("Recipients", 30), Column("Teams", 22),
        Column("Given by", 20), Column("From", 16), Column("Value", 16),
        Column("Standard", 30), Column("What was done", 50, wrap=True), Column("Reward", 10),
        Column("Amount", 10, "#,##0.00")],
        [[r.given_on, "; ".join(r.recipients), "; ".join(r.teams), r.giver,
          recognition.GIVER_KINDS[r.giver_kind], r.value, r.standard, r.what, r.reward,
          r.amount] for r in log], freeze=False)


def _review(book: Book, con: Connection, org_id: int, quarter: Quarter) -> None:
    ws = book.sheet("Review")
    review = reviews.find_review(con, org_id, quarter)
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 90
    lines: list[tuple[str, Any]] = [
        ("Review of", str(quarter)),
        ("Held on", review.held_on if review else None),
        ("Status", ("closed by " + (review.closed_by or "")) if review and review.closed
         else "open" if review else "not started"),
        ("What worked", review.what_worked if review else ""),
        ("What did not", review.what_did_not if review else ""),
        ("Pitfalls seen", "; ".join(review.pitfalls) if review else ""),
        ("Decisions", review.decisions if review else ""),
    ]
    for index, (label, value) in enumerate(lines, start=1):
        put(ws, index, 1, label)
        ws.cell(row=index, column=1).font = Font(bold=True)
        put(ws, index, 2, value, "yyyy-mm-dd")
        ws.cell(row=index, column=2).alignment = Alignment(wrap_text=True, vertical="top")
    actions = reviews.list_actions(con, org_id, only_open=True)
    book.table(ws, "OpenActions", len(lines) + 2, [
        Column("Raised in", 24), Column("Open action", 90, wrap=True), Column("Owner", 24),
        Column("Due", 11, "yyyy-mm-dd"), Column("Status", 12)],
        [[a.raised_in, a.description, a.owner, a.due, a.status] for a in actions],
        freeze=False)


def _plan(book: Book, con: Connection, org_id: int, today: date) -> None:
    ws = book.sheet("Plan")
    row = book.table(ws, "Segments", 1, [
        Column("Segment", 28), Column("Type", 10), Column("Size", 10, "#,##0"),
        Column("Counted in", 10), Column("Value", 10), Column("Served by", 30),
        Column("Channels", 30), Column("Description", 50, wrap=True)],
        [[s.name, s.kind, s.size, s.size_unit, s.value_level, ", ".join(s.serving_teams),
          ", ".join(s.channels), s.description] for s in customers.list_segments(con, org_id)])
    row = book.table(ws, "Needs", row, [
        Column("Segment", 28), Column("Quality", 16), Column("Importance", 10, "0"),
        Column("Performance", 10, "0"), Column("Gap", 8, "0"), Column("Evidence", 18),
        Column("Asked", 11, "yyyy-mm-dd"), Column("Flag", 12)],
        [[a.segment, a.quality, a.importance, a.performance, a.gap, a.source, a.asked_on,
          "assumption" if a.is_assumption else "stale" if a.is_stale else ""]
         for a in needs.priorities(con, org_id, today)], freeze=False)
    current = vision.get_vision(con, org_id)
    put(ws, row, 1, "Vision")
    ws.cell(row=row, column=1).font = Font(bold=True)
    put(ws, row, 2, current.statement)
    put(ws, row + 1, 1, "The customer's story")
    ws.cell(row=row + 1, column=1).font = Font(bold=True)
    put(ws, row + 1, 2, current.customer_story)
    book.table(ws, "Values", row + 3, [Column("Value", 28), Column("Behaviour", 60, wrap=True)],
               [[v.name, b] for v in vision.list_values(con, org_id)
                for _, b in (v.behaviours or [(0, "")])], freeze=False)
