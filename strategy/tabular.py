"""Reading spreadsheets people bring: CSV or Excel, into headers and rows.

Only reading and light parsing live here; each import decides what its
columns mean. Anything wrong with the file itself becomes a StrategyError
that names the file (and the sheet) so the person knows what to fix.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime

from .errors import StrategyError

MAX_BYTES = 50 * 1024 * 1024
Cell = str | int | float | date | datetime | None


@dataclass(frozen=True)
class Table:
    file_name: str
    sheet: str | None
    headers: list[str]
    rows: list[list[Cell]]
    first_line: int  # the file's line (or sheet row) of rows[0]

    def line(self, index: int) -> int:
        return self.first_line + index

    def where(self) -> str:
        return f"{self.file_name}" + (f", sheet “{self.sheet}”" if self.sheet else "")


def read_table(file_name: str, data: bytes, sheet: str | None = None) -> Table:
    """The rows of a CSV file, or of a workbook's sheet.

    In a workbook, the sheet called ``sheet`` is read when there is one (our
    templates carry a notes sheet beside the data); otherwise the only sheet
    with anything on it. Several candidate sheets are refused rather than
    guessed between."""
    if not data:
        raise StrategyError(f"{file_name} is empty.")
    if len(data) > MAX_BYTES:
        raise StrategyError(f"{file_name} is {len(data) / 1e6:.0f} MB; the limit is "
                            f"{MAX_BYTES / 1e6:.0f} MB. Split it into smaller files.")
    lower = file_name.lower()
    if lower.endswith((".xlsx", ".xlsm")):
        return _read_excel(file_name, data, sheet)
    if lower.endswith((".csv", ".txt")):
        return _read_csv(file_name, data)
    if lower.endswith(".xls"):
        raise StrategyError(f"{file_name} is an old-style Excel file (.xls). Save it as .xlsx "
                            "or CSV and try again.")
    raise StrategyError(f"{file_name} is not a CSV or Excel (.xlsx) file.")


def _read_csv(file_name: str, data: bytes) -> Table:
    if data.startswith(b"PK\x03\x04") or b"\x00" in data[:4096]:
        raise StrategyError(f"{file_name} is not a text (CSV) file; is it a spreadsheet "
                            "saved with the wrong name?")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes nearly anything
        raise StrategyError(f"{file_name} is not readable text.")
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, ",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        all_rows = [row for row in reader]
    except csv.Error as exc:
        raise StrategyError(f"{file_name} could not be read as CSV: {exc}.") from exc
    return _table(file_name, None, [[c for c in row] for row in all_rows], 1)


def _read_excel(file_name: str, data: bytes, wanted: str | None = None) -> Table:
    from openpyxl import load_workbook

    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise StrategyError(f"{file_name} is password-protected or encrypted. Remove the "
                            "password in Excel and try again.")
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=False, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise StrategyError(f"{file_name} is not a readable Excel workbook (it may be "
                            "damaged). Open it in Excel, save it again, and retry.") from exc
    named = [ws for ws in workbook.worksheets if wanted and ws.title.lower() == wanted.lower()]
    used = [ws for ws in workbook.worksheets if ws.max_row > 1 or ws.max_column > 1
            or ws.cell(1, 1).value is not None]
    if named:
        sheet = named[0]
    elif len(used) == 1 or not used:
        sheet = (used or workbook.worksheets)[0]
    else:
        titles = ", ".join(f"“{ws.title}”" for ws in used)
        raise StrategyError(f"{file_name} has several sheets with data ({titles}). Put the rows "
                            f"on one sheet" + (f" called “{wanted}”" if wanted else "")
                            + " and try again.")
    if sheet.merged_cells.ranges:
        first = sorted(str(r) for r in sheet.merged_cells.ranges)[0]
        raise StrategyError(f"{file_name}, sheet “{sheet.title}” has merged cells ({first}). "
                            "Unmerge them so each value sits in its own cell.")
    rows: list[list[Cell]] = []
    for row in sheet.iter_rows():
        values: list[Cell] = []
        for cell in row:
            if cell.data_type == "f":
                raise StrategyError(f"{file_name}, sheet “{sheet.title}”, cell {cell.coordinate} "
                                    "holds a formula; paste values instead of formulas.")
            values.append(cell.value)  # type: ignore[arg-type]
        rows.append(values)
    return _table(file_name, sheet.title, rows, 1)


def _table(file_name: str, sheet: str | None, raw: list[list[Cell]], first: int) -> Table:
    # Leading blank rows are skipped; the first non-blank row is the header.
    index = 0
    while index < len(raw) and all(_blank(c) for c in raw[index]):
        index += 1
    if index == len(raw):
        where = file_name + (f", sheet “{sheet}”" if sheet else "")
        raise StrategyError(f"{where} has no rows.")
    headers = [str(c).strip() if c is not None else "" for c in raw[index]]
    while headers and not headers[-1]:
        headers.pop()
    body = raw[index + 1:]
    rows = [(list(r) + [None] * len(headers))[:len(headers)] for r in body]
    # Trailing blank rows are common in exports and mean nothing.
    while rows and all(_blank(c) for c in rows[-1]):
        rows.pop()
    return Table(file_name, sheet, headers, rows, first + index + 1)


def _blank(value: Cell) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).strip()


_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1)}


class DateError(ValueError):
    pass


def parse_date(value: Cell, day_first: bool = True) -> date | None:
    """A date from a cell: Excel dates, ISO, 31/12/2026 (or 12/31/2026), 31 Dec 2026."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = str(value).strip()
    try:
        match = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?", raw)
        if match:
            return date(int(match[1]), int(match[2]), int(match[3]))
        match = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", raw)
        if match:
            first, second = int(match[1]), int(match[2])
            day, month = (first, second) if day_first else (second, first)
            return date(int(match[3]), month, day)
        match = re.fullmatch(r"(\d{1,2})[ \-]([A-Za-z]{3})[A-Za-z]*[ \-,]*(\d{4})", raw)
        if match and match[2].lower() in _MONTHS:
            return date(int(match[3]), _MONTHS[match[2].lower()], int(match[1]))
    except ValueError as exc:
        raise DateError(f"“{raw}” is not a real date") from exc
    raise DateError(f"“{raw}” is not a date (use 2026-03-31 or 31/03/2026)")


def parse_number(value: Cell) -> float | None:
    """A number from a cell, allowing thousands separators and a trailing %."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError("is not a number")
    if isinstance(value, int | float):
        return float(value)
    raw = str(value).strip().replace("\u00a0", "").replace(" ", "")
    raw = raw.rstrip("%")
    if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", raw):
        raw = raw.replace(",", "")
    try:
        return float(raw)
    except ValueError as exc:
        raise ValueError(f"“{value}” is not a number") from exc


def normalise_header(header: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", header.lower()).strip()
