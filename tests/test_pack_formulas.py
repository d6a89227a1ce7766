"""The scorecard's own formulas: stored with the app's results, and right when recalculated.

The pack stores each formula's result as the app works it out, so a reader that does
not calculate (LibreOffice until something changes, file previews, pandas) shows the
meeting's figures. Whether the formulas themselves are right is checked by editing the
numbers, as someone might in the meeting, and letting LibreOffice calculate them.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from strategy.core.db import Connection
from strategy.core.orgs import Organisation
from strategy.core.periods import Quarter
from strategy.io.review_pack import SHEETS, build_pack
from strategy.measures import scorecard

# The same domain code on DuckDB and on PostgreSQL (issue 24).
pytestmark = pytest.mark.both_databases

LAST = Quarter.current().shift(-1)
# name, direction, target, amber band, previous, actual, then actual edited in the meeting
MEASURES = [
    ("Engagement", "higher", 75.0, 5.0, 70.0, 76.0, 72.0),
    ("Complaints", "lower", 60.0, 10.0, 80.0, 55.0, 90.0),
    ("Retention", "higher", 90.0, None, 91.0, 85.0, 90.0),
    ("Wait", "lower", None, None, 3.0, 2.5, 4.0),
    ("Empty", "higher", 50.0, 5.0, None, None, 49.0),
]


def _measures(con: Connection, org: Organisation) -> None:
    for name, direction, target, band, previous, actual, _ in MEASURES:
        measure = scorecard.add_measure(con, org.id, scorecard.MeasureInput(
            name, "employee", "%", direction, "quarterly", target=target, amber_band=band))
        for quarter, value in ((LAST.shift(-1), previous), (LAST, actual)):
            if value is not None:
                scorecard.set_value(con, org.id, measure, str(quarter), value)


def test_each_formula_stores_the_app_s_result(con: Connection, org: Organisation) -> None:
    _measures(con, org)
    book = load_workbook(io.BytesIO(build_pack(con, org.id, LAST)), data_only=True)
    rows = {r[0]: r for r in book["Scorecard"].iter_rows(min_row=2, max_row=len(MEASURES) + 1,
                                                         values_only=True)}
    for name, direction, target, band, previous, actual, _ in MEASURES:
        change, status = rows[name][8], rows[name][9]
        assert status == scorecard.status(actual, target, band, direction), name
        if actual is None or previous is None:
            assert change in ("", None), name
        else:
            assert change == pytest.approx(actual - previous), name


def test_libreoffice_recalculates_change_and_status_after_an_edit(
        con: Connection, org: Organisation, tmp_path: Path) -> None:
    if shutil.which("soffice") is None:
        pytest.fail("LibreOffice is missing: run `make test`, which installs it")
    _measures(con, org)
    book = load_workbook(io.BytesIO(build_pack(con, org.id, LAST)))
    sheet = book["Scorecard"]
    for row in range(2, len(MEASURES) + 2):
        name = sheet.cell(row=row, column=1).value
        edited = next(m[6] for m in MEASURES if m[0] == name)
        sheet.cell(row=row, column=7).value = edited  # the Actual column
    edited_pack = tmp_path / "edited.xlsx"
    book.save(edited_pack)  # openpyxl keeps the formulas and drops their stored results
    target = ("csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,"
              f"{SHEETS.index('Scorecard') + 1}")
    result = subprocess.run(
        ["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
         "--norestore", "--convert-to", target, "--outdir", str(tmp_path), str(edited_pack)],
        capture_output=True, text=True, timeout=180, check=False)
    assert result.returncode == 0, result.stderr
    (converted,) = tmp_path.glob("edited*.csv")
    rows = {r[0]: r for r in csv.reader(io.StringIO(converted.read_text(encoding="utf-8")))}
    for name, direction, target_value, band, previous, _, edited in MEASURES:
        assert rows[name][9] == scorecard.status(edited, target_value, band, direction), name
        change = rows[name][8]
        if previous is None:
            assert change == "", name
        else:
            assert float(change) == pytest.approx(edited - previous, abs=0.05), name
