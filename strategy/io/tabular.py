"""Reading spreadsheets people bring: CSV or Excel, into headers and rows.

Only reading and light parsing live here; each import decides what its
columns mean. Anything wrong with the file itself becomes a StrategyError
that names the file (and the sheet) so the person knows what to fix.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from strategy.core.checks import control_character
from strategy.core.errors import StrategyError

MAX_BYTES = 50 * 1024 * 1024
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the container of .xls and encrypted workbooks
Cell = str | int | float | date | datetime | None


@dataclass(frozen=True)
class Table:
    file_name: str
    sheet: str | None
    headers: list[str]
    rows: list[list[Cell]]
    first_line: int  # the file's line (or sheet row) of rows[0]
    # The headings as written, before spaces around them were trimmed: a control
    # character there is refused like one in a cell.
    written_headers: tuple[str, ...] = ()
    # Every heading of the file, when only some of its columns were kept.
    all_headers: tuple[str, ...] = ()

    @property
    def file_headers(self) -> list[str]:
        return list(self.all_headers) or self.headers

    def line(self, index: int) -> int:
        return self.first_line + index

    def where(self) -> str:
        return f"{self.file_name}" + (f", sheet “{self.sheet}”" if self.sheet else "")

    def check(self, columns: Iterable[int]) -> None:
        """Refuse the file for what is wrong in the columns an import reads: a heading
        given twice, or an invisible control character. Other columns are not read,
        so what they hold does not matter (Jira repeats "Labels" and "Comment")."""
        wanted = sorted(set(columns))
        _refuse_repeated_headings(self.where(), self.headers, wanted)
        _refuse_control_characters(self.where(), self.headers,
                                   list(self.written_headers) or self.headers, self.rows,
                                   wanted, self.first_line - 1)

    def without_heading_rows(self, count: int) -> Table:
        """The table less ``count`` rows under the headings that are headings too
        (Qualtrics' question texts and import ids, SurveyMonkey's answer labels)."""
        if count <= 0:
            return self
        return Table(self.file_name, self.sheet, self.headers, self.rows[count:],
                     self.first_line + count, self.written_headers, self.all_headers)


Keep = Callable[[list[str]], Iterable[int] | None]


def read_table(file_name: str, data: bytes, sheet: str | None = None,
               recognise: Callable[[list[str]], int] | None = None,
               keep: Keep | None = None) -> Table:
    """The rows of a CSV file, or of a workbook's sheet.

    In a workbook, the sheet called ``sheet`` is read when there is one (our
    templates carry a notes sheet beside the data); otherwise the only sheet
    with anything on it, or the one whose headings ``recognise`` scores highest
    (Workday puts its report's settings on a sheet of their own). Several
    candidate sheets left after that are refused rather than guessed between.

    ``keep``, given the headings, says which columns an import reads: only those
    are kept as the rows are read, so a 40-column export of 50,000 tickets does
    not hold two million cells."""
    if not data:
        raise StrategyError(f"{file_name} is empty.")
    if len(data) > MAX_BYTES:
        raise StrategyError(f"{file_name} is {len(data) / 1e6:.0f} MB; the limit is "
                            f"{MAX_BYTES / 1e6:.0f} MB. Split it into smaller files.")
    lower = file_name.lower()
    if lower.endswith((".xlsx", ".xlsm")):
        return _read_excel(file_name, data, sheet, recognise, keep)
    if lower.endswith((".csv", ".txt")):
        return _read_csv(file_name, data, keep)
    if lower.endswith(".xls"):
        raise StrategyError(f"{file_name} is an old-style Excel file (.xls). Save it as .xlsx "
                            "or CSV and try again.")
    raise StrategyError(f"{file_name} is not a CSV or Excel (.xlsx) file.")


def _decode(file_name: str, data: bytes) -> str:
    """The text of a CSV file: UTF-16 (what Excel's "Unicode Text" writes), UTF-8 or
    Windows-1252, the encodings spreadsheets save."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise StrategyError(f"{file_name} says it is UTF-16 text but is damaged at byte "
                                f"{exc.start}. Save it again and retry.") from exc
    if data.startswith(b"PK\x03\x04") or data.startswith(OLE2):
        raise StrategyError(f"{file_name} is a spreadsheet, not a text (CSV) file. Give it its "
                            "own name (.xlsx) or save it as CSV.")
    if len(data) >= 4 and data[1:4:2] == b"\x00\x00" and data[0] and data[2]:
        # Every other byte empty: UTF-16 text that lost its byte-order mark.
        try:
            return data.decode("utf-16-le")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise StrategyError(f"{file_name} is not readable text: save it as CSV (UTF-8) and retry.")


def _lines(text: str) -> Iterator[str]:
    """The file's lines, each with its end, without a second copy of the text (a quoted
    cell may hold a line break: the CSV reader joins such lines itself)."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        if end < 0:
            yield text[start:]
            return
        yield text[start:end + 1]
        start = end + 1


def _read_csv(file_name: str, data: bytes, keep: Keep | None = None) -> Table:
    text = _decode(file_name, data)
    if "\x00" in text:
        # Python's CSV reader stops at a NUL; say where it is instead.
        line = text.count("\n", 0, text.index("\x00")) + 1
        raise StrategyError(f"{file_name} contains an invisible control character (U+0000) on "
                            f"line {line}, often left by another program. Remove it (save the "
                            "file again as CSV UTF-8) and import again; nothing was imported.")
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, ",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(_lines(text), dialect)
    try:
        return _table(file_name, None, reader, 1, keep)
    except csv.Error as exc:
        raise StrategyError(f"{file_name} could not be read as CSV: {exc}.") from exc


def _read_excel(file_name: str, data: bytes, wanted: str | None = None,
                recognise: Callable[[list[str]], int] | None = None,
                keep: Keep | None = None) -> Table:
    from openpyxl import load_workbook

    if data.startswith(OLE2):
        # Both a password-protected workbook and an old Excel 97–2003 file are such
        # containers; only the first carries an encrypted package.
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise StrategyError(f"{file_name} is password-protected or encrypted. Remove the "
                                "password in Excel and try again.")
        raise StrategyError(f"{file_name} is an old Excel 97–2003 workbook (.xls) with a .xlsx "
                            "name. Open it in Excel or LibreOffice, save it as Excel Workbook "
                            "(.xlsx) or CSV, and try again.")
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=False, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise StrategyError(f"{file_name} is not a readable Excel workbook (it may be "
                            "damaged). Open it in Excel, save it again, and retry.") from exc
    named = [ws for ws in workbook.worksheets if wanted and ws.title.lower() == wanted.lower()]
    used = [ws for ws in workbook.worksheets if ws.max_row > 1 or ws.max_column > 1
            or ws.cell(1, 1).value is not None]
    if len(used) > 1 and not named and recognise is not None:
        scores = {ws.title: recognise(_first_row(ws)) for ws in used}
        best = max(scores.values())
        if best > 0 and list(scores.values()).count(best) == 1:
            named = [ws for ws in used if scores[ws.title] == best]
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
    def rows() -> Iterator[list[Cell]]:
        for row in sheet.iter_rows():
            values: list[Cell] = []
            for cell in row:
                if cell.data_type == "f":
                    raise StrategyError(f"{file_name}, sheet “{sheet.title}”, cell "
                                        f"{cell.coordinate} holds a formula; paste values "
                                        "instead of formulas.")
                values.append(cell.value)  # type: ignore[arg-type]
            yield values
    return _table(file_name, sheet.title, rows(), 1, keep)


def _first_row(sheet: object) -> list[str]:
    """A sheet's first row with anything in it: its headings."""
    for row in sheet.iter_rows(max_row=20, values_only=True):  # type: ignore[attr-defined]
        if any(not _blank(c) for c in row):
            return [str(c).strip() if c is not None else "" for c in row]
    return []


def _table(file_name: str, sheet: str | None, raw: Iterable[Sequence[Cell]], first: int,
           keep: Keep | None = None) -> Table:
    where = file_name + (f", sheet “{sheet}”" if sheet else "")
    lines = iter(raw)
    # Leading blank rows are skipped; the first non-blank row is the header.
    index = 0
    for heading_row in lines:
        if not all(_blank(c) for c in heading_row):
            break
        index += 1
    else:
        raise StrategyError(f"{where} has no rows.")
    headers = [str(c).strip() if c is not None else "" for c in heading_row]
    while headers and not headers[-1]:
        headers.pop()
    written = [c if isinstance(c, str) else "" for c in heading_row[:len(headers)]]
    written += [""] * (len(headers) - len(written))
    kept = keep(headers) if keep is not None else None
    width = len(headers)
    if kept is None:
        rows = [(list(r) + [None] * width)[:width] for r in lines]
        all_headers: tuple[str, ...] = ()
    else:
        positions = sorted(set(kept))
        # A heading given twice is a guess only where the import reads one of them.
        _refuse_repeated_headings(where, headers, positions)
        rows = []
        for r in lines:
            given = len(r)
            rows.append([r[i] if i < given else None for i in positions])
        all_headers = tuple(headers)
        headers = [headers[i] for i in positions]
        written = [written[i] for i in positions]
    # Trailing blank rows are common in exports and mean nothing.
    while rows and all(_blank(c) for c in rows[-1]):
        rows.pop()
    return Table(file_name, sheet, headers, rows, first + index + 1, tuple(written),
                 all_headers)


def _column_name(position: int) -> str:
    name = ""
    position += 1
    while position:
        position, rest = divmod(position - 1, 26)
        name = chr(65 + rest) + name
    return name


def _refuse_repeated_headings(where: str, headers: list[str], read: list[int]) -> None:
    seen: dict[str, int] = {}
    for position, heading in enumerate(headers):
        key = normalise_header(heading)
        if not key:
            continue
        if key in seen and (position in read or seen[key] in read):
            raise StrategyError(
                f"{where} has the column heading “{heading}” twice (columns "
                f"{_column_name(seen[key])} and {_column_name(position)}): which one holds the "
                "data is a guess. Delete or rename one and try again.")
        seen[key] = position


def _refuse_control_characters(where: str, headers: list[str], written: list[str],
                               rows: list[list[Cell]], read: list[int],
                               header_line: int) -> None:
    """The one rule for text (see checks): a control character in a column the import
    reads refuses the file."""
    found = [(header_line, position, written[position]) for position in read
             if control_character(written[position])]
    for offset, row in enumerate(rows, start=1):
        if len(found) >= 3:
            break
        for position in read:
            cell = row[position]
            if isinstance(cell, str) and control_character(cell):
                found.append((header_line + offset, position, cell))
    if found:
        places = "; ".join(
            f"line {line}, column “{headers[position] if position < len(headers) else ''}”"
            f" ({control_character(str(cell))})" for line, position, cell in found[:3])
        raise StrategyError(
            f"{where} contains invisible control characters, often left by another program: "
            f"{places}. Remove them (retype those cells, or save the file again as CSV "
            "UTF-8) and import again; nothing was imported.")


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
        if not math.isfinite(value):
            raise ValueError(f"“{value}” is not a finite number")
        return float(value)
    raw = str(value).strip().replace("\u00a0", "").replace(" ", "")
    raw = raw.rstrip("%")
    if re.fullmatch(r"-?\d{1,3}(,\d{3})+(\.\d+)?", raw):
        raw = raw.replace(",", "")
    try:
        number = float(raw)
    except ValueError as exc:
        raise ValueError(f"“{value}” is not a number") from exc
    if not math.isfinite(number):
        # "inf", "nan" and 1e400 all parse as floats, and none is a quantity.
        raise ValueError(f"“{value}” is not a finite number")
    return number


def normalise_header(header: str) -> str:
    """A heading as compared: lower case, words only; "#" is read as "number"
    ("Employee #" is the employee's number, never their name)."""
    return re.sub(r"[^a-z0-9]+", " ", header.lower().replace("#", " number ")).strip()
