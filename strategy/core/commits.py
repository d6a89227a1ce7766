"""What to do once the change under way is committed (or now, if none is).

Telling other app servers that something changed must wait for the commit: told
before it, they would read the old rows again and keep them."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_waiting: ContextVar[list[Callable[[], None]] | None] = ContextVar(
    "strategy_after_commit", default=None)


def after_commit(action: Callable[[], None]) -> None:
    """Run ``action`` when this thread's transaction commits, or now if none is open.
    Dropped if the transaction is rolled back: nothing changed."""
    waiting = _waiting.get()
    if waiting is None:
        action()
    else:
        waiting.append(action)


@contextmanager
def collecting() -> Iterator[list[Callable[[], None]]]:
    """For the length of a transaction: the actions to run once it has committed."""
    waiting: list[Callable[[], None]] = []
    token = _waiting.set(waiting)
    try:
        yield waiting
    finally:
        _waiting.reset(token)
