"""Reads shared between the browsers that refresh a page, for a few seconds.

A room of workshop guests refreshes the wall every few seconds each; without this,
every refresh would ask the database the same question. A copy is kept for a given
number of seconds and dropped at once when this process changes what it holds
(:meth:`SharedReads.forget`). A change made elsewhere (another app server, an
import) shows once the copy is that old. Actions never read through it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class SharedReads(Generic[K, V]):
    def __init__(self, limit: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._held: dict[K, tuple[float, V]] = {}
        self._changes = 0  # a read that overlapped a forget is not kept
        self._limit = limit

    def get(self, key: K, load: Callable[[], V], seconds: float) -> V:
        """The copy of ``key`` if at most ``seconds`` old, else ``load()``, kept."""
        now = time.monotonic()
        with self._lock:
            held = self._held.get(key)
            if held is not None and now - held[0] < seconds:
                return held[1]
            changes = self._changes
        found = load()
        with self._lock:
            if self._changes == changes:
                if len(self._held) >= self._limit:
                    self._held.clear()
                self._held[key] = (now, found)
        return found

    def forget(self, key: K | None = None) -> None:
        """This process changed ``key`` (or, with None, anything): read it afresh."""
        with self._lock:
            self._changes += 1
            if key is None:
                self._held.clear()
            else:
                self._held.pop(key, None)
