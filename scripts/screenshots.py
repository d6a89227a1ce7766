"""Take screenshots of every page (and its tabs) of the demo plan in Chromium.

    .venv/bin/python scripts/screenshots.py [OUT_DIR]

Starts the app on a fresh temporary database with the demo organisation, so the
pictures show what a newcomer sees. docs/screenshot.png in the README comes
from here.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from strategy.core.db import open_database  # noqa: E402
from strategy.core.periods import Quarter  # noqa: E402
from strategy.demo.riverbend import load_demo  # noqa: E402
from tests.browser import open_page, settle  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS, start_app  # noqa: E402

SHOTS: list[tuple[str, str, str | None]] = [
    ("overview", "", None),
    ("customers", "customers", None),
    ("needs", "needs", None),
    ("vision-wall", "vision", None),
    ("vision-statement", "vision", "Vision and customer story"),
    ("vision-values", "vision", "Values and behaviours"),
    ("standards", "standards", None),
    ("standards-templates", "standards", "Template library"),
    ("standards-communication", "standards", "Communication log"),
    ("standards-phrases", "standards", "Phrase check"),
    ("people", "staff", None),
    ("people-import", "staff", "Import from HR"),
    ("accountability", "accountability", None),
    ("accountability-compliance", "accountability", "Compliance"),
    ("line-of-sight", "line-of-sight", None),
    ("impact-model", "line-of-sight", "Impact model"),
    ("training", "training", None),
    ("training-language", "training", "Language check"),
    ("workforce", "people", None),
    ("hiring", "people", "Hiring for attitude"),
    ("recognition", "recognition", None),
    ("recognition-hr", "recognition", "HR views"),
    ("recognition-log", "recognition", "Log"),
    ("scorecard", "measures", None),
    ("side-by-side", "measures", "Employees and customers side by side"),
    ("surveys", "measures", "Survey responses"),
    ("measure-definitions", "measures", "Measures"),
    ("review", "review", None),
    ("review-record", "review", "The review"),
    ("review-actions", "review", "Actions"),
    ("review-changes", "review", "What changed"),
    ("organisations", "organisations", None),
]


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screens"
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        db_path = Path(folder) / "demo.duckdb"
        con = open_database(db_path)
        load_demo(con)
        con.close()
        app = start_app(db_path, Path(folder) / "streamlit.log")
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                                     args=CHROMIUM_ARGS)
                page = browser.new_page(viewport={"width": 1400, "height": 2000})
                for name, slug, tab in SHOTS:
                    # The review pages show last quarter, the one the demo reviewed.
                    extra = f"&period={Quarter.current().shift(-1)}" if slug == "review" else ""
                    open_page(page, f"{app.url}/{slug}?me=Facilitator{extra}")
                    if tab:
                        page.get_by_role("tab", name=re.compile("^" + re.escape(tab))).click()
                        settle(page)
                    if slug == "standards" and tab == "Phrase check":
                        page.locator(".st-key-phrase_text textarea").fill(
                            "Unfortunately it's our policy, but I'll try to call you back.")
                        page.keyboard.press("Control+Enter")
                        settle(page)
                    page.wait_for_timeout(800)
                    page.screenshot(path=str(out / f"{name}.png"))
                    print(out / f"{name}.png")
                # The README's picture: the overview at an ordinary laptop size.
                page.set_viewport_size({"width": 1400, "height": 1000})
                open_page(page, f"{app.url}/measures?me=Facilitator")
                page.get_by_role("tab", name="Employees and customers side by side").click()
                settle(page)
                page.wait_for_timeout(800)
                page.screenshot(path=str(ROOT / "docs" / "screenshot.png"))
                browser.close()
        finally:
            app.process.terminate()


if __name__ == "__main__":
    main()
