from __future__ import annotations

import pytest

from strategy.core.phrases import PHRASES_TO_AVOID, check_phrases, split_for_highlight


@pytest.mark.parametrize(("text", "phrase"), [
    ("I'll try to call you back", "I'll try"),
    ("I’ll try", "I'll try"),
    ("Unfortunately the crew is late", "unfortunately"),
    ("Sorry, we can't do that", "we can't do that"),
    ("It's our policy to charge", "it's (our) policy"),
    ("it is policy", "it's (our) policy"),
    ("You'll have to ring billing", "you will have to"),
    ("Just a second please", "just a second"),
    ("No problem!", "no problem"),
    ("Don't worry about it", "don't worry"),
    ("I don't know who handles that", "I don't know"),
    ("I'm afraid not", "I'm afraid"),
    ("Yes, but the form is wrong", "but"),
])
def test_each_phrase_is_found(text: str, phrase: str) -> None:
    hits = check_phrases(text)
    assert [h.phrase for h in hits] == [phrase]
    assert hits[0].better


def test_every_listed_phrase_has_a_better_wording() -> None:
    assert len(PHRASES_TO_AVOID) == 11
    assert all(better for *_, better in PHRASES_TO_AVOID)


def test_whole_words_only() -> None:
    assert check_phrases("Butter, rebuttal and tributes; nobody's problematic") == []


def test_split_keeps_every_character_in_order() -> None:
    text = "Hello, unfortunately I'm afraid we can't do that, but thanks."
    pieces = split_for_highlight(text)
    assert "".join(piece for piece, _ in pieces) == text
    assert [piece for piece, hit in pieces if hit] == [
        "unfortunately", "I'm afraid", "we can't do that", "but"]
