"""Reads shared between refreshes (strategy.core.shared)."""

from __future__ import annotations

from strategy.core.shared import SharedReads


def test_a_copy_is_kept_for_its_seconds_and_dropped_by_a_change() -> None:
    reads: SharedReads[int, str] = SharedReads()
    calls: list[int] = []

    def load(value: str) -> str:
        calls.append(1)
        return value

    assert reads.get(1, lambda: load("first"), 60) == "first"
    assert reads.get(1, lambda: load("second"), 60) == "first" and len(calls) == 1
    assert reads.get(1, lambda: load("third"), 0) == "third"  # too old: read again
    reads.forget(1)
    assert reads.get(1, lambda: load("fourth"), 60) == "fourth"
    reads.forget()
    assert reads.get(1, lambda: load("fifth"), 60) == "fifth" and len(calls) == 4


def test_a_read_that_a_change_overtook_is_not_kept() -> None:
    reads: SharedReads[str, str] = SharedReads()

    def load_while_changed() -> str:
        reads.forget("wall")  # a save lands while the old wall is being read
        return "old wall"

    assert reads.get("wall", load_while_changed, 60) == "old wall"
    assert reads.get("wall", lambda: "new wall", 60) == "new wall"
