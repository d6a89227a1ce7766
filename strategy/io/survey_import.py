"""Importing raw survey answers (CSV or Excel): all rows or none.

One file holds answers to one question: NPS or CSAT or effort from customers,
or eNPS from staff. Each row is a date, a score and optionally the segment
(customer surveys) or team (staff surveys) the person belongs to. A blank
score is kept as a blank answer: it is not counted in n.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from strategy.core import access, audit
from strategy.core.access import Permission
from strategy.core.db import Connection, transaction
from strategy.core.errors import ValidationError
from strategy.io.tabular import DateError, Table, normalise_header, parse_date, parse_number, text
from strategy.measures.surveys import KINDS, SCALES, SIDES

FIELDS = {"answered_on": ("Date answered", True, ("date", "answered", "answered on",
                                                  "response date", "submitted", "date answered")),
          "score": ("Score", True, ("score", "answer", "rating", "response", "value")),
          "group": ("Segment or team", False, ("segment", "team", "customer segment",
                                               "department", "group"))}


@dataclass
class ResponseRow:
    line: int
    answered_on: date | None
    score: int | None
    scope: str
    raw: dict[str, str]
    problems: list[str] = field(default_factory=list)


@dataclass
class ResponsePreview:
    where: str
    kind: str
    rows: list[ResponseRow]

    @property
    def problem_rows(self) -> list[ResponseRow]:
        return [r for r in self.rows if r.problems]

    @property
    def clean(self) -> bool:
        return bool(self.rows) and not self.problem_rows


def guess_mapping(headers: list[str]) -> dict[str, str | None]:
    normalised = {normalise_header(h): h for h in headers if h}
    # The field's own label first: it is the heading of our template's column.
    return {f: next((normalised[s] for s in (normalise_header(label), *synonyms)
                     if s in normalised), None)
            for f, (label, _required, synonyms) in FIELDS.items()}


def preview_responses(con: Connection, org_id: int, table: Table, kind: str,
                      mapping: dict[str, str | None], day_first: bool = True,
                      today: date | None = None) -> ResponsePreview:
    access.require(Permission.EDIT_PLAN, org_id)
    today = today or date.today()
    if kind not in KINDS:
        raise ValidationError({"kind": "Choose which question the file answers."})
    problems: dict[str, str] = {}
    for f, (label, required, _s) in FIELDS.items():
        column = mapping.get(f)
        if required and not column:
            problems[f] = f"Choose the column that holds “{label}”."
        elif column and column not in table.headers:
            problems[f] = f"{table.where()} has no column “{column}”."
    if problems:
        raise ValidationError(problems)
    group_kind = "team" if SIDES[kind] == "employee" else "segment"
    groups = {name.lower(): gid for gid, name in con.execute(
        f"SELECT id, name FROM {group_kind} WHERE org_id = ?", [org_id]).fetchall()}
    index = {f: table.headers.index(c) for f, c in mapping.items() if c}
    low, high = SCALES[kind]
    rows = []
    for position, raw in enumerate(table.rows):
        cells = {f: raw[i] for f, i in index.items()}
        row = ResponseRow(table.line(position), None, None, "all",
                          {f: text(v) for f, v in cells.items()})
        try:
            row.answered_on = parse_date(cells.get("answered_on"), day_first)
            if row.answered_on is None:
                row.problems.append("Missing date.")
            elif row.answered_on > today:
                row.problems.append(f"The date {row.answered_on} is in the future.")
        except DateError as exc:
            row.problems.append(f"Date: {exc}.")
        try:
            number = parse_number(cells.get("score"))
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
        rows.append(row)
    return ResponsePreview(table.where(), kind, rows)


def add_responses(con: Connection, org_id: int, kind: str,
                  answers: list[tuple[date, int | None, str]], file_name: str) -> None:
    """Insert checked answers in one set-based statement (inside the caller's
    transaction): they travel as a registered table of values, never as SQL."""
    access.require(Permission.EDIT_PLAN, org_id)
    frame = pd.DataFrame({
        "answered_on": pd.to_datetime([a[0] for a in answers]),
        "score": pd.array([a[1] for a in answers], dtype="Int16"),
        "scope": [a[2] for a in answers]})
    con.register("incoming_answers", frame)
    try:
        con.execute(
            "INSERT INTO survey_response (org_id, kind, answered_on, score, scope, file_name) "
            "SELECT ?, ?, CAST(answered_on AS DATE), score, scope, ? FROM incoming_answers",
            [org_id, kind, file_name])
    finally:
        con.unregister("incoming_answers")


def import_responses(con: Connection, org_id: int, preview: ResponsePreview, file_name: str,
                     reason: str | None = None) -> int:
    access.require(Permission.EDIT_PLAN, org_id)
    if not preview.rows:
        raise ValidationError({"file": f"{preview.where} has no answers to import."})
    if preview.problem_rows:
        lines = ", ".join(str(r.line) for r in preview.problem_rows[:20])
        raise ValidationError({"file": f"{len(preview.problem_rows)} rows need fixing first "
                                       f"(lines {lines}); nothing was imported."})
    with transaction(con):
        quarters = sorted({str(audit.quarter_of(f"{r.answered_on:%Y-%m}"))
                           for r in preview.rows if r.answered_on})
        why = ""
        for quarter in quarters:
            why = audit.check_unlocked(con, org_id, quarter, reason) or why
        add_responses(con, org_id, preview.kind,
                      [(r.answered_on, r.score, r.scope) for r in preview.rows
                       if r.answered_on is not None], file_name)
        audit.record(con, org_id, "Surveys", "imported",
                     f"{len(preview.rows)} {KINDS[preview.kind]} answers from {file_name}",
                     ", ".join(quarters), why)
    return len(preview.rows)
