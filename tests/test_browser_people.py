"""In Chromium: HR records a recognition and finds it in the HR views, and imports a staff
file that has a mistake, sees it, fixes it and imports."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from strategy.core.db import open_database
from strategy.core.orgs import create_organisation
from strategy.people import personnel
from strategy.people.personnel import EmployeeInput
from strategy.service import vision
from tests.browser import by_key, fill, open_page, settle, submit
from tests.conftest import RunningApp, serve

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def hr_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """The app on a database with a small staff, started like `make run` would."""
    folder = tmp_path_factory.mktemp("hr")
    path = folder / "strategy.duckdb"
    con = open_database(path)
    org = create_organisation(con, "Harbour Hotels")
    desk = personnel.add_team(con, org.id, "Front desk")
    personnel.add_team(con, org.id, "Housekeeping")
    for number, name in (("H1", "Ann Lee"), ("H2", "Bob Cho"), ("H3", "Cy Diaz")):
        personnel.add_employee(con, org.id, EmployeeInput(number, name, desk, date(2022, 1, 1)))
    vision.add_value(con, org.id, "Own it")
    con.close()
    yield from serve(path)


def pick(page: Any, key: str, option: str) -> None:
    by_key(page, key).locator("input").first.click()
    page.get_by_role("option", name=option).first.click()
    settle(page)


def test_record_a_recognition_and_find_it_in_the_hr_view(hr_app: RunningApp,
                                                         browser: Any) -> None:
    page = browser.new_context(viewport={"width": 1400, "height": 1600}).new_page()
    open_page(page, f"{hr_app.url}/recognition", who="Hana")
    page.get_by_role("tab", name="Recognise someone").wait_for()
    pick(page, "rec_new_0_recipients", "Bob Cho (H2, Front desk)")
    page.keyboard.press("Escape")
    pick(page, "rec_new_0_value", "Own it")
    fill(page, "rec_new_0_giver", "Guest in room 12")
    pick(page, "rec_new_0_kind", "A customer's compliment")
    fill(page, "rec_new_0_what", "Found a guest's lost passport and drove it to the airport")
    submit(page, "Record recognition")
    page.get_by_text("Recognition recorded.").wait_for()

    page.get_by_role("tab", name=re.compile("HR views")).click()
    settle(page)
    received = page.get_by_test_id("stMetric").filter(has_text="Recognitions received")
    assert received.get_by_test_id("stMetricValue").inner_text() == "1"
    # Bob was recognised; Ann and Cy still wait.
    page.get_by_text(re.compile(r"^2 people on the staff on .* not recognised in the 90 days "
                                r"from ")).wait_for()

    page.get_by_role("tab", name=re.compile("Log")).click()
    settle(page)
    page.get_by_text(re.compile(r"^1 record in \d{4}-Q\d\.$")).wait_for()
    by_key(page, "log_choice").locator("input").first.click()
    option = re.compile("Bob Cho · Found a guest's lost passport")
    page.get_by_role("option", name=option).wait_for()
    page.context.close()


def test_import_a_staff_file_with_a_mistake_fix_it_and_import(hr_app: RunningApp,
                                                              browser: Any,
                                                              tmp_path: Path) -> None:
    page = browser.new_context(viewport={"width": 1400, "height": 1800}).new_page()
    open_page(page, f"{hr_app.url}/staff", who="Hana")
    page.get_by_role("tab", name="Import from HR").click()
    settle(page)
    wrong = tmp_path / "hr-export.csv"
    wrong.write_text("Employee ID,Full name,Department,Start date\n"
                     "H4,Dee Evans,Housekeeping,2023-04-01\n"
                     "H5,Eli Ford,Kitchen,2024-02-30\n", encoding="utf-8")
    by_key(page, "import_file_0").locator("input[type='file']").set_input_files(str(wrong))
    settle(page)
    page.get_by_text("1 of 2 rows need fixing").wait_for()
    # The list of rows to fix (the preview table below repeats the problems).
    problems = page.get_by_role("listitem").filter(has_text="Line 3:")
    problems.get_by_text(re.compile("Hire date: “2024-02-30” is not a real date")).wait_for()
    problems.get_by_text(re.compile("Unknown team “Kitchen”")).wait_for()
    assert page.get_by_role("button", name=re.compile("Import 2 people")).is_disabled()

    fixed = tmp_path / "hr-export-fixed.csv"
    fixed.write_text("Employee ID,Full name,Department,Start date\n"
                     "H4,Dee Evans,Housekeeping,2023-04-01\n"
                     "H5,Eli Ford,Housekeeping,2024-02-29\n", encoding="utf-8")
    by_key(page, "import_file_0").locator("input[type='file']").set_input_files(str(fixed))
    settle(page)
    page.get_by_text("All 2 rows are ready to import.").wait_for()
    page.get_by_role("button", name="Import 2 people (2 new, 0 updated)").click()
    settle(page)
    page.get_by_text(re.compile(r"Imported hr-export-fixed\.csv\..* 2 added\.")).wait_for()
    staff = page.get_by_test_id("stMetric").filter(has_text="Current staff")
    assert staff.get_by_test_id("stMetricValue").inner_text() == "5"
    page.context.close()
