"""Importing raw survey answers (CSV or Excel): all rows or none.

One file holds answers to one question: NPS or CSAT or effort from customers,
or eNPS from staff. Each row is a date, a score and optionally the segment
(customer surveys) or team (staff surveys) the person belongs to. A blank
score is kept as a blank answer: it is not counted in n.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from strategy.core import access, audit
from strategy.core.access import Permission
from strategy.core.checks import on_duplicate
from strategy.core.db import Connection, incoming_rows, transaction
from strategy.core.errors import ValidationError
from strategy.io.dates import DateError
from strategy.io.mapping import Plan, Reading, decide_dates
from strategy.io.tabular import Table, normalise_header, parse_number, text
from strategy.measures.surveys import KINDS, SCALES, SIDES

FIELDS = {"answered_on": ("Date answered", True, ("date", "answered", "answered on",
                                                  "response date", "submitted", "date answered",
                                                  "timestamp", "submitted at", "completion time",
                                                  "recordeddate", "end date")),
          "score": ("Score", True, ("score", "answer", "rating", "response", "value")),
          "group": ("Segment or team", False, ("segment", "team", "customer segment",
                                               "department", "group")),
          "response_id": ("Response id", False, ("response id", "responseid", "respondent id",
                                                 "submission id", "id"))}
DATE_FIELDS = ("answered_on",)
LABELS = {name: label for name, (label, _r, _s) in FIELDS.items()}
# A derived column of promoters, passives and detractors (Qualtrics' Q1_NPS_GROUP):
# never the 0–10 answer itself.
_GROUP_HEADING = re.compile(r"(?i)(nps|enps)[ _]?(group|category|segment)|promoter")
_QUESTION = re.compile(r"(?i)how likely|recommend|likelihood")


@dataclass
class ResponseRow:
    line: int
    answered_on: date | None
    score: int | None
    scope: str
    raw: dict[str, str]
    problems: list[str] = field(default_factory=list)
    response_id: str = ""
    held: bool = False  # this response id was imported before


@dataclass
class ResponsePreview:
    where: str
    kind: str
    rows: list[ResponseRow]
    keyed: bool = False  # the file gives each answer the tool's response id

    @property
    def problem_rows(self) -> list[ResponseRow]:
        return [r for r in self.rows if r.problems]

    @property
    def new_rows(self) -> list[ResponseRow]:
        return [r for r in self.rows if not r.held]

    @property
    def clean(self) -> bool:
        return bool(self.rows) and not self.problem_rows


def guess_mapping(headers: list[str]) -> dict[str, str | None]:
    normalised = {normalise_header(h): h for h in headers if h}
    # The field's own label first: it is the heading of our template's column.
    mapping: dict[str, str | None] = {
        f: next((normalised[s] for s in (normalise_header(label), *synonyms)
                 if s in normalised), None)
        for f, (label, _required, synonyms) in FIELDS.items()}
    if mapping["score"] is None or _GROUP_HEADING.search(mapping["score"] or ""):
        mapping["score"] = _score_column(headers)
    return mapping


def _score_column(headers: list[str]) -> str | None:
    """The 0–10 question among a survey tool's columns: the one a derived group column
    is named after (Q1 beside Q1_NPS_GROUP), else the one that asks how likely people are
    to recommend."""
    for heading in headers:
        match = re.fullmatch(r"(?i)(.+?)[ _]nps[ _]group", heading.strip())
        if match and match[1] in headers:
            return match[1]
    asked = [h for h in headers if _QUESTION.search(h) and not _GROUP_HEADING.search(h)]
    return asked[0] if len(asked) == 1 else None


def _plausible(table: Table, index: dict[str, int], kind: str) -> None:
    """Refuse a score column that cannot be the question's answers, saying why."""
    column = table.headers[index["score"]]
    values = [text(r[index["score"]]) for r in table.rows]  # type: ignore[arg-type]
    given = [v for v in values if v]
    if not given:
        return
    numbers = []
    for value in given:
        try:
            number = parse_number(value)
        except ValueError:
            continue
        if number is not None:
            numbers.append(number)
    low, high = SCALES[kind]
    if len(given) >= 5 and len(numbers) * 2 < len(given):
        raise ValidationError({"score": f"The column “{column}” chosen for the score holds "
                                        f"mostly text (such as “{given[0][:40]}”), not "
                                        f"answers from {low} to {high}. Choose the column of "
                                        "answers (on the command line --column "
                                        "score=HEADING)."})
    if high == 10 and len(numbers) >= 5 and set(numbers) <= {1, 2, 3} and (
            _GROUP_HEADING.search(column) or len(numbers) >= 20):
        raise ValidationError({"score": f"The column “{column}” holds only 1, 2 and 3: it looks "
                                        "like promoter / passive / detractor groups, not the "
                                        "0–10 answer. Choose the column of answers (on the "
                                        "command line --column score=HEADING)."})


def check_mapping(mapping: dict[str, str | None], headers: list[str]) -> None:
    problems: dict[str, str] = {}
    for f, (label, required, _s) in FIELDS.items():
        column = mapping.get(f)
        if required and not column:
            problems[f] = f"Choose the column that holds “{label}”" + (
                " (on the command line --column score=HEADING)." if f == "score" else ".")
        elif column and column not in headers:
            problems[f] = f"The file has no column “{column}”."
    if problems:
        raise ValidationError(problems)


def preview_responses(con: Connection, org_id: int, table: Table, kind: str,
                      mapping: dict[str, str | None], reading: Reading | None = None,
                      today: date | None = None) -> ResponsePreview:
    access.require(Permission.EDIT_PLAN, org_id)
    today = today or date.today()
    if kind not in KINDS:
        raise ValidationError({"kind": "Choose which question the file answers."})
    check_mapping(mapping, table.headers)
    if reading is None:
        reading = Reading()
        decide_dates(table, Plan("responses", None, mapping, reading), DATE_FIELDS, LABELS)
    index = {f: table.headers.index(c) for f, c in mapping.items() if c}
    table.check(index.values())
    _plausible(table, index, kind)
    group_kind = "team" if SIDES[kind] == "employee" else "segment"
    groups = {name.lower(): gid for gid, name in con.execute(
        f"SELECT id, name FROM {group_kind} WHERE org_id = ?", [org_id]).fetchall()}
    keyed = "response_id" in index
    held: set[str] = set()
    if keyed:
        ids = sorted({text(r[index["response_id"]]) for r in table.rows}  # type: ignore[arg-type]
                     - {""})
        held = {row[0] for row in con.execute(
            "SELECT response_id FROM survey_response WHERE org_id = ? AND kind = ? AND "
            "response_id IN (SELECT unnest(CAST(? AS VARCHAR[])))",
            [org_id, kind, ids]).fetchall()}
    seen: Counter[str] = Counter()
    low, high = SCALES[kind]
    rows = []
    for position, raw in enumerate(table.rows):
        cells = {f: raw[i] for f, i in index.items()}
        row = ResponseRow(table.line(position), None, None, "all",
                          {f: text(v) for f, v in cells.items()})  # type: ignore[arg-type]
        try:
            row.answered_on = reading.date("answered_on", cells.get("answered_on"))
            if row.answered_on is None:
                row.problems.append("Missing date.")
            elif row.answered_on > today:
                row.problems.append(f"The date {row.answered_on} is in the future.")
        except DateError as exc:
            row.problems.append(f"Date: {exc}.")
        try:
            number = parse_number(cells.get("score"))  # type: ignore[arg-type]
            if number is not None:
                if number != int(number) or not low <= number <= high:
                    row.problems.append(f"Score {row.raw['score']} is not a whole number from "
                                        f"{low} to {high}.")
                else:
                    row.score = int(number)
        except ValueError:
            row.problems.append(f"Score “{row.raw['score']}” is not a number.")
        group = row.raw.get("group", "")
        if group:
            gid = groups.get(group.lower())
            if gid is None:
                row.problems.append(f"Unknown {group_kind} “{group}”.")
            else:
                row.scope = f"{group_kind}:{gid}"
        if keyed:
            row.response_id = row.raw.get("response_id", "")
            if not row.response_id:
                row.problems.append("Missing the response id.")
            seen[row.response_id] += 1
            row.held = row.response_id in held
        rows.append(row)
    for row in rows:
        if row.response_id and seen[row.response_id] > 1:
            row.problems.append(f"The response id “{row.response_id}” is on more than one "
                                "line.")
    return ResponsePreview(table.where(), kind, rows, keyed)


def add_responses(con: Connection, org_id: int, kind: str,
                  answers: list[tuple[date, int | None, str]], file_name: str,
                  response_ids: list[str | None] | None = None) -> None:
    """Insert checked answers in one set-based statement (inside the caller's
    transaction): they travel as a file of typed columns, never as SQL."""
    access.require(Permission.EDIT_PLAN, org_id)
    ids = response_ids or [None] * len(answers)
    rows = ([a[0], a[1], a[2], i] for a, i in zip(answers, ids, strict=True))
    with incoming_rows(con, {"answered_on": "DATE", "score": "SMALLINT", "scope": "VARCHAR",
                        "response_id": "VARCHAR"}, rows) as (source, params):
        con.execute(
            "INSERT INTO survey_response (org_id, kind, answered_on, score, scope, file_name, "
            f"response_id) SELECT ?, ?, i.answered_on, i.score, i.scope, ?, i.response_id "
            f"FROM {source} AS i", [org_id, kind, file_name, *params])


def import_responses(con: Connection, org_id: int, preview: ResponsePreview, file_name: str,
                     reason: str | None = None) -> int:
    """Write the answers not imported before; returns how many were added. A tool's
    export holds every response to date: answers whose response id is already held
    are left as they are, so a monthly re-import adds only the month's new ones."""
    access.require(Permission.EDIT_PLAN, org_id)
    if not preview.rows:
        raise ValidationError({"file": f"{preview.where} has no answers to import."})
    if preview.problem_rows:
        lines = ", ".join(str(r.line) for r in preview.problem_rows[:20])
        raise ValidationError({"file": f"{len(preview.problem_rows)} rows need fixing first "
                                       f"(lines {lines}); nothing was imported."})
    new = preview.new_rows
    if not new:
        return 0
    with on_duplicate("file", lambda: "Some of these answers were imported by someone else "
                      "while the file was being checked, so nothing was imported. Import the "
                      "file again: the answers already held are left out."), transaction(con):
        quarters = sorted({str(audit.quarter_of(f"{r.answered_on:%Y-%m}"))
                           for r in new if r.answered_on})
        why = ""
        for quarter in quarters:
            why = audit.check_unlocked(con, org_id, quarter, reason) or why
        add_responses(con, org_id, preview.kind,
                      [(r.answered_on, r.score, r.scope) for r in new
                       if r.answered_on is not None], file_name,
                      [r.response_id or None for r in new if r.answered_on is not None])
        held = len(preview.rows) - len(new)
        audit.record(con, org_id, "Surveys", "imported",
                     f"{len(new)} {KINDS[preview.kind]} answers from {file_name}"
                     + (f" ({held} imported before)" if held else ""),
                     ", ".join(quarters), why)
    return len(new)
