"""One family of errors that the app and the command line show to people.

Anything raised as a :class:`StrategyError` carries a message written for the
person using the app: what went wrong and what to do about it. The UI shows it
with ``st.error``; the command line prints it and exits non-zero.
"""

from __future__ import annotations


class StrategyError(Exception):
    """An error with a message meant for the person using the app."""

    title = "Something needs your attention"

    def __init__(self, message: str, title: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if title is not None:
            self.title = title

    def __str__(self) -> str:
        return self.message


class ValidationError(StrategyError):
    """Input that cannot be saved; ``fields`` maps a field name to what to fix."""

    title = "Please check what you entered"

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields = dict(fields)
        super().__init__(" ".join(self.fields.values()))


class NotFoundError(StrategyError):
    title = "Not found"


class ConflictError(StrategyError):
    """Someone else changed the same record first; nothing was overwritten."""

    title = "Someone else changed this first"


class StorageError(StrategyError):
    """The database cannot be opened or used."""

    title = "The database cannot be used"
