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
from tests.browser import by_key, open_page, settle, submit
from tests.conftest import RunningApp, serve

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
    page.get_by_text(re.compile(r"^2 values plotted")).wait_for()
    charts = page.get_by_test_id("stVegaLiteChart")
    assert charts.count() == 2
    charts.first.wait_for()

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
