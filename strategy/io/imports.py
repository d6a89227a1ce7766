"""Spreadsheet imports and their templates: employees, measure values, survey
responses, recognition records and complaints and compliments.

Every import reads the template (or a CSV with the same columns), checks every
row and writes all of them or none. ``run_import`` is what the app and the
command line both call; a file with any bad row raises :class:`ImportRejected`
listing the rows to fix.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from strategy.core import access, audit
from strategy.core.access import Permission
from strategy.core.db import Connection, transaction
from strategy.core.errors import StrategyError, ValidationError
from strategy.io import complaints_import, sources, staff_import, survey_import
from strategy.io import mapping as mapping_
from strategy.io.names import IMPORT_KINDS
from strategy.io.tabular import (
    DateError,
    Table,
    normalise_header,
    parse_date,
    parse_number,
    read_table,
    text,
)
from strategy.measures import scorecard
from strategy.measures.complaints import FEEDBACK_CHANNELS, GOODWILL_KINDS
from strategy.measures.scorecard import check_period, check_value
from strategy.measures.surveys import KINDS as SURVEY_KINDS
from strategy.people import recognition
from strategy.people.recognition import GIVER_KINDS, REWARDS, RecognitionInput

KINDS = IMPORT_KINDS
# Staff and recognition records are personal data (HR's); measures and survey
# answers are the plan's.
IMPORT_PERMISSION = {"employees": Permission.MANAGE_PEOPLE, "measures": Permission.EDIT_PLAN,
                     "responses": Permission.EDIT_PLAN, "recognition": Permission.MANAGE_PEOPLE,
                     "complaints": Permission.EDIT_PLAN}
SHEETS = {"employees": "Employees", "measures": "Measure values",
          "responses": "Survey responses", "recognition": "Recognition",
          "complaints": "Complaints"}


@dataclass(frozen=True)
class TemplateColumn:
    header: str
    note: str
    example: object
    required: bool = True
    choices: tuple[str, ...] = ()
    width: int = 18


TEMPLATES: dict[str, list[TemplateColumn]] = {
    "employees": [
        TemplateColumn("Employee number", "Unique per person; matches people on re-import.",
                       "E1001"),
        TemplateColumn("Name", "Full name.", "Amara Okafor", width=24),
        TemplateColumn("Team", "A team that exists in the app (or tick “create teams”).",
                       "Contact centre", width=22),
        TemplateColumn("Role", "Job title.", "Adviser", required=False),
        TemplateColumn("Manager's number", "The manager's employee number.", "E1000",
                       required=False),
        TemplateColumn("Hire date", "First day employed, e.g. 2024-03-31.", date(2024, 3, 4)),
        TemplateColumn("Leave date", "Last day employed; blank while employed.", None,
                       required=False),
        TemplateColumn("Voluntary or involuntary", "Only for leavers.", None, required=False,
                       choices=("voluntary", "involuntary")),
        TemplateColumn("Reason for leaving", "Only for leavers.", None, required=False,
                       width=28),
    ],
    "measures": [
        TemplateColumn("Measure", "The measure's name exactly as in the app; only measures "
                                  "entered by hand.", "Engagement", width=26),
        TemplateColumn("Period", "A month (2026-10) for monthly measures, a quarter (2026-Q3) "
                                 "for quarterly ones.", "2026-Q3"),
        TemplateColumn("Value", "In the measure's unit: a percentage is 0–100.", 72.5),
        TemplateColumn("Team or segment", "Blank for the whole organisation, else a team's or "
                                          "segment's name.", None, required=False, width=24),
    ],
    "responses": [
        TemplateColumn("Date answered", "The day the answer was given.", date(2026, 9, 14)),
        TemplateColumn("Score", "0–10 for NPS and eNPS; 1–5 for CSAT and effort. Blank for a "
                                "skipped question.", 9),
        TemplateColumn("Segment or team", "A customer segment (NPS, CSAT, effort) or a team "
                                          "(eNPS); optional.", None, required=False, width=24),
    ],
    "recognition": [
        TemplateColumn("Date", "When it was given.", date(2026, 9, 2)),
        TemplateColumn("Recipients", "Employee numbers, separated by semicolons.", "E1001; E1002",
                       width=22),
        TemplateColumn("Given by", "Who gave it.", "Team leader"),
        TemplateColumn("From", "peer, manager or customer.", "manager",
                       choices=tuple(GIVER_KINDS)),
        TemplateColumn("Value", "A value's name, or blank if a standard is given.", "Own it",
                       required=False),
        TemplateColumn("Standard", "A standard's title, or blank if a value is given.", None,
                       required=False, width=30),
        TemplateColumn("What was done", "The behaviour being recognised.",
                       "Called the customer back the same day", width=40),
        TemplateColumn("Reward", "What was given.", "thanks", choices=tuple(REWARDS)),
        TemplateColumn("Amount", "Money or points; blank for thanks.", None, required=False),
    ],
    "complaints": [
        TemplateColumn("Reference", "The help desk's ticket number; a second import of the "
                                    "same ticket updates it.", "HD-10231", required=False),
        TemplateColumn("Complaint or compliment", "Blank counts as a complaint.", "complaint",
                       required=False, choices=("complaint", "compliment")),
        TemplateColumn("Received on", "The day it arrived, e.g. 2026-10-05.", date(2026, 10, 5)),
        TemplateColumn("Channel", "How it came in.", "Phone",
                       choices=tuple(FEEDBACK_CHANNELS)),
        TemplateColumn("Customer segment", "A segment's name as in step 1.", "Households",
                       required=False, width=22),
        TemplateColumn("Service quality", "A service quality as in step 2.", "Timeliness",
                       required=False),
        TemplateColumn("Standard breached", "A standard's title as in step 4.", None,
                       required=False, width=30),
        TemplateColumn("What happened", "In the customer's words; no names or contact "
                                        "details.", "Waited a week for a call back.", width=40),
        TemplateColumn("Owner", "Employee number (or name) of whoever resolves it; required "
                                "for a complaint.", "E1001", required=False),
        TemplateColumn("Promised by", "The date the customer was promised.", date(2026, 10, 7),
                       required=False),
        TemplateColumn("What was promised", "In a few words.", "A call back and a new meter "
                                                                "reading", required=False,
                       width=30),
        TemplateColumn("Resolution", "How it was resolved; blank while open.",
                       "New reading taken; bill corrected", required=False, width=30),
        TemplateColumn("Resolved on", "Blank while open.", date(2026, 10, 7), required=False),
        TemplateColumn("Customer accepted", "yes or no; blank if not known.", "yes",
                       required=False, choices=("yes", "no")),
        TemplateColumn("Goodwill gesture", "What was offered, if anything.", "Credit",
                       required=False, choices=tuple(GOODWILL_KINDS)),
        TemplateColumn("Goodwill value", "Its value in money.", 20, required=False),
        TemplateColumn("Followed up on", "When someone checked back with the customer.", None,
                       required=False),
        TemplateColumn("Staff named", "For a compliment: employee numbers, separated by "
                                      "semicolons.", None, required=False, width=22),
    ],
}


def template(kind: str) -> bytes:
    """An Excel template: headers with notes, an example row, lists for enumerations."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    columns = TEMPLATES[kind]
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = SHEETS[kind]
    for index, column in enumerate(columns, start=1):
        cell = ws.cell(row=1, column=index, value=column.header)
        cell.font = Font(bold=True)
        cell.comment = Comment(column.note + ("" if column.required else " (optional)"),
                               "Service strategy planner")
        example = ws.cell(row=2, column=index, value=column.example)  # type: ignore[arg-type]
        if isinstance(column.example, date):
            example.number_format = "yyyy-mm-dd"
        ws.column_dimensions[example.column_letter].width = column.width
        if column.choices:
            rule = DataValidation(type="list", formula1='"' + ",".join(column.choices) + '"',
                                  allow_blank=not column.required, showErrorMessage=True,
                                  errorTitle=column.header,
                                  error="Choose one of: " + ", ".join(column.choices))
            ws.add_data_validation(rule)
            rule.add(f"{example.column_letter}2:{example.column_letter}5000")
    ws.freeze_panes = "A2"
    notes = book.create_sheet("Notes")
    notes.append(["Column", "Required", "What to enter"])
    for column in columns:
        notes.append([column.header, "yes" if column.required else "no", column.note])
    notes.append([])
    notes.append(["Replace the example row with your own. Every row must be right before "
                  "anything is imported: the import writes all rows or none."])
    notes.column_dimensions["A"].width = 26
    notes.column_dimensions["C"].width = 90
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@dataclass
class RowProblems:
    line: int
    problems: list[str]


_QUOTED = re.compile(r"“[^”]*”")
GROUPS_SHOWN = 8
LINES_SHOWN = 3


@dataclass
class ProblemGroup:
    """Rows with the same problem: a file of 45,000 bad rows is a few groups, not
    45,000 lines."""

    problem: str  # the message, or its shape when the values differ
    lines: list[int]
    examples: list[str]  # the first rows' own messages, when they differ


def group_problems(rows: list[RowProblems]) -> list[ProblemGroup]:
    """The problems of rows grouped by what they say, largest group first. The same
    message with another value quoted in it ("Unknown channel “Fax”") is one group
    when its values are many, a group per value when they are few (each value wants
    its own mapping)."""
    exact: dict[str, list[int]] = {}
    for row in rows:
        for problem in row.problems:
            exact.setdefault(problem, []).append(row.line)
    shapes: dict[str, list[str]] = {}
    for problem in exact:
        shapes.setdefault(_QUOTED.sub("“…”", problem), []).append(problem)
    groups = []
    for shape, problems in shapes.items():
        if len(problems) <= 5:
            groups += [ProblemGroup(p, exact[p], []) for p in problems]
        else:
            lines = sorted(line for p in problems for line in exact[p])
            groups.append(ProblemGroup(shape, lines, problems[:LINES_SHOWN]))
    return sorted(groups, key=lambda g: (-len(g.lines), g.lines[0]))


class ImportRejected(StrategyError):
    """A file with rows that need fixing; nothing was written."""

    title = "Nothing was imported"

    def __init__(self, where: str, rows: list[RowProblems], total: int) -> None:
        self.where = where
        self.rows = rows
        self.groups = group_problems(rows)
        parts = []
        for group in self.groups[:GROUPS_SHOWN]:
            lines = ", ".join(str(n) for n in group.lines[:LINES_SHOWN])
            more = f" and {len(group.lines) - LINES_SHOWN:,} more" \
                if len(group.lines) > LINES_SHOWN else ""
            count = f"{len(group.lines):,} row{'s' if len(group.lines) != 1 else ''}"
            examples = f" (such as {'; '.join(group.examples)})" if group.examples else ""
            parts.append(f"{count}: {group.problem}{examples} — line"
                         f"{'s' if len(group.lines) != 1 else ''} {lines}{more}")
        rest = len(self.groups) - GROUPS_SHOWN
        tail = f"\n- and {rest} other problems" if rest > 0 else ""
        super().__init__(f"{where}: {len(rows):,} of {total:,} rows need fixing, so nothing "
                         "was imported.\n- " + "\n- ".join(parts) + tail)


def _columns(table: Table, kind: str) -> dict[str, int]:
    """Where each template column is; a required column missing is refused by name."""
    found = {normalise_header(h): i for i, h in enumerate(table.headers)}
    index: dict[str, int] = {}
    missing = []
    for column in TEMPLATES[kind]:
        key = normalise_header(column.header)
        if key in found:
            index[column.header] = found[key]
        elif column.required:
            missing.append(column.header)
    if missing:
        raise StrategyError(f"{table.where()} has no column " + ", ".join(
            f"“{m}”" for m in missing) + ". Use the template's column headings (a renamed "
            "column cannot be matched).")
    table.check(index.values())
    return index


# --- Measure values ------------------------------------------------------------------------


@dataclass
class MeasureRow:
    line: int
    measure_id: int
    period: str
    value: float
    scope: str
    problems: list[str] = field(default_factory=list)


def _scopes(con: Connection, org_id: int) -> dict[str, str]:
    scopes: dict[str, str] = {}
    # Table names are fixed here in code; only values are parameters.
    for table, prefix in (("team", "team"), ("segment", "segment")):
        for gid, name in con.execute(f"SELECT id, name FROM {table} WHERE org_id = ?",
                                     [org_id]).fetchall():
            scopes.setdefault(name.lower(), f"{prefix}:{gid}")
    return scopes


def preview_measure_values(con: Connection, org_id: int, table: Table,
                           today: date | None = None) -> list[MeasureRow]:
    access.require(Permission.EDIT_PLAN, org_id)
    index = _columns(table, "measures")
    by_name = {m.name.lower(): m for m in scorecard.list_measures(con, org_id)}
    scopes = _scopes(con, org_id)
    rows: list[MeasureRow] = []
    for position, raw in enumerate(table.rows):
        cell = {h: raw[i] for h, i in index.items()}
        row = MeasureRow(table.line(position), 0, text(cell["Period"]), 0.0, "all")
        measure = by_name.get(text(cell["Measure"]).lower())
        if measure is None:
            row.problems.append(f"Unknown measure “{text(cell['Measure'])}”.")
        elif measure.source != "manual":
            row.problems.append(f"{measure.name} is not entered by hand.")
        else:
            row.measure_id = measure.id
            problem = check_period(measure.cadence, row.period, today)
            if problem:
                row.problems.append(problem)
        try:
            number = parse_number(cell["Value"])
            if number is None:
                row.problems.append("Missing value.")
            else:
                row.value = number
                if measure is not None and (problem := check_value(measure.unit, number)):
                    row.problems.append(f"{measure.name} {problem}")
        except ValueError as exc:
            row.problems.append(f"Value: {exc}.")
        group = text(cell.get("Team or segment"))
        if group:
            scope = scopes.get(group.lower())
            if scope is None:
                row.problems.append(f"Unknown team or segment “{group}”.")
            else:
                row.scope = scope
        rows.append(row)
    keys = Counter((r.measure_id, r.period, r.scope) for r in rows if r.measure_id)
    for row in rows:
        if row.measure_id and keys[(row.measure_id, row.period, row.scope)] > 1:
            row.problems.append("The same measure, period and team or segment appear more than "
                                "once.")
    return rows


def _write_measure_values(con: Connection, org_id: int, rows: list[MeasureRow],
                          reason: str | None, file_name: str) -> None:
    with transaction(con):
        quarters = sorted({str(audit.quarter_of(r.period)) for r in rows})
        why = ""
        for quarter in quarters:
            why = audit.check_unlocked(con, org_id, quarter, reason) or why
        for r in rows:
            con.execute(
                "INSERT INTO measure_value (org_id, measure_id, period, scope, value, entered_by) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (measure_id, period, scope) DO UPDATE SET "
                "value = excluded.value, entered_by = excluded.entered_by, entered_at = now()",
                [org_id, r.measure_id, r.period, r.scope, r.value, audit.actor()])
        audit.record(con, org_id, "Measures", "imported",
                     f"{len(rows)} values from {file_name}", ", ".join(quarters), why)


# --- Recognition -------------------------------------------------------------------------------


@dataclass
class RecognitionRow:
    line: int
    data: RecognitionInput | None
    problems: list[str] = field(default_factory=list)


def preview_recognition(con: Connection, org_id: int, table: Table, day_first: bool = True,
                        today: date | None = None) -> list[RecognitionRow]:
    access.require(Permission.MANAGE_PEOPLE, org_id)
    index = _columns(table, "recognition")
    numbers = {n: i for i, n in con.execute("SELECT id, number FROM employee WHERE org_id = ?",
                                            [org_id]).fetchall()}
    values = {n.lower(): i for i, n in con.execute(
        "SELECT id, name FROM org_value WHERE org_id = ?", [org_id]).fetchall()}
    titles = {n.lower(): i for i, n in con.execute(
        "SELECT id, title FROM standard WHERE org_id = ?", [org_id]).fetchall()}
    rows = []
    for position, raw in enumerate(table.rows):
        cell = {h: raw[i] for h, i in index.items()}
        problems: list[str] = []
        try:
            given_on = parse_date(cell["Date"], day_first)
        except DateError as exc:
            problems.append(f"Date: {exc}.")
            given_on = None
        recipients = []
        for number in (n.strip() for n in text(cell["Recipients"]).split(";")):
            if number:
                if number in numbers:
                    recipients.append(numbers[number])
                else:
                    problems.append(f"No employee has the number “{number}”.")
        value_name = text(cell.get("Value"))
        standard_title = text(cell.get("Standard"))
        value_id = values.get(value_name.lower()) if value_name else None
        standard_id = titles.get(standard_title.lower()) if standard_title else None
        if value_name and value_id is None:
            problems.append(f"Unknown value “{value_name}”.")
        if standard_title and standard_id is None:
            problems.append(f"Unknown standard “{standard_title}”.")
        try:
            amount = parse_number(cell.get("Amount"))
        except ValueError as exc:
            problems.append(f"Amount: {exc}.")
            amount = None
        data = RecognitionInput(recipients, given_on, text(cell["Given by"]),
                                text(cell["From"]).lower(), text(cell["What was done"]),
                                text(cell["Reward"]).lower(), amount, value_id, standard_id)
        if not problems:
            try:
                recognition.check(con, org_id, data, today)
            except ValidationError as exc:
                problems.extend(exc.fields.values())
        rows.append(RecognitionRow(table.line(position), data, problems))
    return rows


# --- One entry point for the app and the command line ----------------------------------

# The imports whose columns are read from another system's export.
MAPPED = {"complaints": complaints_import, "employees": staff_import,
          "responses": survey_import}


@dataclass
class ImportResult:
    """What an import did, for the summary the person reads."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0  # rows already as the file has them (or answers held before)
    left_out: Counter[str] = field(default_factory=Counter)
    read_as: str = ""  # "Read as a Zendesk ticket export."
    notes: list[str] = field(default_factory=list)

    @property
    def written(self) -> int:
        return self.added + self.updated

    def summary(self) -> str:
        parts = [f"{self.added:,} added"]
        if self.updated:
            parts.append(f"{self.updated:,} updated")
        if self.unchanged:
            parts.append(f"{self.unchanged:,} already held as in the file")
        left = sum(self.left_out.values())
        if left:
            why = "; ".join(f"{n:,} with {reason}" for reason, n in self.left_out.most_common(5))
            parts.append(f"{left:,} left out ({why})")
        return " ".join([self.read_as, ", ".join(parts) + ".", *self.notes]).strip()


def recognise(kind: str) -> Callable[[list[str]], int]:
    """How many of a sheet's headings an import knows: picks the data sheet of a
    workbook that also holds a report's settings."""
    module = MAPPED.get(kind)
    known: set[str] = set()
    if module is not None:
        for label, _required, synonyms in module.FIELDS.values():
            known |= {normalise_header(label), *synonyms}
        for source in sources.for_kind(kind):
            known |= {h for options in source.headings.values() for h in options}
    else:
        known = {normalise_header(c.header) for c in TEMPLATES[kind]}
    return lambda headers: sum(normalise_header(h) in known for h in headers if h)


def read_plan(con: Connection, org_id: int, kind: str, table: Table, *,
              source: str | None = None, columns: dict[str, str | None] | None = None,
              values: dict[str, dict[str, str]] | None = None,
              date_order: str | None = None) -> tuple[Table, mapping_.Plan]:
    """The file's system, how its columns and values are read, and its dates' order;
    the table comes back without the rows under the headings that are headings too."""
    module = MAPPED[kind]
    found = mapping_.source_of(kind, table.headers, source)
    if found is not None:
        table = table.without_heading_rows(found.extra_heading_rows)
    plan = mapping_.plan(con, org_id, kind, table.headers, module.FIELDS,
                         module.guess_mapping, source=found, columns=columns, values=values,
                         date_order=date_order)
    return table, plan


def _content_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def imported_before(con: Connection, org_id: int, kind: str, data: bytes) -> str | None:
    """When (and as what) this very file was imported before, if it was."""
    row = con.execute("SELECT file_name, imported_at, rows_imported FROM import_file WHERE "
                      "org_id = ? AND kind = ? AND sha256 = ? ORDER BY imported_at DESC "
                      "LIMIT 1", [org_id, kind, _content_hash(data)]).fetchone()
    if row is None:
        return None
    return f"{row[0]} was imported on {row[1]:%Y-%m-%d %H:%M} ({row[2]:,} rows)"


def record_file(con: Connection, org_id: int, kind: str, file_name: str, data: bytes,
                rows: int) -> None:
    who = access.current()
    con.execute("INSERT INTO import_file (org_id, kind, sha256, file_name, rows_imported, "
                "imported_by) VALUES (?, ?, ?, ?, ?, ?)",
                [org_id, kind, _content_hash(data), file_name, rows, who.name])


def _without_keys(con: Connection, org_id: int, kind: str, data: bytes, what: str,
                  again: bool, result: ImportResult) -> None:
    """A file whose rows carry no keys: refused if this very file was imported before
    (unless ``again``), and the summary says what a re-import would do."""
    before = imported_before(con, org_id, kind, data)
    if before and not again:
        raise StrategyError(f"This file was imported before: {before}. It has no {what}, so "
                            "importing it again would count its rows a second time. If that "
                            "is what you want, import it again with --again (in the app: "
                            "“Import it again anyway”).")
    result.notes.append(f"The file has no {what}: importing it again would add its rows "
                        "again.")


def _refuse_bad(table: Table, rows: Sequence[Any], total: int) -> None:
    """Nothing is imported from a file with any row to fix: its problems, grouped."""
    bad = [RowProblems(r.line, r.problems) for r in rows]
    if bad:
        raise ImportRejected(table.where(), bad, total)


def import_file(con: Connection, org_id: int, kind: str, file_name: str, data: bytes, *,
                survey: str | None = None, create_teams: bool = False,
                date_order: str | None = None, reason: str | None = None,
                today: date | None = None, columns: dict[str, str | None] | None = None,
                values: dict[str, dict[str, str]] | None = None, source: str | None = None,
                save_mapping: bool = False, again: bool = False) -> ImportResult:
    """Check every row of the file and write them all, or none; says what it did.

    ``source`` names the system that wrote the file (recognised from its headings
    otherwise), ``columns`` which column holds a field (None: leave it unread),
    ``values`` what a field's values mean ("*" for any other; "leave out" drops the
    row), ``date_order`` dmy or mdy where the dates cannot tell. ``save_mapping``
    keeps all of that for the organisation's next file from the same system."""
    if kind not in KINDS:
        raise StrategyError(f"Unknown import “{kind}”; choose one of {', '.join(KINDS)}.")
    permission = IMPORT_PERMISSION[kind]
    access.require(permission, org_id)
    if kind not in MAPPED:
        if columns or values or source:
            raise StrategyError(f"The {kind} import reads our template's own columns: "
                                "--source, --column and --value do not apply to it.")
        table = read_table(file_name, data, SHEETS[kind], recognise(kind))
        if not table.rows:
            raise StrategyError(f"{table.where()} has a header row but no rows to import.")
        return ImportResult(added=run_template_import(
            con, org_id, kind, file_name, table, date_order != "mdy", reason, today))
    module = MAPPED[kind]
    planned: list[tuple[sources.Source | None, mapping_.Plan]] = []

    def keep(headers: list[str]) -> list[int]:
        # Decided from the headings alone, before the rows are read: only the columns
        # the import reads are kept.
        found = mapping_.source_of(kind, headers, source)
        plan = mapping_.plan(con, org_id, kind, headers, module.FIELDS, module.guess_mapping,
                             source=found, columns=columns, values=values,
                             date_order=date_order)
        planned.append((found, plan))
        return sorted({headers.index(c) for c in plan.columns.values() if c and c in headers})

    table = read_table(file_name, data, SHEETS[kind], recognise(kind), keep)
    found, plan = planned[0]
    if found is not None:
        table = table.without_heading_rows(found.extra_heading_rows)
    if not table.rows:
        raise StrategyError(f"{table.where()} has a header row but no rows to import.")
    try:
        module.check_mapping(plan.columns, table.headers) if kind != "complaints" else \
            complaints_import.check_mapping(plan.columns, table.headers, plan.reading)
    except ValidationError as exc:
        missing = [module.FIELDS[f][0] for f in exc.fields if f in module.FIELDS
                   and not plan.columns.get(f)]
        said = (f"{table.where()} has no column " + ", ".join(f"“{m}”" for m in missing)
                + ". ") if missing else f"{table.where()}: "
        raise StrategyError(said + plan.described() + " " + " ".join(exc.fields.values())
                            + " Say which column holds it (on the command line: --column "
                              "FIELD=HEADING; the file's headings are " + ", ".join(
                                  f"“{h}”" for h in table.file_headers if h) + ").") from exc
    table.check(range(len(table.headers)))
    mapping_.decide_dates(table, plan, module.DATE_FIELDS, module.LABELS)
    result = ImportResult(read_as=plan.described())
    try:
        if kind == "complaints":
            checked = complaints_import.preview(con, org_id, table, plan.columns, plan.reading,
                                                today)
            if not plan.columns.get("reference"):
                _without_keys(con, org_id, kind, data, "ticket numbers", again, result)
            _refuse_bad(table, checked.problem_rows, len(checked.rows))
            result.left_out = checked.left_out
            result.added, result.updated, result.unchanged = \
                complaints_import.import_feedback(con, org_id, checked, file_name, reason,
                                                  today)
        elif kind == "employees":
            preview = staff_import.preview_employees(con, org_id, table, plan.columns,
                                                     plan.reading, create_teams, today)
            _refuse_bad(table, preview.problem_rows, len(preview.rows))
            result.added, result.updated = staff_import.import_employees(con, org_id, preview)
        else:
            if survey not in SURVEY_KINDS:
                raise StrategyError("Say which question the answers are to: "
                                    + ", ".join(SURVEY_KINDS) + " (--survey).")
            answers = survey_import.preview_responses(con, org_id, table, survey,
                                                      plan.columns, plan.reading, today)
            if not answers.keyed:
                _without_keys(con, org_id, kind, data, "response ids", again, result)
            _refuse_bad(table, answers.problem_rows, len(answers.rows))
            result.added = survey_import.import_responses(con, org_id, answers, file_name,
                                                          reason)
            result.unchanged = len(answers.rows) - result.added
    except ValidationError as exc:
        message = " ".join(exc.fields.values())
        if "reason" in exc.fields or "reviewed" in message:
            message += " Give the reason with --reason \"…\" (in the app: the Reason box)."
        raise StrategyError(f"{table.where()}: {message}") from exc
    with transaction(con):
        record_file(con, org_id, kind, file_name, data, result.written)
    if save_mapping:
        mapping_.save_mapping(con, org_id, kind, plan.source.key if plan.source else None,
                              plan.columns, plan.reading.values,
                              plan.said_order or plan.saved_order,
                              permission)
        result.notes.append("The columns and values are saved for the next file from "
                            + (plan.source.name if plan.source else "this kind of file") + ".")
    return result


def run_import(con: Connection, org_id: int, kind: str, file_name: str, data: bytes, *,
               survey: str | None = None, create_teams: bool = False, day_first: bool = True,
               reason: str | None = None, today: date | None = None,
               columns: dict[str, str] | None = None) -> int:
    """Check every row and write them all; returns how many rows were written (see
    :func:`import_file` for the whole of what an import can be told)."""
    return import_file(con, org_id, kind, file_name, data, survey=survey,
                       create_teams=create_teams, date_order=None if day_first else "mdy",
                       reason=reason, today=today,
                       columns=dict(columns) if columns else None).written


def run_template_import(con: Connection, org_id: int, kind: str, file_name: str,
                        table: Table, day_first: bool, reason: str | None,
                        today: date | None) -> int:
    """Measure values and recognition records, from our own templates."""
    if kind == "measures":
        values = preview_measure_values(con, org_id, table, today)
        bad = [RowProblems(r.line, r.problems) for r in values if r.problems]
        if bad:
            raise ImportRejected(table.where(), bad, len(values))
        _write_measure_values(con, org_id, values, reason, file_name)
        return len(values)
    records = preview_recognition(con, org_id, table, day_first, today)
    bad = [RowProblems(r.line, r.problems) for r in records if r.problems]
    if bad:
        raise ImportRejected(table.where(), bad, len(records))
    recognition.add_many(con, org_id, [r.data for r in records if r.data is not None],
                         today=today, reason=reason)
    return len(records)
