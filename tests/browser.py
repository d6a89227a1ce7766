"""Helpers for driving the app in Chromium the way a person does."""

from __future__ import annotations

import re
from typing import Any

IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def settle(page: Any, timeout: float = 30_000) -> None:
    """Wait until Streamlit has finished the script run that the last action caused."""
    page.wait_for_timeout(150)
    page.wait_for_selector(IDLE, timeout=timeout)
    page.wait_for_timeout(150)


def steady_boxes(locator: Any, timeout: float = 10.0) -> list[dict[str, float]]:
    """Where the elements ``locator`` finds sit, once two readings a fifth of a second
    apart agree: the wall's live refresh redraws its cards, and a reading taken while
    one is being laid out puts it where it only passes through."""
    page = locator.page
    waited = 0.0
    before: list[dict[str, float]] = []
    while True:
        now = [b for b in (e.bounding_box() for e in locator.all()) if b is not None]
        if now and now == before:
            return now
        if waited >= timeout:
            raise AssertionError(f"the elements kept moving for {timeout:.0f} s: {now[:4]}")
        before = now
        page.wait_for_timeout(200)
        waited += 0.2


# Every browser test's server has these people as administrators (see conftest):
# user name = the name in lower case.
ROSTER = ("Ana", "Ben", "Priya", "Tom", "Chair", "Fay", "Gus", "Hana", "Newcomer")
PASSWORD = "correct horse battery staple"


def username(name: str) -> str:
    return name.lower().replace(" ", "-")


def sign_in(page: Any, who: str, password: str = PASSWORD) -> None:
    """Sign in on the sign-in page the browser is showing, as a person would."""
    page.fill("#username", username(who))
    page.fill("#password", password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url(lambda url: "/signin" not in url, timeout=30_000)


def open_page(page: Any, url: str, who: str = "Ana") -> None:
    """Open ``url``, signing in as ``who`` first if the browser is not signed in."""
    page.goto(url)
    if "/signin" in page.url:
        sign_in(page, who)
    page.wait_for_selector("[data-testid='stApp']", timeout=30_000)
    settle(page)


def by_key(page: Any, key: str) -> Any:
    """The element container Streamlit gives a widget with ``key=``."""
    return page.locator(f".st-key-{key}")


def fill(page: Any, key: str, text: str) -> None:
    field = by_key(page, key).locator("input, textarea").first
    field.fill(text)


def click_button(page: Any, key: str) -> None:
    by_key(page, key).locator("button").first.click()
    settle(page)


def submit(page: Any, label: str) -> None:
    page.get_by_role("button", name=label).click()
    settle(page)


def join_workshop(page: Any, app_url: str, code: str, name: str) -> None:
    """Join the workshop ``code`` as the guest ``name``, as a participant does with the
    link: the wall opens."""
    page.goto(f"{app_url}/join/{code}")
    page.fill("#name", name)
    page.get_by_role("button", name="Join").click()
    page.wait_for_url(re.compile(r".*/vision.*"))
    settle(page)
