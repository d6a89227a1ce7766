"""Reads shared between refreshes (strategy.core.shared)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

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


def test_browsers_refreshing_at_once_share_one_read() -> None:
    """A room refreshes the wall all at once after a change: one read answers them all."""
    reads: SharedReads[str, str] = SharedReads()
    started, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def slow_load() -> str:
        calls.append(1)
        started.set()
        release.wait(5)
        return "wall"

    with ThreadPoolExecutor(max_workers=8) as pool:
        first = pool.submit(reads.get, "wall", slow_load, 60)
        assert started.wait(5)
        others = [pool.submit(reads.get, "wall", slow_load, 60) for _ in range(7)]
        time.sleep(0.2)
        assert not any(o.done() for o in others)  # they wait for the read under way
        release.set()
        assert {f.result(5) for f in [first, *others]} == {"wall"}
    assert len(calls) == 1


def test_a_read_begun_before_a_change_does_not_answer_a_caller_after_it() -> None:
    reads: SharedReads[str, str] = SharedReads()
    started, release = threading.Event(), threading.Event()

    def old_load() -> str:
        started.set()
        release.wait(5)
        return "old wall"

    with ThreadPoolExecutor(max_workers=2) as pool:
        before = pool.submit(reads.get, "wall", old_load, 60)
        assert started.wait(5)
        reads.forget("wall")  # an answer is added while the old wall is being read
        after = pool.submit(reads.get, "wall", lambda: "new wall", 60)
        assert after.result(5) == "new wall"  # read afresh, without waiting for the old
        release.set()
        assert before.result(5) == "old wall"
    assert reads.get("wall", lambda: "third", 60) == "new wall"


def test_a_failed_read_lets_the_waiting_callers_read_for_themselves() -> None:
    reads: SharedReads[str, str] = SharedReads()
    started, release = threading.Event(), threading.Event()

    def failing_load() -> str:
        started.set()
        release.wait(5)
        raise RuntimeError("the database went away")

    with ThreadPoolExecutor(max_workers=2) as pool:
        failing = pool.submit(reads.get, "wall", failing_load, 60)
        assert started.wait(5)
        waiting = pool.submit(reads.get, "wall", lambda: "wall", 60)
        time.sleep(0.1)
        release.set()
        assert waiting.result(5) == "wall"
        with pytest.raises(RuntimeError):
            failing.result(5)
