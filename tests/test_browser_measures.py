"""In Chromium: values entered for an employee and a customer measure show on the
scorecard with the right status and on the side-by-side chart."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from strategy.core.db import open_database
from strategy.core.orgs import create_organisation
from strategy.core.periods import Quarter
from strategy.measures import scorecard
from strategy.measures.scorecard import MeasureInput
from tests.browser import by_key, open_page, settle, steady_boxes, submit
from tests.conftest import RunningApp, database_copy, serve

pytestmark = pytest.mark.browser
LAST = Quarter.current().shift(-1)


@pytest.fixture(scope="module")
def scorecard_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    folder = tmp_path_factory.mktemp("scorecard")
    path = folder / "strategy.duckdb"
    con = open_database(path)
    org = create_organisation(con, "Harbour Hotels")
    scorecard.add_measure(con, org.id, MeasureInput(
        "Engagement", "employee", "%", "higher", "quarterly", target=75, amber_band=5))
    scorecard.add_measure(con, org.id, MeasureInput(
        "Guest retention", "customer", "%", "higher", "quarterly", target=92, amber_band=2))
    con.close()
    yield from serve(path)


def enter(page: Any, measure: str, value: str) -> None:
    page.get_by_role("tab", name="Enter values").click()
    settle(page)
    by_key(page, "value_measure").locator("input").first.click()
    page.get_by_role("option", name=measure, exact=True).click()
    settle(page)
    page.get_by_role("tab", name="Enter values").click()
    settle(page)
    form = page.locator("[data-testid='stForm']:visible").filter(has_text="Save value")
    form.get_by_label(re.compile("^Quarter")).fill(str(LAST))
    form.get_by_label(re.compile("^Value")).fill(value)
    submit(page, "Save value")
    page.get_by_text(f"Saved {measure} for {LAST}.").wait_for()


def test_values_reach_the_scorecard_and_the_side_by_side_chart(scorecard_app: RunningApp,
                                                               browser: Any) -> None:
    page = browser.new_context(viewport={"width": 1400, "height": 1600}).new_page()
    open_page(page, f"{scorecard_app.url}/measures?period={LAST}")
    enter(page, "Engagement", "80")       # target ≥ 75: green
    enter(page, "Guest retention", "89")  # target ≥ 92, amber down to 90: red

    page.get_by_role("tab", name="Scorecard").click()
    settle(page)
    for status, count in (("Green", "1"), ("Red", "1"), ("Amber", "0")):
        metric = page.get_by_test_id("stMetric").filter(has=page.get_by_text(status, exact=True))
        assert metric.get_by_test_id("stMetricValue").inner_text() == count, status

    page.get_by_role("tab", name="Employees and customers side by side").click()
    settle(page)
    page.get_by_text(re.compile(r"^2 values over .*; 1 quarter with both")).wait_for()
    charts = page.get_by_test_id("stVegaLiteChart")
    charts.first.wait_for()
    assert charts.count() == 1  # one chart, both measures on one quarter axis

    # The overview's headline scorecard names both, with their statuses.
    page.get_by_test_id("stSidebar").get_by_role("link", name="Overview").click()
    settle(page)
    page.get_by_text(re.compile(r"green\s*Engagement: 80\.0 %")).wait_for()
    page.get_by_text(re.compile(r"red\s*Guest retention: 89\.0 %")).wait_for()
    page.context.close()


def test_download_the_review_pack_and_open_it(scorecard_app: RunningApp, browser: Any) -> None:
    from openpyxl import load_workbook

    from strategy.io.review_pack import SHEETS

    context = browser.new_context(viewport={"width": 1400, "height": 1400}, accept_downloads=True)
    page = context.new_page()
    open_page(page, f"{scorecard_app.url}/review?period={LAST}")
    page.get_by_role("button", name="Build the review pack").click()
    settle(page)
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the review pack (.xlsx)").click()
    saved = download.value.path()
    assert download.value.suggested_filename == f"Review pack - Harbour Hotels - {LAST}.xlsx"
    book = load_workbook(io.BytesIO(Path(saved).read_bytes()))
    assert book.sheetnames == SHEETS
    assert book["Summary"]["B2"].value == "Harbour Hotels"
    names = [row[0] for row in book["Scorecard"].iter_rows(min_row=2, values_only=True)]
    assert set(names) == {"Engagement", "Guest retention"}
    context.close()


def _paste(page: Any, row: int, column: int, block: str) -> None:
    """Paste ``block`` (tab-separated, as spreadsheets copy) at a cell of the value grid,
    reached as a person would: click the first cell, then the arrow keys."""
    # The grid of this tab, laid out: on a busy machine the tab's first run may still
    # show the scorecard's tables, or the grid may still be moving into place.
    page.get_by_text("Periods across").wait_for()
    grid = page.get_by_test_id("stDataFrame").first
    grid.wait_for()
    box = steady_boxes(grid)[0]
    page.mouse.click(box["x"] + 60, box["y"] + 52)  # row 1, Measure (the header is ~35 px)
    for _ in range(row):
        page.keyboard.press("ArrowDown")
    for _ in range(column):
        page.keyboard.press("ArrowRight")
    page.evaluate("text => navigator.clipboard.writeText(text)", block)
    page.keyboard.press("Control+V")
    settle(page)


def test_a_block_pasted_into_the_value_grid_is_checked_then_saved_all_at_once(
        scorecard_app: RunningApp, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 1400, "height": 1600},
                                  permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    open_page(page, f"{scorecard_app.url}/measures?period={LAST}")
    page.get_by_role("tab", name="Enter values").click()
    settle(page)
    # Columns: Measure, Unit, then eight quarters ending at LAST; rows: Guest retention,
    # Engagement. Paste two quarters of both, one cell mistyped.
    two_back, one_back = LAST.shift(-2), LAST.shift(-1)
    _paste(page, 0, 2 + 5, "93\t94\n77\tseventy")
    page.get_by_text("3 new · 0 changed · 0 removed · 1 refused", exact=False).wait_for()
    page.get_by_text(f"Engagement {one_back}: “seventy” is not a number.").wait_for()
    save = page.get_by_role("button", name=re.compile(r"^Save \d+ change"))
    assert save.is_disabled()  # a refused cell keeps everything unsaved
    with database_copy(scorecard_app) as con:
        held = con.execute("SELECT count(*) FROM measure_value WHERE period IN (?, ?)",
                           [str(two_back), str(one_back)]).fetchone()[0]
    assert held == 0

    _paste(page, 1, 2 + 6, "78")  # the mistyped cell, typed again
    page.get_by_text("4 new · 0 changed · 0 removed · 0 refused", exact=False).wait_for()
    page.get_by_role("button", name="Save 4 changes").click()
    settle(page)
    page.get_by_text(f"4 values saved ({two_back}, {one_back}).").wait_for()
    with database_copy(scorecard_app) as con:
        rows = con.execute(
            "SELECT m.name, v.period, v.value FROM measure_value v JOIN measure m "
            "ON m.id = v.measure_id WHERE v.period IN (?, ?) ORDER BY 1, 2",
            [str(two_back), str(one_back)]).fetchall()
    assert rows == [("Engagement", str(two_back), 77.0), ("Engagement", str(one_back), 78.0),
                    ("Guest retention", str(two_back), 93.0),
                    ("Guest retention", str(one_back), 94.0)]
    # After the save the grid starts afresh from what is stored: nothing left to save.
    page.get_by_text("0 new · 0 changed · 0 removed · 0 refused", exact=False).wait_for()
    context.close()
