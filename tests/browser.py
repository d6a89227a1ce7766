"""Helpers for driving the app in Chromium the way a person does."""

from __future__ import annotations

from typing import Any

IDLE = "[data-testid='stApp'][data-test-script-state='notRunning']"


def settle(page: Any, timeout: float = 30_000) -> None:
    """Wait until Streamlit has finished the script run that the last action caused."""
    page.wait_for_timeout(150)
    page.wait_for_selector(IDLE, timeout=timeout)
    page.wait_for_timeout(150)


def open_page(page: Any, url: str) -> None:
    page.goto(url)
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
