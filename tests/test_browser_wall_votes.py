"""Votes on the workshop wall, cast in Chromium card after card while the wall
refreshes itself and others vote too: every one must count, on the card clicked."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser import by_key, open_page, settle, steady_boxes
from tests.conftest import RunningApp, database_copy

CARDS = 8


def stored_votes(app: RunningApp, voter: str) -> set[int]:
    con = database_copy(app)
    try:
        return {row[0] for row in con.execute(
            "SELECT entry_id FROM brainstorm_vote WHERE voter = ?", [voter]).fetchall()}
    finally:
        con.close()


def card_ids(page: Any) -> list[int]:
    """The wall's cards as the page shows them, by their vote buttons' keys."""
    keys = page.locator("[class*='st-key-vote_']:not([data-stale='true'])").evaluate_all(
        "els => els.map(e => [...e.classList].find(c => c.startsWith('st-key-vote_')))")
    return [int(key.removeprefix("st-key-vote_").removesuffix("_withdraw")) for key in keys]


def vote(page: Any, entry_id: int) -> None:
    """Press the card's button, whichever it says (vote, or take the vote back). By
    the card's key, not its place: the wall is ordered by votes and moves."""
    # While the wall re-sorts, a card can show at its old place and its new one until
    # the refresh ends; both are the same button. A card's old self, faded, is not.
    fresh = ":not([data-stale='true'])"
    page.locator(f".st-key-vote_{entry_id}{fresh}, .st-key-vote_{entry_id}_withdraw{fresh}") \
        .locator("button").first.click()


@pytest.mark.parametrize("pause", [0, 300, 1000, 2500, -1])
def test_every_vote_cast_card_after_card_is_stored(demo_app: RunningApp, browser: Any,
                                                   pause: int) -> None:
    """One person votes on eight cards in turn: at once, a little apart, across the
    wall's refreshes (every few seconds), or waiting for each to be shown."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    open_page(page, demo_app.url + "/vision", who="Ana")
    ids = card_ids(page)[:CARDS]
    assert len(ids) == CARDS
    before = stored_votes(demo_app, "Ana")
    for entry_id in ids:
        vote(page, entry_id)
        if pause < 0:
            settle(page)
        else:
            page.wait_for_timeout(pause)
    page.wait_for_timeout(4000)
    settle(page)
    # Each click toggles that card's vote: the ones Ana had are taken back, the
    # others are added, and no card she did not click changes.
    assert stored_votes(demo_app, "Ana") == before ^ set(ids)
    context.close()


def test_two_people_voting_on_the_same_cards_at_once_both_count(
        demo_app: RunningApp, browser: Any) -> None:
    """Two participants vote on the same cards turn about, each card's count
    changing under the other's eyes: every vote of each is stored."""
    pages = []
    for who in ("Ben", "Priya"):
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        open_page(page, demo_app.url + "/vision", who=who)
        pages.append(page)
    ids = card_ids(pages[0])[:CARDS]
    before = {who: stored_votes(demo_app, who) for who in ("Ben", "Priya")}
    for entry_id in ids:
        for page in pages:
            vote(page, entry_id)
            page.wait_for_timeout(150)
    for page in pages:
        page.wait_for_timeout(2000)
        settle(page)
    for who in ("Ben", "Priya"):
        assert stored_votes(demo_app, who) == before[who] ^ set(ids), who
    for page in pages:
        page.context.close()


def test_a_double_tap_on_vote_counts_once(demo_app: RunningApp, browser: Any) -> None:
    """Phones double-tap: two clicks in quick succession on Vote are one vote, not a
    vote and its withdrawal."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    open_page(page, demo_app.url + "/vision", who="Tom")
    # Newest first, so that a card does not move up the wall as its votes grow.
    page.locator(".st-key-wall_order").get_by_text("Newest").click()
    settle(page)
    before = stored_votes(demo_app, "Tom")
    ids = [i for i in card_ids(page) if i not in before][:3]
    for entry_id, gap in zip(ids, (0, 120, 350), strict=True):
        # Two taps on the same spot of the screen, as a thumb does.
        box = by_key(page, f"vote_{entry_id}").locator("button").bounding_box()
        x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
        page.mouse.click(x, y)
        page.wait_for_timeout(gap)
        page.mouse.click(x, y)
        settle(page)
    page.wait_for_timeout(3000)
    settle(page)
    assert stored_votes(demo_app, "Tom") == before | set(ids)
    context.close()


def test_a_card_reads_from_the_left_and_wraps(demo_app: RunningApp, browser: Any) -> None:
    """A card is its vote button, but reads as a card: the answer starts at its left
    edge, after the thumb, and a long answer wraps rather than being cut."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    open_page(page, demo_app.url + "/vision", who="Fay")
    for answer in ("Bills I can understand", "Being told before the water goes off"):
        card = page.locator("[class*='st-key-vote_']", has_text=answer).locator("button")
        button = card.bounding_box()
        thumb = card.get_by_test_id("stIconMaterial").bounding_box()
        assert thumb["x"] - button["x"] < 25, answer  # the padding only, not centred
    text = card.locator("p").bounding_box()
    assert text["height"] > 60  # the long answer wraps, with its author and votes below
    assert "not after" in card.inner_text()  # nothing cut off
    context.close()


def test_cards_fill_the_row_on_a_laptop_and_stack_on_a_phone(demo_app: RunningApp,
                                                           browser: Any) -> None:
    """The wall's cards sit side by side as the screen allows, cards of a row as tall
    as each other; on a phone, one card to a row, the width of the screen."""
    def boxes(page: Any) -> list[dict[str, float]]:
        return steady_boxes(page.locator(
            ".st-key-wall_cards [class*='st-key-vote_']:not([data-stale='true']) button"))

    laptop = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = laptop.new_page()
    open_page(page, demo_app.url + "/vision", who="Fay")
    cards = boxes(page)
    first_row = [c for c in cards if abs(c["y"] - cards[0]["y"]) < 2]
    assert len(first_row) == 3, cards[:4]
    assert max(c["height"] for c in first_row) - min(c["height"] for c in first_row) < 2
    laptop.close()
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                has_touch=True)
    page = phone.new_page()
    open_page(page, demo_app.url + "/vision", who="Tom")
    cards = boxes(page)
    assert len({round(c["y"]) for c in cards}) == len(cards) > 3  # one to a row
    assert all(c["width"] > 320 for c in cards)
    phone.close()
