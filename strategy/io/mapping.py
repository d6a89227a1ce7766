"""How a file is read: which column holds each field, what its values mean, and
which way round its dates are — guessed, recognised from its source, saved for
the organisation, and finished by the person importing.

The same rules serve the command line (``--source``, ``--column FIELD=HEADING``,
``--value FIELD:FROM=TO``, ``--date-order``) and the import panels, and a
mapping saved per organisation, import and source makes next month's export
of the same system import in one step.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from strategy.core import access
from strategy.core.access import Permission
from strategy.core.db import Connection, transaction
from strategy.core.errors import StrategyError
from strategy.io import dates
from strategy.io.sources import Source, detect, named
from strategy.io.tabular import Table, normalise_header

# What a value may be mapped to so that its row is left out of the import.
LEAVE_OUT = "leave out"
_LEAVE_OUT_WORDS = {"leave out", "skip", "ignore", "exclude", "none"}
ANY = "*"

Fields = dict[str, tuple[str, bool, tuple[str, ...]]]


@dataclass
class Reading:
    """How the cells of one file are read."""

    # Field -> {a value as the file has it (normalised): what it means here}; "*" is
    # every value not named.
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    # Field -> "dmy" / "mdy" for its column of 03/04/2026-style dates.
    orders: dict[str, str | None] = field(default_factory=dict)
    team_in_brackets: bool = False

    def value(self, name: str, raw: str, any_other: bool = True) -> str | None:
        """What ``raw`` means for ``name`` by the mapping, or None when it says nothing;
        ``any_other``: whether "*" (every value not named) counts."""
        table = self.values.get(name)
        if not table:
            return None
        key = normalise_header(raw)
        if key in table:
            return table[key]
        if raw.strip().lower() in table:
            return table[raw.strip().lower()]
        return table.get(ANY) if any_other else None

    def date(self, name: str, cell: object) -> date | None:
        return dates.parse(cell, self.orders.get(name))

    def team(self, raw: str) -> str:
        if self.team_in_brackets and raw.endswith(")") and " (" in raw:
            return raw[:raw.rindex(" (")].strip()
        return raw


def is_left_out(meaning: str | None) -> bool:
    return meaning is not None and meaning.strip().lower() in _LEAVE_OUT_WORDS


@dataclass
class Plan:
    """Everything said about one file before its rows are checked."""

    kind: str
    source: Source | None
    columns: dict[str, str | None]
    reading: Reading
    # How 03/04/2026-style dates are read where a column cannot tell: what was said,
    # else the saved choice, else the source's own order, else the organisation's.
    date_order: str | None = None
    saved: bool = False  # a saved mapping was used
    # The order the person gave for this file: a column whose own dates say the other
    # way round is then refused (a default never is: the column's evidence wins).
    said_order: str | None = None
    saved_order: str | None = None

    def described(self) -> str:
        if self.source is None:
            return "No known system recognised from the headings: read by our template's " \
                "headings and the columns named."
        return f"Read as a {self.source.name}" + (
            " with this organisation's saved choices." if self.saved else ".")


# --- Saying it on the command line ------------------------------------------------------


def parse_columns(pairs: Sequence[str]) -> dict[str, str | None]:
    """``FIELD=HEADING`` (or ``FIELD=`` to leave a guessed column unread)."""
    given: dict[str, str | None] = {}
    for pair in pairs:
        name, sep, heading = pair.partition("=")
        if not sep or not name.strip():
            raise StrategyError(f"--column {pair!r}: write it as FIELD=HEADING (or FIELD= to "
                                "leave that field unread).")
        given[name.strip()] = heading.strip() or None
    return given


def parse_values(pairs: Sequence[str]) -> dict[str, dict[str, str]]:
    """``FIELD:FROM=TO``: a value of the file and what it means (``*`` for any other)."""
    given: dict[str, dict[str, str]] = {}
    for pair in pairs:
        left, sep, to = pair.partition("=")
        name, colon, source_value = left.partition(":")
        if not sep or not colon or not name.strip() or not source_value.strip():
            raise StrategyError(f"--value {pair!r}: write it as FIELD:FROM=TO, e.g. --value "
                                "'kind:Incident=complaint' or --value 'kind:*=leave out'.")
        key = source_value.strip()
        given.setdefault(name.strip(), {})[key if key == ANY else normalise_header(key)] = \
            to.strip()
    return given


# --- Saved for the organisation ----------------------------------------------------------


@dataclass(frozen=True)
class SavedMapping:
    columns: dict[str, str | None]
    values: dict[str, dict[str, str]]
    date_order: str | None
    saved_by: str
    saved_at: object


def saved_mapping(con: Connection, org_id: int, kind: str,
                  source: str | None) -> SavedMapping | None:
    row = con.execute(
        "SELECT columns, value_map, date_order, saved_by, saved_at FROM import_mapping "
        "WHERE org_id = ? AND kind = ? AND source = ?", [org_id, kind, source or ""]).fetchone()
    if row is None:
        return None
    return SavedMapping(json.loads(row[0]), json.loads(row[1]), row[2], row[3], row[4])


def save_mapping(con: Connection, org_id: int, kind: str, source: str | None,
                 columns: dict[str, str | None], values: dict[str, dict[str, str]],
                 date_order: str | None, permission: Permission) -> None:
    """Keep how this organisation's exports from ``source`` are read, for next time."""
    who = access.require(permission, org_id)
    if date_order not in (None, *dates.ORDERS):
        raise StrategyError("The date order is dmy (day first) or mdy (month first).")
    with transaction(con):
        con.execute("DELETE FROM import_mapping WHERE org_id = ? AND kind = ? AND source = ?",
                    [org_id, kind, source or ""])
        con.execute(
            "INSERT INTO import_mapping (org_id, kind, source, columns, value_map, date_order, "
            "saved_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [org_id, kind, source or "", json.dumps(columns, sort_keys=True),
             json.dumps(values, sort_keys=True), date_order, who.name])


def organisation_date_order(con: Connection, org_id: int) -> str | None:
    row = con.execute("SELECT date_order FROM import_setting WHERE org_id = ?",
                      [org_id]).fetchone()
    return str(row[0]) if row and row[0] else None


def set_organisation_date_order(con: Connection, org_id: int, order: str | None) -> None:
    access.require(Permission.EDIT_PLAN, org_id)
    if order not in (None, *dates.ORDERS):
        raise StrategyError("The date order is dmy (day first) or mdy (month first).")
    with transaction(con):
        con.execute("DELETE FROM import_setting WHERE org_id = ?", [org_id])
        if order:
            con.execute("INSERT INTO import_setting (org_id, date_order) VALUES (?, ?)",
                        [org_id, order])


# --- Putting it together ----------------------------------------------------------------


def source_of(kind: str, headers: Sequence[str], given: str | None) -> Source | None:
    return named(kind, given) if given else detect(kind, headers)


def plan(con: Connection, org_id: int, kind: str, headers: Sequence[str], fields: Fields,
         guess: Callable[[list[str]], dict[str, str | None]], *,
         source: Source | None = None, columns: dict[str, str | None] | None = None,
         values: dict[str, dict[str, str]] | None = None, date_order: str | None = None,
         use_saved: bool = True) -> Plan:
    """Which column holds each field and what its values mean: the guess from the
    headings, then what the source writes, then the organisation's saved mapping for
    that source, then what the person said — each later word wins."""
    headers = [h for h in headers]
    mapping = dict(guess(headers))
    by_normal = {normalise_header(h): h for h in headers if h}
    value_map: dict[str, dict[str, str]] = {}
    if source is not None:
        for name, options in source.headings.items():
            found = next((by_normal[h] for h in options if h in by_normal), None)
            if found is not None:
                mapping = {f: (None if c == found else c) for f, c in mapping.items()}
                mapping[name] = found
        for name, table in source.values.items():
            value_map[name] = dict(table)
    # A system that always writes one order knows best; else the organisation's habit.
    order = (source.date_order if source is not None else None) or \
        organisation_date_order(con, org_id)
    saved = saved_mapping(con, org_id, kind, source.key if source else None) \
        if use_saved else None
    if saved is not None:
        for name, column in saved.columns.items():
            if column is None or column in headers:
                mapping[name] = column
        for name, table in saved.values.items():
            value_map.setdefault(name, {}).update(table)
        order = saved.date_order or order
    for name, column in (columns or {}).items():
        if name not in fields:
            raise StrategyError(f"“{name}” is not a field of this import; the fields are "
                                + ", ".join(fields) + ".")
        if column is not None and column not in headers:
            near = [h for h in headers if normalise_header(h) == normalise_header(column)]
            if len(near) == 1:
                column = near[0]
            else:
                raise StrategyError(f"The file has no column “{column}” (for --column {name}=…"
                                    "). Its headings are: " + ", ".join(
                                        f"“{h}”" for h in headers if h) + ".")
        mapping = {f: (None if c == column and column is not None else c)
                   for f, c in mapping.items()}
        mapping[name] = column
    for name, table in (values or {}).items():
        if name not in fields:
            raise StrategyError(f"“{name}” is not a field of this import (in --value); the "
                                "fields are " + ", ".join(fields) + ".")
        value_map.setdefault(name, {}).update(table)
    if date_order is not None:
        if date_order not in dates.ORDERS:
            raise StrategyError("--date-order takes dmy (day first) or mdy (month first).")
        order = date_order
    reading = Reading(values=value_map,
                      team_in_brackets=bool(source and source.team_in_brackets))
    return Plan(kind, source, {f: mapping.get(f) for f in fields}, reading, order,
                saved is not None, date_order, saved.date_order if saved else None)


def decide_dates(table: Table, plan_: Plan, date_fields: Iterable[str],
                 labels: dict[str, str]) -> None:
    """Set the order of each date column from its own values; a column that cannot
    tell uses the other date columns of the file, then what was said or saved. A
    column that still could be either way round, or that contradicts what was said,
    refuses the file with the choice to make."""
    decided: dict[str, str | None] = {}
    undecided: list[str] = []
    for name in date_fields:
        column = plan_.columns.get(name)
        if not column or column not in table.headers:
            continue
        index = table.headers.index(column)
        values = [row[index] for row in table.rows]
        try:
            order = dates.column_order(values)
        except dates.DateError as exc:
            raise StrategyError(f"{table.where()}, column “{column}”: {exc}. Fix the file "
                                "so one column holds one kind of date.") from exc
        if order is not None:
            if plan_.said_order and plan_.said_order != order:
                example = next(str(v) for v in values if dates.numeric_parts(v) and (
                    dates.numeric_parts(v)[0 if order == "dmy" else 1] > 12))  # type: ignore[index]
                raise StrategyError(
                    f"{table.where()}, column “{column}” holds “{example}”, which is "
                    f"{dates.ORDER_LABELS[order]}, but the date order given is "
                    f"{dates.ORDER_LABELS[plan_.said_order]}. Leave the date order out "
                    "(--date-order, or “Dates” in the panel) or correct it.")
            decided[name] = order
        elif dates.has_numeric_dates(values):
            undecided.append(name)
    evidence = set(decided.values())
    for name in undecided:
        if len(evidence) == 1:
            decided[name] = next(iter(evidence))
        elif plan_.date_order:
            decided[name] = plan_.date_order
        else:
            column = plan_.columns[name]
            index = table.headers.index(column)  # type: ignore[arg-type]
            sample = next(str(r[index]) for r in table.rows if dates.ambiguous(r[index]))
            raise StrategyError(
                f"{table.where()}: the dates in “{column}” ({labels.get(name, name)}) could be "
                f"day first or month first — every day in them is 12 or less, e.g. “{sample}”. "
                "Say which: on the command line --date-order dmy (31/12/2026) or --date-order "
                "mdy (12/31/2026); in the app, choose it under “Dates”. Nothing was imported.")
    plan_.reading.orders = decided
