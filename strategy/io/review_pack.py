"""The quarterly review pack: one Excel workbook per organisation and quarter.

A plain function over the database that writes bytes (or a file); the app
offers it on the review page and the command line as ``export``. Every table is
a real Excel table with frozen headers; every piece of text is written as
literal text, so a name like ``=HYPERLINK(...)`` stays a name. The only
formulas are our own: the scorecard's change and status, so that they stay right
when someone edits a number in the meeting; each is stored with the app's own
result, which programs that do not calculate on opening show.

The scorecard of a quarter whose review is closed is the one frozen at the
close (``review.snapshot``), as the review page shows it; figures that differ
today are shown beside it and the corrections made since are listed with their
reasons, so the pack never shows other numbers than the review without saying so.

The pack is printed and projected, in Excel and in LibreOffice: every sheet has
a header and a footer, a print area, and rows and columns sized from the text
they hold (see ``_fit``), because neither program sizes rows of a generated
file by itself and a cut heading or an overlapping line reads as a broken pack.
So each sheet is built as plain data first (``Sheet``), sized, then written.
"""

from __future__ import annotations

import contextvars
import io
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from strategy.core import access, audit
from strategy.core.db import SIDE_BY_SIDE, Connection, ReadOnce, on_cursor
from strategy.core.orgs import get_organisation
from strategy.core.periods import Quarter
from strategy.core.safe_text import looks_like_formula
from strategy.core.wording import counted
from strategy.customers import needs, segments
from strategy.identity import access_log
from strategy.measures import complaints, reviews, scorecard
from strategy.people import recognition, training, workforce
from strategy.plan import self_check
from strategy.plan.steps import STEPS, Status, statuses
from strategy.service import accountability, standards, vision

Progress = Callable[[float, str], None]
_T = TypeVar("_T")
SHEETS = ["Summary", "Scorecard", "Trends", "Standards & owners", "People", "Training",
          "Recognition", "Complaints", "Open complaints", "Review", "Self-check", "Customers",
          "Vision"]
# What each sheet needs beyond reading the scorecard. A role without it gets a
# pack without the sheet (Recognition: figures per value and standard instead of
# the personal log, for those who may see HR figures per team).
SHEET_NEEDS = {"People": access.Permission.HR_AGGREGATES,
               "Recognition": access.Permission.HR_AGGREGATES,
               # The open complaints in the customers' own words, with their owners.
               "Open complaints": access.Permission.READ_FEEDBACK}


def sheets_for(identity: access.Identity, org_id: int) -> list[str]:
    """The pack's sheets as this person may see them."""
    return [name for name in SHEETS
            if name not in SHEET_NEEDS or identity.may(SHEET_NEEDS[name], org_id)]


# The most lines of the recognition log a pack carries. A quarterly review reads the
# figures; a large organisation records tens of thousands of recognitions a quarter, which
# no one reads line by line in a meeting and which would make the pack slow to build, open
# and print. The figures always count every record; the log shows the latest lines and says
# how many it leaves out and where all of them are (the Recognition page's CSV download).
LOG_LIMIT = 1_000

GREEN, AMBER, RED, GREY = "C6EFCE", "FFEB9C", "FFC7CE", "EDEDED"
STATUS_FILLS = {"green": GREEN, "amber": AMBER, "red": RED, "no target": GREY, "no data": GREY}

# Arial everywhere, as the workbook's default font too: Excel has it on Windows and Mac, and
# LibreOffice draws it with Liberation Sans, which has the same widths. So the sizes worked
# out below hold in both programs (Calibri, the usual default, is replaced by a much wider
# font wherever it is missing).
FONT_NAME = "Arial"


@dataclass(frozen=True)
class Look:
    """How a cell is drawn. Every cell is Arial, wrapped, at the top of its row."""
    bold: bool = False
    italic: bool = False
    size: float = 10
    number_format: str = ""
    quoted: bool = False  # text that starts like a formula, shown as typed
    fill: str | None = None
    header: bool = False  # a table's heading: its fill and the rule under it
    left: bool = False  # aligned left as text is (a date beside a label)


BODY = Look()
BOLD = Look(bold=True)
TITLE = Look(bold=True, size=14)
ITALIC = Look(italic=True)
HEADER_FILL, HEADER_RULE = "D9E1F2", "8EA9DB"

# Characters below 0x20 other than tab, LF and CR are not text in a workbook (openpyxl
# refuses them, XlsxWriter writes them as codes); a stray one in stored text is dropped.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
# Characters no file name may hold on Windows, macOS or Linux.
_UNSAFE_IN_NAME = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')


def clean_text(text: str) -> str:
    return _ILLEGAL.sub("", text)


def pack_file_name(org_name: str, quarter: Quarter) -> str:
    """A file name safe on every system, like ``Review pack - Acme Health - 2026-Q4.xlsx``."""
    name = unicodedata.normalize("NFC", org_name)
    name = "".join(" " if unicodedata.category(c).startswith(("C", "Z")) else c for c in name)
    name = _UNSAFE_IN_NAME.sub(" ", name)
    name = " ".join(name.split())[:60].strip(" .")
    parts = ["Review pack", name, str(quarter)] if name else ["Review pack", str(quarter)]
    return " - ".join(parts) + ".xlsx"


@dataclass(frozen=True)
class Column:
    header: str
    width: float = 14  # the widest the column grows; its text wraps beyond that
    number_format: str | None = None  # e.g. "0.0", "0%", "yyyy-mm-dd", "#,##0"


@dataclass(frozen=True)
class Formula:
    """One of our own formulas and the result the app works out for it. Excel calculates
    it again on opening; LibreOffice and previews show the stored result until a number it
    depends on is edited."""
    text: str
    result: str | float | None


@dataclass
class Chart:
    """A line chart of columns of a sheet's table headed in row 1, by the quarters in A."""
    title: str
    columns: list[int]
    rows: int  # the series run from row 2 to row ``rows + 1``
    width_cm: float = 13.5
    height_cm: float = 8.0
    anchor: tuple[int, int] | None = None  # its top-left cell, once the columns are sized


@dataclass
class Sheet:
    """A sheet as the pack builds it: plain data, sized and then written in one go."""
    title: str
    layout: _Layout
    cells: dict[tuple[int, int], tuple[object, Look]] = field(default_factory=dict)
    merged: dict[tuple[int, int], int] = field(default_factory=dict)  # (row, col): last col
    tables: list[tuple[str, int, int, int, int]] = field(default_factory=list)
    rules: list[tuple[str, str, str]] = field(default_factory=list)  # cells, formula, fill
    charts: list[Chart] = field(default_factory=list)
    repeat_row: int | None = None  # printed at the top of every page from its own on
    freeze_row: int | None = None  # the first row that scrolls

    def merge(self, row: int, first: int, last: int) -> None:
        self.merged[(row, first)] = last

    def restyle(self, row: int, column: int, **changes: Any) -> None:
        value, look = self.cells[(row, column)]
        self.cells[(row, column)] = (value, replace(look, **changes))


@lru_cache(maxsize=1024)
def _styled(look: Look, number_format: str, quoted: bool) -> Look:
    return replace(look, number_format=number_format, quoted=quoted)


def put(ws: Sheet, row: int, column: int, value: object,
        number_format: str | None = None, font: Look = BODY) -> None:
    """Write one cell; text is always literal text, never a formula."""
    fmt, quoted = "", False
    if isinstance(value, Decimal):
        value = float(value)  # a DuckDB DECIMAL: a number like any other
    if isinstance(value, str):
        value = clean_text(value)
        quoted = looks_like_formula(value)
    elif isinstance(value, datetime):
        value = value.replace(tzinfo=None)
        fmt = number_format or "yyyy-mm-dd h:mm:ss"
    elif isinstance(value, date):
        fmt = number_format or "yyyy-mm-dd"
    elif value is not None and number_format:
        fmt = number_format
    ws.cells[(row, column)] = (value, _styled(font, fmt, quoted) if fmt or quoted else font)


def _letter(column: int) -> str:
    """A column's letters: 1 is A, 27 is AA."""
    name = ""
    while column:
        column, rest = divmod(column - 1, 26)
        name = chr(65 + rest) + name
    return name


# --- Sizing rows and columns --------------------------------------------------------------
#
# Neither Excel nor LibreOffice sizes the rows of a generated file to fit wrapped text
# (LibreOffice keeps any height written in the file), so the pack works the sizes out
# itself from the widths of Arial's characters: columns as wide as their contents up to
# the column's limit, text wrapping beyond it, and every row as tall as its wrapped text.

# Advance widths of Arial's printable ASCII characters (32-126), in thousandths of an em.
_REGULAR = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722,
    722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722,
    667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556,
    556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500,
    500, 334, 260, 334, 584)
_BOLD = (
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722,
    722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722,
    667, 944, 667, 667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611,
    611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556,
    500, 389, 280, 389, 584)
_OTHER = {"–": 556, "—": 1000, "‘": 278, "’": 278, "“": 500, "”": 500, "•": 350, "…": 1000,
          "≥": 549, "≤": 549, "−": 584, "→": 1000, "·": 278, "€": 556, "£": 556}
DIGIT_PX = 7.0  # a column width unit: the width of a digit in the default font (Arial 10)
PADDING_PX = 8.0  # the cell's margins, and a little room for rounding
SAFETY = 1.03  # screen and printer fonts are hinted and rounded: measure generously
LINE_PT = 1.275  # line height per point of font size (Excel: 12.75 pt for Arial 10)
ROW_PADDING_PT = 2.5
MAX_ROW_PT = 409.0  # the tallest row Excel allows
MAX_LINES = 30  # a text wraps into at most this many lines (a column widens past its limit)
GAP_WIDTH = 2.0  # an empty column between two tables side by side


def _em(ch: str, bold: bool) -> int:
    code = ord(ch)
    if 32 <= code < 127:
        return (_BOLD if bold else _REGULAR)[code - 32]
    if ch in _OTHER:
        return _OTHER[ch]
    base = unicodedata.normalize("NFD", ch)[0]
    if base != ch and 32 <= ord(base) < 127:
        return _em(base, bold)
    if unicodedata.east_asian_width(ch) in ("W", "F") or unicodedata.category(ch) == "So":
        return 1000
    return 700  # another script: a generous guess


@lru_cache(maxsize=100_000)
def _px(text: str, bold: bool, size: float) -> float:
    """How wide ``text`` is drawn, in pixels at 96 dpi."""
    return sum(_em(ch, bold) for ch in text) * size / 1000 * 96 / 72 * SAFETY


def _units(px: float) -> float:
    return (px + PADDING_PX) / DIGIT_PX


def _room(units: float) -> float:
    return units * DIGIT_PX - PADDING_PX


@lru_cache(maxsize=100_000)
def _lines(text: str, room: float, bold: bool, size: float) -> int:
    """How many lines ``text`` takes when wrapped at word boundaries into ``room`` pixels."""
    space = _px(" ", bold, size)
    total = 0
    for paragraph in text.split("\n"):
        lines, used = 1, 0.0
        for word in paragraph.split(" "):
            width = _px(word, bold, size)
            if used and used + space + width <= room + 0.5:
                used += space + width
                continue
            if used:
                lines += 1
            if width > room + 0.5:  # a word longer than the line is broken across lines
                lines += math.ceil(width / room) - 1
                width = width % room or room
            used = width
        total += lines
    return total


def _shown(value: object, number_format: str) -> str:
    """Roughly the text a cell shows for a value and its number format."""
    if isinstance(value, Formula):
        return "no target"  # our status and change formulas: at most this wide
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, bool):
        return "FALSE"
    if isinstance(value, int | float):
        fmt = number_format.split(";")[0]
        if fmt in ("", "General"):
            return f"{value:.10g}"
        decimals = len(fmt.split(".")[1].rstrip("%")) if "." in fmt else 0
        if "%" in fmt:
            return f"{value * 100:,.{decimals}f}%"
        return f"{value:+,.{decimals}f}" if fmt.startswith("+") else f"{value:,.{decimals}f}"
    return str(value)


@dataclass
class _Layout:
    """What sizing a sheet needs to know besides its cells."""
    caps: dict[int, float] = field(default_factory=dict)
    headers: set[tuple[int, int]] = field(default_factory=set)
    gaps: set[int] = field(default_factory=set)
    after_fit: list[Callable[[dict[int, float]], tuple[int, int]]] = field(default_factory=list)


@dataclass(frozen=True)
class _Sizes:
    widths: dict[int, float]  # column: width in Excel's units (digits of Arial 10)
    heights: dict[int, float]  # row: height in points
    last_row: int
    last_col: int


def _fit(ws: Sheet) -> _Sizes:
    """Size columns and rows to the sheet's text, and find the last row and column used.

    A long table repeats most of its values (dates, teams, kinds of giver), so each
    column measures each value once."""
    layout, spans, headers = ws.layout, ws.merged, ws.layout.headers
    wanted: dict[int, float] = {}  # as wide as the text, up to the column's limit
    floor: dict[int, float] = {}  # at least this wide whatever the limit
    measured: set[tuple[int, object, int]] = set()
    for where, (value, look) in ws.cells.items():
        col = where[1]
        if value is None or spans.get(where, col) > col:
            continue  # text across merged columns is sized by the rows, below
        key = (col, value, id(look))
        if key in measured:
            continue
        measured.add(key)
        bold, size = look.bold, look.size
        text = _shown(value, look.number_format)
        if where in headers:
            # A heading wraps rather than widening its column, but not into more than
            # two lines, never inside a word, and a short one not at all.
            whole = _px(text, bold, size)
            longest = max(_px(w, bold, size) for w in text.split())
            need = _units(max(longest, whole / 2 + _px("i", bold, size),
                              min(whole, 12 * DIGIT_PX)))
            measured.discard(key)  # the same text in the body is measured as body text
        elif isinstance(value, str):
            widest = (max(_px(line, bold, size) for line in text.split("\n"))
                      if "\n" in text else _px(text, bold, size))
            if _units(widest) > wanted.get(col, 0):
                wanted[col] = _units(widest)
            # A long text may not need more lines than the tallest row holds.
            need = _units(widest / MAX_LINES)
        else:  # a number, date or our formula's result cannot wrap: the column fits it
            need = _units(_px(text, bold, size))
        if need > floor.get(col, 0):
            floor[col] = need
    widths: dict[int, float] = {}
    for col in sorted(set(wanted) | set(floor) | layout.gaps):
        if col in layout.gaps and col not in wanted and col not in floor:
            widths[col] = GAP_WIDTH
            continue
        cap = layout.caps.get(col, 40)
        # Rounded up, so that what was measured to fit still fits.
        widths[col] = math.ceil(max(min(wanted.get(col, 0), cap), floor.get(col, 0), 4.0) * 10) / 10
    rooms: dict[tuple[int, int], float] = {}
    heights: dict[int, float] = {}
    for (row, col), (value, look) in ws.cells.items():
        if value is None:
            continue
        lines = 1
        if isinstance(value, str):
            span = (col, spans.get((row, col), col))
            room = rooms.get(span)
            if room is None:
                room = rooms[span] = _room(sum(widths.get(c, 8.43)
                                               for c in range(span[0], span[1] + 1)))
            lines = _lines(value, room, look.bold, look.size)
        height = lines * LINE_PT * look.size + ROW_PADDING_PT
        if height > heights.get(row, 0):
            heights[row] = height
    heights = {row: round(min(height, MAX_ROW_PT), 2) for row, height in heights.items()}
    last_row = max(heights, default=1)
    last_col = max([*widths, *spans.values()], default=1)  # text across merged cells too
    for extend in layout.after_fit:
        rows, cols = extend(widths)
        last_row, last_col = max(last_row, rows), max(last_col, cols)
    return _Sizes(widths, heights, last_row, last_col)


# --- Writing the workbook ---------------------------------------------------------------------
#
# XlsxWriter writes the sheets, with tables, charts, conditional formats, formulas and print
# set-up as openpyxl did. Measured on this machine writing a quarter's whole recognition log
# (840,000 styled cells): XlsxWriter 8.7 s, openpyxl 17.6 s in write-only mode and more in
# normal mode, pandas' to_excel over XlsxWriter 14.2 s. On the pack as built (the log capped)
# openpyxl wrote in 0.43 s what pandas wrote in 0.15 s; XlsxWriter brings it level.


class _Formats:
    """One XlsxWriter format per look, made when first needed."""

    def __init__(self, workbook: Any) -> None:
        self.workbook = workbook
        self.made: dict[Look, Any] = {}
        self.fills: dict[str, Any] = {}
        self.by_id: dict[int, tuple[Look, Any]] = {}  # a look's id, kept alive with it

    def __call__(self, look: Look) -> Any:
        known = self.by_id.get(id(look))
        if known is not None:
            return known[1]
        found = self.made.get(look)
        if found is None:
            properties: dict[str, object] = {
                "font_name": FONT_NAME, "font_size": look.size, "text_wrap": True,
                "valign": "top", "bold": look.bold, "italic": look.italic}
            if look.number_format:
                properties["num_format"] = look.number_format
            if look.quoted:
                properties["quote_prefix"] = True
            if look.left:
                properties["align"] = "left"
            fill = look.fill or (HEADER_FILL if look.header else None)
            if fill:
                properties.update(pattern=1, bg_color=f"#{fill}")
            if look.header:
                properties.update(bottom=1, bottom_color=f"#{HEADER_RULE}")
            found = self.made[look] = self.workbook.add_format(properties)
        self.by_id[id(look)] = (look, found)
        return found

    def fill(self, colour: str) -> Any:
        """A conditional format's fill."""
        if colour not in self.fills:
            self.fills[colour] = self.workbook.add_format({"bg_color": f"#{colour}"})
        return self.fills[colour]


def _write_cell(ws: Any, row: int, col: int, value: object, cell_format: Any) -> None:
    """One cell at XlsxWriter's zero-based ``row`` and ``col``; text only ever as text."""
    if isinstance(value, str):
        ws.write_string(row, col, value, cell_format)
    elif isinstance(value, Formula):
        ws.write_formula(row, col, value.text, cell_format,
                         "" if value.result is None else value.result)
    elif isinstance(value, bool):
        ws.write_boolean(row, col, value, cell_format)
    elif isinstance(value, int | float):
        if math.isfinite(value):
            ws.write_number(row, col, value, cell_format)
    elif isinstance(value, date):
        ws.write_datetime(row, col, value, cell_format)
    elif value is not None:
        ws.write_string(row, col, clean_text(str(value)), cell_format)


class Book:
    """Keeps table names unique and applies the house style to every table and sheet."""

    def __init__(self, org_name: str, quarter: Quarter, today: date) -> None:
        self.org_name = clean_text(org_name)
        self.quarter = quarter
        self.today = today
        self.sheets: list[Sheet] = []

    def sheet(self, title: str, repeat_header: bool = False) -> Sheet:
        """A new sheet; ``repeat_header`` prints row 1 on every page (one long table)."""
        ws = Sheet(title, _Layout(), repeat_row=1 if repeat_header else None)
        self.sheets.append(ws)
        return ws

    def layout(self, ws: Sheet) -> _Layout:
        return ws.layout

    def table(self, ws: Sheet, name: str, top: int, columns: Sequence[Column],
              rows: Sequence[Sequence[object]], left: int = 1, freeze: bool = True) -> int:
        """Write a table with its header at row ``top``; returns the next free row."""
        layout = ws.layout
        seen: set[str] = set()
        for offset, column in enumerate(columns):
            # A table's headings must differ, whatever their case (two measures may be
            # called "NPS" and "nps"): Excel repairs such a file, XlsxWriter refuses it.
            header, copy = clean_text(column.header), 1
            while header.lower() in seen:
                copy += 1
                header = f"{clean_text(column.header)} ({copy})"
            seen.add(header.lower())
            put(ws, top, left + offset, header, font=BOLD)
            ws.restyle(top, left + offset, header=True)
            layout.headers.add((top, left + offset))
            layout.caps[left + offset] = max(layout.caps.get(left + offset, 0), column.width)
        formats = [column.number_format for column in columns]
        for r, values in enumerate(rows, start=top + 1):
            for offset, (number_format, value) in enumerate(zip(formats, values, strict=True)):
                put(ws, r, left + offset, value, number_format)
        last_row = top + max(len(rows), 1)
        if not rows:  # an Excel table needs a body row; say plainly there is nothing
            put(ws, top + 1, left, "(none)")
        # Made unique across the book when it is saved, in the sheets' order.
        ws.tables.append((name, top, left, last_row, left + len(columns) - 1))
        if freeze and ws.freeze_row is None:
            ws.freeze_row = top + 1
        return last_row + 2

    def text(self, ws: Sheet, row: int, label: str, value: object, last_col: int,
             number_format: str | None = None) -> None:
        """A label in column A and its text across columns B to ``last_col``, wrapped."""
        put(ws, row, 1, label, font=BOLD)
        put(ws, row, 2, value, number_format)
        ws.restyle(row, 2, left=True)  # a date reads as text here
        if last_col > 2:
            ws.merge(row, 2, last_col)

    def line(self, ws: Sheet, row: int, value: str, last_col: int,
             font: Look = BODY) -> None:
        """A line of text across columns A to ``last_col``, wrapped."""
        put(ws, row, 1, value, font=font)
        if last_col > 1:
            ws.merge(row, 1, last_col)

    def _header_footer(self, title: str) -> tuple[str, str]:
        def part(code: str, text: str) -> str:
            return f'&{code}&"{FONT_NAME},Regular"&9 {text}'
        org = self.org_name[:80].replace("&", "&&")  # "&" starts a code in headers
        while True:  # Excel refuses a header over 255 characters
            header = (part("L", org) + part("C", title.replace("&", "&&"))
                      + part("R", f"Review pack {self.quarter}"))
            if len(header) <= 255 or not org:
                break
            org = org[:-1].rstrip("&") if org.endswith("&&") else org[:-1]
        footer = part("L", f"Produced {self.today:%Y-%m-%d}") + part("R", "Page &P of &N")
        return header, footer

    def save(self) -> bytes:
        """The workbook of every sheet, in the order they were made."""
        writer = self.writer()
        for sheet in self.sheets:
            writer.write(sheet)
        return writer.close()

    def writer(self) -> _Writer:
        """A workbook to write finished sheets into one at a time (see :func:`build_pack`)."""
        return _Writer(self)

    def _write_sheet(self, workbook: Any, formats: _Formats, sheet: Sheet,
                     sizes: _Sizes) -> None:
        ws = workbook.add_worksheet(sheet.title)
        for col, width in sizes.widths.items():
            # Whole pixels, rounded up: Excel and LibreOffice draw columns in pixels.
            ws.set_column_pixels(col - 1, col - 1, math.ceil(width * DIGIT_PX))
        for row, height in sizes.heights.items():
            ws.set_row(row - 1, height)
        for (row, col), last in sheet.merged.items():
            ws.merge_range(row - 1, col - 1, row - 1, last - 1, "",
                           formats(sheet.cells[(row, col)][1]))
        for (row, col), (value, look) in sheet.cells.items():
            _write_cell(ws, row - 1, col - 1, value, formats(look))
        for name, top, left, bottom, right in sheet.tables:
            ws.add_table(top - 1, left - 1, bottom - 1, right - 1, {
                "name": name, "style": "Table Style Medium 2", "columns": [
                    {"header": sheet.cells[(top, c)][0],
                     "header_format": formats(sheet.cells[(top, c)][1])}
                    for c in range(left, right + 1)]})
        for cells, formula, colour in sheet.rules:
            ws.conditional_format(cells, {"type": "formula", "criteria": f"={formula}",
                                          "format": formats.fill(colour)})
        for chart in sheet.charts:
            if chart.anchor is None:
                continue
            drawn = workbook.add_chart({"type": "line"})
            for col in chart.columns:
                drawn.add_series({
                    "name": [sheet.title, 0, col - 1],
                    "categories": [sheet.title, 1, 0, chart.rows, 0],
                    "values": [sheet.title, 1, col - 1, chart.rows, col - 1]})
            drawn.set_title({"name": chart.title})
            # The legend below the plot leaves the quarters room to be written level.
            drawn.set_legend({"position": "bottom"})
            drawn.set_size({"width": round(chart.width_cm / 2.54 * 96),
                            "height": round(chart.height_cm / 2.54 * 96)})
            ws.insert_chart(chart.anchor[0] - 1, chart.anchor[1] - 1, drawn)
        if sheet.freeze_row is not None:
            ws.freeze_panes(sheet.freeze_row - 1, 0)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.5, right=0.5, top=0.75, bottom=0.75)
        header, footer = self._header_footer(sheet.title)
        ws.set_header(header, {"margin": 0.3})
        ws.set_footer(footer, {"margin": 0.3})
        if sheet.repeat_row is not None:
            ws.repeat_rows(sheet.repeat_row - 1)
        ws.print_area(0, 0, sizes.last_row - 1, sizes.last_col - 1)


class _Writer:
    """The workbook being written: sheets go in as they are finished, in order."""

    def __init__(self, book: Book) -> None:
        # Imported here, not with the module: by now the pack's sheets are being worked
        # out on other threads, and the command is 15 ms quicker to start.
        import xlsxwriter  # type: ignore[import-untyped]

        self.book = book
        self.buffer = io.BytesIO()
        self.workbook = xlsxwriter.Workbook(self.buffer, {
            "in_memory": True,
            # Text is written as text: never turned into a formula, number or link.
            "strings_to_formulas": False, "strings_to_numbers": False,
            "strings_to_urls": False,
            # Arial 10 as the default font (column widths are counted in its digits, see
            # FONT_NAME), with its row height of 12.75 points (17 pixels).
            "default_format_properties": {"font_name": FONT_NAME, "font_size": 10},
            "default_row_height": 17})
        # A fixed creation time: the same quarter built twice gives the same workbook.
        self.workbook.set_properties({"created": datetime(2000, 1, 1)})
        self.formats = _Formats(self.workbook)
        self.names: set[str] = set()

    def write(self, sheet: Sheet, sizes: _Sizes | None = None) -> None:
        """Write ``sheet`` after those written before (``sizes``: its :func:`_fit`, if
        worked out already). In the same order, the same workbook to the byte: text
        is numbered as it is written."""
        # Excel needs every table's name to differ across the workbook.
        for index, (name, top, left, bottom, right) in enumerate(sheet.tables):
            while name in self.names:
                name += "_"
            self.names.add(name)
            sheet.tables[index] = (name, top, left, bottom, right)
        self.book._write_sheet(self.workbook, self.formats, sheet, sizes or _fit(sheet))

    def close(self) -> bytes:
        self.workbook.close()
        return self.buffer.getvalue()


# --- The scorecard the pack shows: frozen at the review's close, or live ---------------------


@dataclass(frozen=True)
class Line:
    """One measure as the pack shows it."""
    name: str
    side: str
    unit: str
    direction: str
    target: float | None
    amber_band: float | None
    actual: float | None
    previous: float | None
    change: float | None
    status: str
    basis: str
    now: float | str | None = None  # today's figure where it differs from the review's


@dataclass(frozen=True)
class Card:
    lines: list[Line]
    review: reviews.Review | None
    corrections: list[audit.Change]

    @property
    def frozen(self) -> bool:
        return self.review is not None and self.review.snapshot is not None

    @property
    def differs(self) -> bool:
        return any(line.now is not None for line in self.lines)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


TREND_QUARTERS = 8


def card(con: Connection, org_id: int, quarter: Quarter, today: date,
         live: list[scorecard.ScorecardRow] | None = None) -> Card:
    """The quarter's scorecard: as frozen when its review was closed, else as it stands.

    ``live`` is the scorecard as it stands, if the caller has it already."""
    review = reviews.find_review(con, org_id, quarter)
    if live is None:
        live = scorecard.scorecard(con, org_id, quarter, quarters=2, today=today)
    if review is None or not review.closed or review.snapshot is None:
        return Card([Line(r.measure.name, r.measure.side, r.measure.unit, r.measure.direction,
                          r.measure.target, r.measure.amber_band, r.actual.value, r.previous,
                          r.change, r.status,
                          r.actual.detail + (" (small sample)" if r.small_sample else ""))
                     for r in live], review, [])
    now = {r.measure.name: r.actual.value for r in live}
    lines = []
    for frozen in review.snapshot:
        name = str(frozen.get("measure", ""))
        actual = _number(frozen.get("actual"))
        later: float | str | None = None
        today_value = now.get(name)
        if name not in now:
            later = "measure deleted"
        elif today_value is None:
            later = None if actual is None else "no data"
        elif actual is None or not math.isclose(today_value, actual, rel_tol=1e-12,
                                                abs_tol=1e-9):
            later = today_value
        basis = str(frozen.get("basis") or "")
        lines.append(Line(
            name, str(frozen.get("side", "")), str(frozen.get("unit", "")),
            str(frozen.get("direction", "")), _number(frozen.get("target")),
            _number(frozen.get("amber_band")), actual, _number(frozen.get("previous")),
            _number(frozen.get("change")), str(frozen.get("status", "")),
            basis + (" (small sample)" if frozen.get("small_sample") else ""), later))
    assert review.closed_at is not None
    return Card(lines, review,
                audit.corrections_since(con, org_id, quarter, review.closed_at))


def _basis_text(card: Card, quarter: Quarter) -> str:
    review = card.review
    if review is None:
        return (f"No review of {quarter} has been started: the figures are live, as they "
                "stand today.")
    if not card.frozen or review.closed_at is None:
        held = f"held on {review.held_on:%Y-%m-%d}, " if review.held_on else ""
        return (f"The review of {quarter} is open ({held}not yet closed): the figures are "
                "live, and are frozen when it is closed.")
    return (f"The review of {quarter} was held on {review.held_on:%Y-%m-%d} and closed by "
            f"{review.closed_by} on {review.closed_at:%Y-%m-%d %H:%M}: the figures are the "
            "scorecard as it stood then.")


def _corrections_text(card: Card, quarter: Quarter) -> str:
    count = len(card.corrections)
    said = [f"{count} change{'s' if count != 1 else ''} to {quarter}'s data since the review "
            "was closed, listed with the reasons below and on the Review sheet."] if count else []
    if card.differs:
        said.append("The Now column shows the figures that differ today.")
    return " ".join(said)


# --- The sheets ------------------------------------------------------------------------------


SCORED = ("Summary", "Scorecard", "Trends", "Review")  # the sheets that show the scorecard
# In the app server the pack shares two cores with everyone else's pages: two sheets'
# reads at a time build it about as fast as four there, and the server's peak memory
# stays about 10 MiB lower (bench_server at the large organisation: 403-406 -> 392-394).
# The command line has the machine to itself and reads SIDE_BY_SIDE at a time.
READS_AT_ONCE_IN_THE_SERVER = 2


def build_pack(con: Connection, org_id: int, quarter: Quarter, out: Path | None = None,
               progress: Progress | None = None, today: date | None = None,
               log_limit: int | None = LOG_LIMIT, reads_at_once: int = SIDE_BY_SIDE) -> bytes:
    """Build the review pack; returns the workbook's bytes (and writes ``out`` if given).

    ``log_limit``: the most lines of the recognition log to carry (None: all of them), for
    those who may see it; see :data:`LOG_LIMIT`. ``reads_at_once``: how many sheets read
    the database side by side."""
    today = today or date.today()
    identity = access.require(access.Permission.READ_SCORECARD, org_id)
    personal = identity.may(access.Permission.HR_RECORDS, org_id)
    included = sheets_for(identity, org_id)
    report = progress or (lambda _share, _text: None)
    org = get_organisation(con, org_id)
    book = Book(org.name, quarter, today)
    logged: list[int] = []  # the log lines written and the quarter's total
    # Step 7's status and the Training sheet count the same figures on the same day.
    on = min(quarter.end, today)
    training_figures = ReadOnce(lambda db: training.figures(db, org_id, on))

    def scored(db: Connection) -> tuple[list[scorecard.ScorecardRow], Card]:
        # Worked out once: the last two quarters make the scorecard, all eight the trends.
        live = scorecard.scorecard(db, org_id, quarter, quarters=TREND_QUARTERS, today=today)
        return live, card(db, org_id, quarter, today, live)

    def scores() -> Card:
        return scoring.result()[1]

    steps: dict[str, Callable[[Connection], None]] = {
        "Summary": lambda db: _summary(book, db, org_id, org.name, quarter, today, scores(),
                                       stepping.result()),
        "Scorecard": lambda db: _scorecard(book, quarter, scores()),
        "Trends": lambda db: _trends(book, quarter, scoring.result()[0], scores()),
        "Standards & owners": lambda db: _standards(book, db, org_id, quarter),
        "People": lambda db: _people(book, db, org_id, quarter),
        "Training": lambda db: _training(book, training_figures(db)),
        "Recognition": lambda db: logged.extend(
            _recognition(book, db, org_id, quarter, personal, log_limit)),
        "Complaints": lambda db: _complaints(book, db, org_id, quarter, today),
        "Open complaints": lambda db: _open_complaints(book, db, org_id, today),
        "Review": lambda db: _review(book, db, org_id, quarter, scores()),
        "Self-check": lambda db: _self_check(book, db, org_id, quarter),
        "Customers": lambda db: _customers(book, db, org_id, today),
        "Vision": lambda db: _vision(book, db, org_id),
    }
    chosen = [name for name in steps if name in included]

    def sized(name: str) -> Callable[[Connection], tuple[Sheet, _Sizes]]:
        def build(db: Connection) -> tuple[Sheet, _Sizes]:
            steps[name](db)
            sheet = next(sheet for sheet in book.sheets if sheet.title == name)
            return sheet, _fit(sheet)  # sized here too, beside the other sheets' queries
        return build

    # The sheets read the database side by side, each through a cursor of its own: the
    # database works out one sheet's figures while Python lays out another's (a query
    # lets go of Python's lock while it runs), which on two cores takes a third off the
    # pack. Each task acts as the person who asked for the pack.
    with ThreadPoolExecutor(max_workers=reads_at_once) as pool:
        def start(work: Callable[[Connection], _T]) -> Future[_T]:
            return pool.submit(contextvars.copy_context().run, on_cursor, con, work)

        # The figures several sheets need go first, then the sheets without them (the
        # longest first), then those that wait on them: a task only ever waits on one
        # already running.
        scoring = start(scored)
        stepping = start(lambda db: statuses(db, org_id, on, training_figures))
        started = {name: start(sized(name)) for name in sorted(
            (name for name in chosen if name not in SCORED),
            key=lambda name: name != "Recognition")}
        started |= {name: start(sized(name)) for name in chosen if name in SCORED}
        # Each sheet goes into the workbook, in the pack's order, as soon as it and those
        # before it are ready, while the rest are still being worked out.
        writer = book.writer()
        for done, name in enumerate(chosen):
            report(done / (len(chosen) + 1), f"Writing {name}")
            writer.write(*started[name].result())  # a sheet's error stops the pack
    report(len(chosen) / (len(chosen) + 1), "Saving the workbook")
    data = writer.close()
    if personal and "Recognition" in included:
        # The recognition log names people: its leaving the app is on the record.
        shown, total = logged
        access_log.log_download(con, org_id, f"review pack {quarter} with the recognition log "
                                           f"({shown:,} of {counted(total, 'record')})")
    if out is not None:
        out.write_bytes(data)
    report(1.0, "Done")
    return data


def _status_colours(ws: Sheet, cells: str, first: str) -> None:
    for word, colour in (("green", GREEN), ("amber", AMBER), ("red", RED)):
        ws.rules.append((cells, f'{first}="{word}"', colour))


def _summary(book: Book, con: Connection, org_id: int, name: str, quarter: Quarter,
             today: date, card: Card, current: dict[int, Status]) -> None:
    """The page a leader reads in a minute: the scorecard's colours, the headline figures
    of customers and employees, where each step stands, and who owes which action."""
    ws = book.sheet("Summary")
    layout = book.layout(ws)
    figure_columns = [Column("Measure", 30), Column("Of", 10), Column("Target", 9, "0.0"),
                      Column("Actual at the review" if card.frozen else "Actual", 10, "0.0"),
                      Column("Change", 8, "+0.0;-0.0;0.0"), Column("Status", 10)]
    if card.differs:
        figure_columns.append(Column("Now", 10, "0.0"))
    steps_left = len(figure_columns) + 2
    layout.gaps.add(steps_left - 1)
    last_col = steps_left + 2

    put(ws, 1, 1, f"Customer-service strategy review — {quarter}", font=TITLE)
    ws.merge(1, 1, last_col)
    book.text(ws, 2, "Organisation", name, last_col)
    book.text(ws, 3, "Period", str(quarter), last_col)
    book.text(ws, 4, "Produced", today, last_col, "yyyy-mm-dd")
    book.text(ws, 5, "Review", _basis_text(card, quarter), last_col)
    row = 6
    said = _corrections_text(card, quarter)
    if said:
        book.text(ws, row, "Since the review", said, last_col)
        row += 1

    top = row + 1
    counts = [sum(1 for line in card.lines if line.status == s) for s in scorecard.STATUSES]
    book.table(ws, "StatusCounts", top,
               [Column("Measures", 30, "0"), Column("Green", 10, "0"), Column("Amber", 9, "0"),
                Column("Red", 10, "0"), Column("No target", 8, "0"), Column("No data", 10, "0")],
               [[len(card.lines), *counts]], freeze=False)
    for offset, status in enumerate(scorecard.STATUSES, start=2):
        ws.restyle(top, offset, fill=STATUS_FILLS[status])

    top += 3
    ordered = ([line for line in card.lines if line.side == "customer"]
               + [line for line in card.lines if line.side != "customer"])
    # In a young plan most measures have no figure yet (with a target or without): one
    # line names them all
    # rather than a screen of empty rows (one given a figure since the review keeps
    # its row, for its Now).
    waiting = [line.name for line in ordered if line.actual is None and line.now is None]
    figures = [[line.name, line.side, line.target, line.actual, line.change, line.status]
               + ([line.now] if card.differs else []) for line in ordered
               if line.name not in waiting]
    if waiting:
        grouped: list[str | float | None] = [
            f"No data for {quarter} ({len(waiting)}): {', '.join(waiting)}", None, None, None,
            None, "no data"]
        figures.append(grouped + ([None] if card.differs else []))
    below_figures = book.table(ws, "Headline", top, figure_columns, figures, freeze=False)
    status_col = _letter(6)
    _status_colours(ws, f"{status_col}{top + 1}:{status_col}{top + max(len(figures), 1)}",
                    f"${status_col}{top + 1}")

    below_steps = book.table(ws, "Steps", top, [Column("Step", 5), Column("Title", 34),
                                                Column("Status", 17)],
                             [[s.number, s.title, current[s.number].value] for s in STEPS],
                             left=steps_left, freeze=False)
    step_status = _letter(steps_left + 2)
    cells = f"{step_status}{top + 1}:{step_status}{top + len(STEPS)}"
    for word, colour in ((Status.DONE.value, GREEN), (Status.IN_PROGRESS.value, AMBER)):
        ws.rules.append((cells, f'${step_status}{top + 1}="{word}"', colour))

    row = max(below_figures, below_steps)
    actions = reviews.list_actions(con, org_id, only_open=True)
    row = book.table(ws, "OpenActions", row, [
        Column("Open action", 30), Column("Owner", 20), Column("Due", 10, "yyyy-mm-dd"),
        Column("Status", 12), Column("Raised in", 8)],
        [[a.description, a.owner, a.due, a.status + (", overdue" if a.overdue(today) else ""),
          a.raised_in] for a in actions], freeze=False)
    if card.corrections:
        book.table(ws, "SummaryCorrections", row, [
            Column("Corrected since the review", 30), Column("Reason", 20), Column("By", 12),
            Column("When", 10, "yyyy-mm-dd hh:mm")],
            [[c.summary, c.reason, c.changed_by, c.changed_at] for c in card.corrections],
            freeze=False)


def _scorecard(book: Book, quarter: Quarter, card: Card) -> None:
    ws = book.sheet("Scorecard", repeat_header=True)
    columns = [Column("Measure", 28), Column("Of", 10), Column("Unit", 12),
               Column("Better when", 8), Column("Target", 8, "0.0"),
               Column("Amber band", 8, "0.0"),
               Column("Actual at the review" if card.frozen else "Actual", 10, "0.0"),
               Column("Previous", 10, "0.0"), Column("Change", 8, "+0.0;-0.0;0.0"),
               Column("Status", 10)]
    if card.differs:
        columns.append(Column("Now", 10, "0.0"))
    columns.append(Column("Based on", 46))
    body = [[line.name, line.side, line.unit, line.direction, line.target, line.amber_band,
             line.actual, line.previous, None, None]
            + ([line.now] if card.differs else []) + [line.basis] for line in card.lines]
    after = book.table(ws, "Scorecard", 1, columns, body)
    for r, line in enumerate(card.lines, start=2):
        # Our own formulas: change and status follow any number edited in the meeting.
        # Each carries the app's own figure as its result, for readers that do not
        # calculate (LibreOffice until an edit, previews, pandas).
        change = _styled(BODY, "+0.0;-0.0;0.0", False)
        ws.cells[(r, 9)] = (Formula(f'=IF(OR(G{r}="",H{r}=""),"",G{r}-H{r})',
                                    line.change), change)
        ws.cells[(r, 10)] = (Formula(
            f'=IF(E{r}="","no target",IF(G{r}="","no data",IF(D{r}="higher",'
            f'IF(G{r}>=E{r},"green",IF(G{r}>=E{r}-N(F{r}),"amber","red")),'
            f'IF(G{r}<=E{r},"green",IF(G{r}<=E{r}+N(F{r}),"amber","red")))))',
            line.status), BODY)
    # A count reads as a whole number (15 complaints, not 15.0), as on the pages.
    whole, whole_change = _styled(BODY, "#,##0", False), _styled(BODY, "+#,##0;-#,##0;0", False)
    for r, line in enumerate(card.lines, start=2):
        if line.unit == "count":
            for c in (5, 6, 7, 8, *([11] if card.differs else [])):
                ws.cells[(r, c)] = (ws.cells[(r, c)][0], whole)
            ws.cells[(r, 9)] = (ws.cells[(r, 9)][0], whole_change)
    if body:
        _status_colours(ws, f"J2:J{len(body) + 1}", "$J2")
    if not card.frozen:
        return  # live figures, as everywhere else: nothing to add under the table
    said = _basis_text(card, quarter)
    if card.corrections:
        said += (f" {len(card.corrections)} change{'s' if len(card.corrections) != 1 else ''}"
                 f" to {quarter}'s data since then are listed, with the reasons, on the "
                 "Summary and Review sheets.")
    if card.differs:
        said += " The Now column shows the figures that differ today."
    book.line(ws, after, said, len(columns), ITALIC)


def _trends(book: Book, quarter: Quarter, live: list[scorecard.ScorecardRow],
            card: Card) -> None:
    ws = book.sheet("Trends", repeat_header=True)
    span = [quarter.shift(-n) for n in range(TREND_QUARTERS - 1, -1, -1)]
    defined = [r.measure for r in live]
    series = {r.measure.id: r.trend for r in live}
    # Every measure with a value in these quarters, employees' first; one without is
    # named once below the table, never charted as an empty line.
    chosen = [m for side in ("employee", "customer") for m in defined
              if m.side == side and any(v is not None for v in series[m.id])]
    empty = [m.name for m in defined if m not in chosen]
    columns = [Column("Quarter", 10)] + [Column(f"{m.name} ({m.unit})", 14, "0.0")
                                         for m in chosen]
    body = [[str(q)] + [series[m.id][i] for m in chosen] for i, q in enumerate(span)]
    after = book.table(ws, "Trends", 1, columns, body)
    said = "The figures as they stand today, each quarter as last recorded."
    if empty:
        said += f" No values in {span[0]} – {span[-1]} for: {', '.join(empty)}."
    if card.frozen:
        said += (f" For {quarter} they include any correction made after its review was "
                 "closed; the Scorecard shows the review's own figures.")
    book.line(ws, after, said, max(len(columns), 7), ITALIC)
    # Straight lines between quarters (a curve invents values), legend below the plot.
    ws.charts = [Chart(f"{side.capitalize()} measures",
                       [i + 2 for i, m in enumerate(chosen) if m.side == side], len(span))
                 for side in ("employee", "customer")
                 if any(m.side == side for m in chosen)]
    charts = ws.charts
    top = after + 2

    def place(widths: dict[int, float]) -> tuple[int, int]:
        """Put the charts side by side under the table, once the columns are sized."""
        col = 1
        for chart in charts:
            chart.anchor = (top, col)
            right = _column_edge(widths, col - 1) + chart.width_cm / 2.54 * 96 + 16
            while _column_edge(widths, col - 1) < right:
                col += 1
        if not charts:
            return 0, 0
        rows = math.ceil(max(c.height_cm for c in charts) / 2.54 * 72 / 15) + 1
        return top + rows, col - 1

    book.layout(ws).after_fit.append(place)


def _column_edge(widths: dict[int, float], col: int) -> float:
    """Where column ``col`` ends, in pixels from the sheet's left edge."""
    return sum(widths.get(c, 8.43) * DIGIT_PX for c in range(1, col + 1))


def _standards(book: Book, con: Connection, org_id: int, quarter: Quarter) -> None:
    ws = book.sheet("Standards & owners", repeat_header=True)
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
        Column("Standard", 36), Column("Channel", 12), Column("Quality", 14),
        Column("Owner", 16), Column("Applies to", 24), Column("Target", 12),
        Column(f"Compliance {quarter}", 11, "0%"), Column("Observations", 8, "0"),
        Column("Flags", 24)], body)


def _people(book: Book, con: Connection, org_id: int, quarter: Quarter) -> None:
    ws = book.sheet("People")
    rows = workforce.team_quarter_figures(con, org_id, [quarter])
    next_row = book.table(ws, "Workforce", 1, [
        Column("Team", 22), Column("Opening", 8, "0"), Column("Hires", 8, "0"),
        Column("Leavers (voluntary)", 10, "0"), Column("Leavers (involuntary)", 11, "0"),
        Column("Closing", 8, "0"), Column("Turnover", 9, "0.0%"),
        Column("Retention", 9, "0.0%"), Column("Retention n", 9, "0"),
        Column("Average tenure (years)", 9, "0.0")],
        [[r.team, r.figures.opening, r.figures.hires, r.figures.leavers_voluntary,
          r.figures.leavers_involuntary, r.figures.closing,
          r.figures.turnover / 100 if r.figures.turnover is not None else None,
          r.figures.retention.value / 100 if r.figures.retention.value is not None else None,
          r.figures.retention.whole, r.figures.average_tenure_years] for r in rows])
    teams = recognition.per_head_by_team(con, org_id, quarter.start, quarter.end)
    book.table(ws, "RecognitionByTeam", next_row, [
        Column("Team", 22), Column("Staff in the quarter", 8, "0"),
        Column("Recognitions", 8, "0"), Column("Per head", 10, "0.00"),
        Column("People recognised", 10, "0")],
        [[t.team, t.staff, t.received, t.per_head, t.recognised_people] for t in teams],
        freeze=False)


def _training(book: Book, figures: training.TrainingFigures) -> None:
    ws = book.sheet("Training", repeat_header=True)
    coverage = figures.coverage
    book.table(ws, "Training", 1, [
        Column("Team", 22), Column("Module", 34), Column("Passed", 8, "0"),
        Column("Required", 8, "0"), Column("Coverage", 9, "0%")],
        [[c.team, c.module, c.covered.part, c.covered.whole,
          c.covered.value / 100 if c.covered.value is not None else None] for c in coverage])


LOG_COLUMNS = [
    Column("Date", 11, "yyyy-mm-dd"), Column("Recipients", 22), Column("Teams", 16),
    Column("Given by", 16), Column("From", 12), Column("Value", 14),
    Column("Standard", 22), Column("What was done", 34), Column("Reward", 9),
    Column("Amount", 9, "#,##0.00")]

# Who received recognition, from the recipients' own days (migration 21), and the
# records, as the log counts them: every record has recipients (recognition.py refuses
# one without), so the records need not be found through them. Joining the two and
# taking the records back out of the join cost PostgreSQL 380 ms at the large
# organisation; now 140 (DuckDB 22 -> 14 ms).
_RECEIVED_AND_LOGGED = """
    received AS MATERIALIZED (
        SELECT rr.recognition_id AS id, rr.given_on, rr.employee_id
        FROM recognition_recipient rr JOIN employee e ON e.id = rr.employee_id
        WHERE rr.org_id = $org AND rr.live AND rr.given_on BETWEEN $start AND $end),
    logged AS MATERIALIZED (
        SELECT id, given_on, amount FROM recognition
        WHERE org_id = $org AND deleted_at IS NULL AND given_on BETWEEN $start AND $end)
"""


@dataclass(frozen=True)
class Month:
    """Recognition in one month of the quarter (``month`` None: the whole quarter)."""
    month: date | None
    recognitions: int
    people: int
    amount: float | None


def recognition_by_month(con: Connection, org_id: int, quarter: Quarter) -> list[Month]:
    """Per month and for the whole quarter: records, people recognised, amounts rewarded.

    Counts, not names; the amount is the log's Amount column added up (once per record,
    however many people shared it)."""
    access.require(access.Permission.HR_AGGREGATES, org_id)
    rows = con.execute(
        "WITH " + _RECEIVED_AND_LOGGED + """,
        records AS (SELECT date_trunc('month', given_on) AS month, count(*) AS n,
                           sum(amount) AS amount FROM logged GROUP BY ALL),
        people AS (SELECT date_trunc('month', given_on) AS month,
                          count(DISTINCT employee_id) AS n FROM received GROUP BY ALL)
        SELECT r.month, r.n, p.n, r.amount FROM records r JOIN people p USING (month)
        UNION ALL
        SELECT NULL, (SELECT count(*) FROM logged),
               (SELECT count(DISTINCT employee_id) FROM received),
               (SELECT sum(amount) FROM logged)
        ORDER BY 1 NULLS LAST
        """, {"org": org_id, "start": quarter.start, "end": quarter.end}).fetchall()
    return [Month(m.date() if isinstance(m, datetime) else m, int(n), int(p or 0),
                  None if amount is None else float(amount)) for m, n, p, amount in rows]


def latest_log(con: Connection, org_id: int, quarter: Quarter,
               limit: int | None) -> list[list[object]]:
    """The quarter's latest ``limit`` log lines (None: all), as the Recognition page lists
    them (only those may see them who may see personal records)."""
    records = recognition.list_recognitions(
        con, org_id, recognition.LogFilter(quarter.start, quarter.end), limit=limit)
    return [[r.given_on, "; ".join(r.recipients), "; ".join(r.teams), r.giver,
             recognition.GIVER_KINDS[r.giver_kind], r.value, r.standard, r.what, r.reward,
             r.amount] for r in records]


def _log_note(quarter: Quarter, total: int, log: Sequence[Sequence[object]]) -> str:
    """What the sheet holds of the quarter's recognition, with the exact counts."""
    said = f"{counted(total, 'recognition')} in {quarter}."
    if len(log) >= total:
        said += (" The figures count them all, and the log below lists every one."
                 if total else "")
    else:
        back = f" (back to {log[-1][0]:%Y-%m-%d})" if log else ""
        said += (f" The figures count them all; the log below lists the latest "
                 f"{len(log):,}{back} and leaves out the other {total - len(log):,}. "
                 f"Every one of them is on the Recognition page (step 9), under Log, as a "
                 f"CSV download for {quarter}.")
    return said + " Recognition per team and per head is on the People sheet."


def _recognition(book: Book, con: Connection, org_id: int, quarter: Quarter,
                 personal: bool, log_limit: int | None) -> tuple[int, int]:
    """Write the Recognition sheet; returns the log lines written and the quarter's total."""
    if not personal:
        ws = book.sheet("Recognition", repeat_header=True)
        # Without access to personal records: how recognition spreads over the
        # values and standards, never who received it.
        book.table(ws, "RecognitionCounts", 1, [
            Column("Linked to", 10), Column("Value or standard", 40),
            Column("Recognitions", 10, "0")], _counts(con, org_id, quarter))
        return 0, 0
    ws = book.sheet("Recognition")
    months = recognition_by_month(con, org_id, quarter)
    total = months[-1].recognitions
    log = latest_log(con, org_id, quarter, log_limit)
    width = len(LOG_COLUMNS)
    book.line(ws, 1, _log_note(quarter, total, log), width, ITALIC)
    row = book.table(ws, "RecognitionByMonth", 3, [
        Column("Month", 14), Column("Recognitions", 10, "#,##0"),
        Column("People recognised", 10, "#,##0"), Column("Amount", 9, "#,##0.00")],
        [[f"{m.month:%b %Y}" if m.month else f"All of {quarter}", m.recognitions, m.people,
          m.amount] for m in months], freeze=False)
    row = book.table(ws, "RecognitionByValue", row, [
        Column("Linked to", 10), Column("Value or standard", 40),
        Column("Recognitions", 10, "#,##0")], _counts(con, org_id, quarter), freeze=False)
    caption = (f"The log: {'all' if len(log) >= total else f'the latest {len(log):,} of'} "
               f"{counted(total, 'recognition')}, newest first.")
    book.line(ws, row, caption, width, BOLD)
    book.table(ws, "RecognitionLog", row + 1, LOG_COLUMNS, log, freeze=False)
    # Printed, every page of the log repeats its heading (LibreOffice and Excel repeat
    # rows from the page they first appear on, so the figures' page is left as it is).
    ws.repeat_row = row + 1
    return len(log), total


def _counts(con: Connection, org_id: int, quarter: Quarter) -> list[list[object]]:
    rows: list[list[object]] = [
        ["Value", name, count] for name, count in
        recognition.counts_by(con, org_id, quarter.start, quarter.end, "value")]
    rows += [["Standard", name, count] for name, count in
             recognition.counts_by(con, org_id, quarter.start, quarter.end, "standard")]
    return rows


def _review(book: Book, con: Connection, org_id: int, quarter: Quarter, card: Card) -> None:
    ws = book.sheet("Review")
    review = card.review
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
        book.text(ws, index, label, value, 2, "yyyy-mm-dd")
    book.layout(ws).caps.update({1: 24, 2: 70})
    actions = reviews.list_actions(con, org_id, only_open=True)
    row = book.table(ws, "ReviewActions", len(lines) + 2, [
        Column("Raised in", 12), Column("Open action", 70), Column("Owner", 24),
        Column("Due", 11, "yyyy-mm-dd"), Column("Status", 12)],
        [[a.raised_in, a.description, a.owner, a.due, a.status] for a in actions],
        freeze=False)
    if card.corrections:
        book.table(ws, "Corrections", row, [
            Column("When", 12, "yyyy-mm-dd hh:mm"), Column("Corrected since the review", 70),
            Column("Reason", 24), Column("By", 16)],
            [[c.changed_at, c.summary, c.reason, c.changed_by] for c in card.corrections],
            freeze=False)


# The words first, then the figures, the change last. A number sits at the right of its
# cell and a text at the left of its own, with hardly more than a space between them when
# both fill their columns: a "Change" beside "Plan status" printed as "-0.2 Done". So no
# number comes before a text but the step's, and "_)" leaves a bracket's width after it.
# How many gave each rating, as the page shows it: the lowest and highest rating given
# are there too, and the sheet's "How to read it" names these counts among the results.
SELF_CHECK_COLUMNS = [
    Column("Step", 5, "0_)"), Column("Title", 30), Column("Plan status", 12),
    Column("Against the plan", 12), Column("Disagreement", 11), Column("Answers", 8, "0"),
    Column("Average", 8, "0.0"), Column("Spread", 8, "0.0"),
    *(Column(f"Gave {rating}", 7, "0") for rating in range(1, 6)),
    Column("Change", 8, "+0.0;-0.0;0.0")]


def _self_check(book: Book, con: Connection, org_id: int, quarter: Quarter) -> None:
    """The latest self-check round held by the quarter's end and closed (at any time
    before the pack is made): figures, never answers."""
    ws = book.sheet("Self-check")
    width = len(SELF_CHECK_COLUMNS)
    held = self_check.latest_closed(con, org_id, quarter.end)
    if held is None:
        book.line(ws, 1, f"No eleven-step self-check round held by the end of {quarter} "
                         "has been closed.", width, ITALIC)
        book.table(ws, "SelfCheck", 3, SELF_CHECK_COLUMNS, [], freeze=False)
        return
    found = self_check.results(con, held.id)
    book.text(ws, 1, "Round", held.label, width)
    book.text(ws, 2, "Taking part", counted(held.respondents, "person", "people"), width)
    book.text(ws, 3, "Compared with",
              found.previous.label if found.previous else "no earlier round", width)
    book.text(ws, 4, "How to read it", self_check.reading(held.min_group), width)
    top = 6
    body = [[s.step, s.title, s.status.value if s.status else "",
             f"rated {s.against_plan}" if s.against_plan else "",
             "yes" if s.disagreement else "", s.answers, s.average, s.spread,
             *(s.distribution or (None,) * 5), s.change] for s in found.steps]
    book.table(ws, "SelfCheck", top, SELF_CHECK_COLUMNS, body, freeze=False)
    book.layout(ws).caps.update({1: 14})
    first, last = top + 1, top + len(body)
    headers = [c.header for c in SELF_CHECK_COLUMNS]
    spread, said = (chr(ord("A") + headers.index(h)) for h in ("Spread", "Disagreement"))
    # Where the group disagrees: the spread and its "yes", amber as on the page.
    ws.rules.append((f"{spread}{first}:{spread}{last}",
                     f"AND(ISNUMBER(${spread}{first}),${spread}{first}>="
                     f"{self_check.DISAGREEMENT})", AMBER))
    ws.rules.append((f"{said}{first}:{said}{last}", f'${said}{first}="yes"', AMBER))


# The most open complaints the sheet lists: a meeting reads the oldest and the overdue.
OPEN_LIMIT = 200


# Numbers here end with "_)": room the width of a bracket after each, so a number
# never reads as one with the text or number in the next column ("11 38%").
def _complaints(book: Book, con: Connection, org_id: int, quarter: Quarter,
                today: date) -> None:
    """The register's figures for the quarter and the seven before it, where complaints
    come from, and the complaints still open when the pack was made."""
    ws = book.sheet("Complaints")
    width = 9
    target = complaints.target_days(con, org_id)
    trend = complaints.quarter_figures(con, org_id, [quarter.shift(n) for n in range(-7, 1)],
                                       today, target=target)
    this = trend[-1]
    median = f"{this.median_days:g} working days" if this.median_days is not None else "—"
    book.text(ws, 1, f"Received in {quarter}",
              f"{counted(this.complaints, 'complaint')}, {counted(this.compliments, 'compliment')}",
              width)
    book.text(ws, 2, "Median time to resolve", f"{median} (n={this.resolved:,} resolved)", width)
    book.text(ws, 3, f"Within {target} working days", this.within_target.text(), width)
    book.text(ws, 4, "Promises kept", this.promises_kept.text(), width)
    counts = complaints.open_counts(con, org_id, today)
    book.text(ws, 5, f"Open on {today:%d %b %Y}",
              f"{counts.open:,}, of which {counts.overdue:,} past the date promised", width)
    book.text(ws, 6, "How to read it",
              "Each quarter counts the complaints received in it. Working days run Monday to "
              "Friday, after the day received. Within target and promises kept count only "
              "complaints whose outcome is known.", width)
    row = book.table(ws, "ComplaintsTrend", 8, [
        Column("Quarter", 10), Column("Complaints", 10, "#,##0_)"),
        Column("Compliments", 11, "#,##0_)"), Column("Median working days", 10, "0.0_)"),
        Column("Resolved", 9, "#,##0_)"), Column("Within target", 9, "0%_)"),
        Column("Within target n", 9, "#,##0_)"), Column("Promises kept", 9, "0%_)"),
        Column("Promises n", 9, "#,##0_)")],
        [[str(f.quarter), f.complaints, f.compliments, f.median_days, f.resolved,
          f.within_target.value / 100 if f.within_target.value is not None else None,
          f.within_target.whole,
          f.promises_kept.value / 100 if f.promises_kept.value is not None else None,
          f.promises_kept.whole] for f in trend], freeze=False)
    for name, heading, bars in (
            ("ComplaintsBySegment", "Segment",
             complaints.pareto(con, org_id, quarter.start, quarter.end, "segment")),
            ("ComplaintsByQuality", "Service quality",
             complaints.pareto(con, org_id, quarter.start, quarter.end, "quality")),
            ("StandardsBreached", "Standard breached",
             complaints.standards_breached(con, org_id, quarter.start, quarter.end))):
        row = book.table(ws, name, row, [
            Column(heading, 30), Column("Complaints", 10, "#,##0_)"),
            Column("Cumulative share", 10, "0%_)")],
            [[b.name, b.count, b.cumulative_share / 100] for b in bars], freeze=False)


def _open_complaints(book: Book, con: Connection, org_id: int, today: date) -> None:
    """The complaints still open when the pack is made, overdue ones first: a sheet of
    its own, so its long table prints with its headings on every page."""
    ws = book.sheet("Open complaints")
    ws.repeat_row = 3  # the table's headings, under the line that counts them
    counts = complaints.open_counts(con, org_id, today)
    waiting = complaints.list_feedback(con, org_id, complaints.RegisterFilter(
        status="open", today=today), OPEN_LIMIT)
    columns = [Column("Received", 11, "yyyy-mm-dd_)"),
               Column("Promised by", 11, "yyyy-mm-dd_)"), Column("Overdue", 8),
               Column("Working days open", 8, "0_)"), Column("Owner", 18),
               Column("Segment", 16), Column("Quality", 12), Column("What happened", 44),
               Column("Reference", 12)]
    book.line(ws, 1, f"Open on {today:%d %b %Y}: {counts.open:,}, of which {counts.overdue:,} "
                     "past the date promised" + (
                         f". The {OPEN_LIMIT:,} promised soonest are listed; the register "
                         "lists them all." if counts.open > len(waiting) else "."),
              len(columns), ITALIC)
    book.table(ws, "OpenComplaints", 3, columns,
               [[f.received_on, f.promised_by, "yes" if f.is_overdue(today) else "",
                 f.open_days, f.owner or "(no owner)", f.segment, f.quality, f.what_happened,
                 f.reference] for f in waiting])


def _customers(book: Book, con: Connection, org_id: int, today: date) -> None:
    ws = book.sheet("Customers")
    row = book.table(ws, "Segments", 1, [
        Column("Segment", 24), Column("Type", 14), Column("Size", 9, "#,##0"),
        Column("Counted in", 9), Column("Value", 9), Column("Served by", 22),
        Column("Channels", 20), Column("Description", 36)],
        [[s.name, s.kind, s.size, s.size_unit, s.value_level, ", ".join(s.serving_teams),
          ", ".join(s.channels), s.description] for s in segments.list_segments(con, org_id)])
    book.table(ws, "Needs", row, [
        Column("Segment", 24), Column("Quality", 14), Column("Importance", 9, "0"),
        Column("Performance", 9, "0"), Column("Gap", 9, "0"), Column("Evidence", 14),
        Column("Asked", 11, "yyyy-mm-dd"), Column("Flag", 12)],
        [[a.segment, a.quality, a.importance, a.performance, a.gap, a.source, a.asked_on,
          "assumption" if a.is_assumption else "stale" if a.is_stale else ""]
         for a in needs.priorities(con, org_id, today)], freeze=False)


def _vision(book: Book, con: Connection, org_id: int) -> None:
    ws = book.sheet("Vision")
    current = vision.get_vision(con, org_id)
    book.text(ws, 1, "Vision", current.statement, 2)
    book.text(ws, 2, "The customer's story", current.customer_story, 2)
    book.table(ws, "Values", 4, [Column("Value", 24), Column("Behaviour", 70)],
               [[v.name, b] for v in vision.list_values(con, org_id)
                for _, b in (v.behaviours or [(0, "")])], freeze=False)
    book.layout(ws).caps.update({1: 24, 2: 70})
