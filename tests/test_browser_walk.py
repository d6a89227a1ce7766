"""In Chromium: every page and every tab of the demo plan, as a newcomer clicks through it.

No text on any of them may read "None", and none may show an error. (Tables are drawn
on a canvas the page text does not include; test_pages checks what they hold.)"""

from __future__ import annotations

import re
from typing import Any

import pytest

from strategy.plan.steps import STEPS
from tests.browser import open_page, settle
from tests.conftest import RunningApp

pytestmark = pytest.mark.browser

PAGES = ["overview", *[s.slug for s in STEPS if s.available], "staff", "organisations"]
NONE = re.compile(r"\bNone\b")


def _check(page: Any, where: str) -> None:
    main = page.get_by_test_id("stMain")
    text = main.inner_text()
    assert not NONE.search(text), f"{where} shows 'None': {NONE.search(text)}"
    assert page.get_by_test_id("stException").count() == 0, where
    assert page.get_by_test_id("stAlertContentError").count() == 0, where


def test_every_page_and_tab_reads_without_none_or_errors(demo_app: RunningApp,
                                                         browser: Any) -> None:
    page = browser.new_context(viewport={"width": 1400, "height": 1400}).new_page()
    for slug in PAGES:
        open_page(page, f"{demo_app.url}/{slug}", who="Newcomer")
        _check(page, slug)
        tabs = page.get_by_role("tab")
        for index in range(1, tabs.count()):
            name = tabs.nth(index).inner_text().strip()
            tabs.nth(index).click()
            settle(page)
            _check(page, f"{slug} › {name}")
    page.context.close()
