"""Reads shared between refreshes (strategy.core.shared)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

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


class HeldRead:
    """A read of the database that takes as long as the test says: it starts, then
    waits for ``release`` before answering (or failing)."""

    def __init__(self, answer: str | Exception) -> None:
        self.answer = answer
        self.started, self.release = threading.Event(), threading.Event()
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        self.started.set()
        self.release.wait(5)
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def test_browsers_refreshing_at_once_share_one_read() -> None:
    """A room refreshes the wall all at once after a change: one read answers them all."""
    reads: SharedReads[str, str] = SharedReads()
    slow_load = HeldRead("wall")
    with ThreadPoolExecutor(max_workers=8) as pool:
        first = pool.submit(reads.get, "wall", slow_load, 60)
        assert slow_load.started.wait(5)
        others = [pool.submit(reads.get, "wall", slow_load, 60) for _ in range(7)]
        time.sleep(0.2)
        assert not any(o.done() for o in others)  # they wait for the read under way
        slow_load.release.set()
        assert {f.result(5) for f in [first, *others]} == {"wall"}
    assert slow_load.calls == 1


def test_a_read_begun_before_a_change_does_not_answer_a_caller_after_it() -> None:
    reads: SharedReads[str, str] = SharedReads()
    old_load = HeldRead("old wall")
    with ThreadPoolExecutor(max_workers=2) as pool:
        before = pool.submit(reads.get, "wall", old_load, 60)
        assert old_load.started.wait(5)
        reads.forget("wall")  # an answer is added while the old wall is being read
        after = pool.submit(reads.get, "wall", lambda: "new wall", 60)
        assert after.result(5) == "new wall"  # read afresh, without waiting for the old
        old_load.release.set()
        assert before.result(5) == "old wall"
    assert reads.get("wall", lambda: "third", 60) == "new wall"


def test_a_failed_read_lets_the_waiting_callers_read_for_themselves() -> None:
    reads: SharedReads[str, str] = SharedReads()
    failing_load = HeldRead(RuntimeError("the database went away"))
    with ThreadPoolExecutor(max_workers=2) as pool:
        failing = pool.submit(reads.get, "wall", failing_load, 60)
        assert failing_load.started.wait(5)
        waiting = pool.submit(reads.get, "wall", lambda: "wall", 60)
        time.sleep(0.1)
        failing_load.release.set()
        assert waiting.result(5) == "wall"
        with pytest.raises(RuntimeError):
            failing.result(5)


def test_other_servers_are_told_only_once_the_change_is_committed(tmp_path: Any) -> None:
    """Told before the commit, another server would read the old rows again and keep them."""
    from strategy.core import shared
    from strategy.core.db import open_database, transaction

    told: list[tuple[str, object]] = []
    reads: SharedReads[int, str] = SharedReads("committed walls")
    shared.tell_others_with(lambda name, key: told.append((name, key)))
    try:
        con = open_database(tmp_path / "told.duckdb")
        with transaction(con):
            reads.forget(3)
            assert told == []
        assert told == [("committed walls", 3)]
        with pytest.raises(RuntimeError), transaction(con):
            reads.forget(4)
            raise RuntimeError("the change fails")
        assert told == [("committed walls", 3)]  # nothing changed: nobody is told
        reads.forget(5)  # outside a transaction: at once
        assert told[-1] == ("committed walls", 5)
    finally:
        shared.tell_others_with(None)
