"""Reads shared between the browsers that refresh a page, for a few seconds.

A room of workshop guests refreshes the wall every few seconds each; without this,
every refresh would ask the database the same question. A copy is kept for a given
number of seconds and dropped at once when this process changes what it holds
(:meth:`SharedReads.forget`). Actions never read through it.

Several app servers on one PostgreSQL database tell each other what they forget
(:func:`tell_others_with`; PostgreSQL's NOTIFY carries it, see
:mod:`strategy.core.pg`), so a change made through one shows on every server's next
refresh. On DuckDB one process serves, and a change made by the command line shows
once the copy is that old.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from strategy.core.commits import after_commit

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


# Every named SharedReads of this process, so that another server's word reaches it.
_named: weakref.WeakValueDictionary[str, SharedReads[Any, Any]] = weakref.WeakValueDictionary()
# How this process tells the others (name, key) it forgot; None: it is alone.
_tell_others: Callable[[str, object], None] | None = None


def tell_others_with(send: Callable[[str, object], None] | None) -> None:
    """From now on, each forget is also sent with ``send(name, key)`` (None: nobody)."""
    global _tell_others
    _tell_others = send


def told(name: str, key: object) -> None:
    """Another server forgot ``key`` (None: anything) of the reads called ``name``."""
    reads = _named.get(name)
    if reads is not None:
        reads.forget_here(key)


def told_everything() -> None:
    """Another server's word may have been missed: read everything afresh."""
    for reads in list(_named.values()):
        reads.forget_here(None)


class SharedReads(Generic[K, V]):
    def __init__(self, name: str | None = None, limit: int = 10_000) -> None:
        """``name``: how other app servers refer to these reads when they change what
        they hold (unnamed reads are this process's alone)."""
        self.name = name
        if name is not None:
            _named[name] = self
        self._lock = threading.Lock()
        self._held: dict[K, tuple[float, V]] = {}
        self._changes = 0  # a read that overlapped a forget is not kept
        # key -> (changes when its read began, set when it ends): the read under way
        self._reading: dict[K, tuple[int, threading.Event]] = {}
        self._limit = limit

    def get(self, key: K, load: Callable[[], V], seconds: float) -> V:
        """The copy of ``key`` if at most ``seconds`` old, else ``load()``, kept.

        One read at a time per key: a caller that finds the same read under way (begun
        since the last change) waits for it rather than asking the same question again.
        A room changes the wall every second or so; without this, every browser
        refreshing in that second read it afresh, all at once."""
        while True:
            now = time.monotonic()
            with self._lock:
                held = self._held.get(key)
                if held is not None and now - held[0] < seconds:
                    return held[1]
                reading = self._reading.get(key)
                if reading is None or reading[0] != self._changes:
                    reading = (self._changes, threading.Event())
                    self._reading[key] = reading
                    break
            # Someone else's read answers ours: wait for it, then take its copy (or,
            # had it failed or been overtaken by a change, read for ourselves).
            reading[1].wait()
        changes, done = reading
        try:
            found = load()
            with self._lock:
                if self._changes == changes:
                    if len(self._held) >= self._limit:
                        self._held.clear()
                    self._held[key] = (now, found)
            return found
        finally:
            with self._lock:
                if self._reading.get(key) is reading:
                    del self._reading[key]
            done.set()

    def forget(self, key: K | None = None) -> None:
        """This process changed ``key`` (or, with None, anything): read it afresh, here
        and on the other app servers."""
        self.forget_here(key)
        send, name = _tell_others, self.name
        if send is not None and name is not None:
            # Once the change is committed: told before, another server could read
            # the old rows again and keep them.
            after_commit(lambda: send(name, key))

    def forget_here(self, key: object = None) -> None:
        """Read ``key`` (None: anything) afresh in this process."""
        with self._lock:
            self._changes += 1
            if key is None:
                self._held.clear()
            else:
                self._held.pop(key, None)  # type: ignore[arg-type]  # another server's key
