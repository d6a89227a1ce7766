"""Forms and the errors of what people do: each save's outcome, in words.

A form starts empty after a successful add (new widget keys), an edit is saved
only over the version it started from, a reviewed quarter asks for a reason,
and any failure — while saving or while drawing a page — is shown as a message
beside its field or above the form, never as a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import duckdb
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from strategy.core import audit
from strategy.core import db as storage
from strategy.core.errors import StrategyError, ValidationError
from strategy.core.safe_text import md

log = logging.getLogger(__name__)


def flash(message: str) -> None:
    """A success message that survives the rerun that follows a save.

    Messages (like errors) are shown as plain text: they often quote what the
    person typed."""
    st.session_state["_flash"] = message


def show_flash() -> None:
    # Forgotten once shown, not before: a rerun asked for meanwhile (a refresh, another
    # press) stops this run at the message, and the run that follows must still say it.
    message = st.session_state.get("_flash")
    if message:
        st.success(md(message), icon=":material/check:")
    st.session_state.pop("_flash", None)


class FormKeys:
    """Widget keys for a form that shows a fresh start after each successful save.

    Deleting a widget's state on the server does not clear what the browser
    shows: the browser sends its old value back with the next submit, so the next
    record would silently inherit the last one's fields. A form is emptied by
    giving its widgets new keys instead: the generation number in ``prefix``.
    """

    def __init__(self, name: str) -> None:
        self._counter = f"_form_gen_{name}"
        self.prefix = f"{name}_{st.session_state.setdefault(self._counter, 0)}"

    def __call__(self, field: str) -> str:
        return f"{self.prefix}_{field}"

    def renew(self) -> None:
        """Draw the form afresh from the next run on (after a successful add)."""
        st.session_state[self._counter] = st.session_state.get(self._counter, 0) + 1


class Draft:
    r"""What has been typed into a form drawn in a tab, kept while the person looks at
    another tab.

    Streamlit forgets a widget's value when a run does not draw it, and a tab's
    widgets are drawn only while it is open: without this, a half-filled record is
    lost by glancing at another tab. The fields read their starting values through
    :meth:`get` and :meth:`keep` notes them after each run; a saved record
    :meth:`clear`\ s it. (Fields inside ``st.form`` reach the server only when it is
    submitted, so a form kept this way draws its fields outside one.)"""

    def __init__(self, name: str) -> None:
        self._store = f"_draft_{name}"

    def get(self, key: str, default: Any) -> Any:
        return st.session_state.get(self._store, {}).get(key, default)

    def keep(self, keys: Iterable[str]) -> None:
        st.session_state[self._store] = {k: st.session_state[k] for k in keys
                                         if k in st.session_state}

    def clear(self) -> None:
        st.session_state.pop(self._store, None)


def _own_versions() -> dict[str, int]:
    """Versions of records that this person's own saves made, by record ("segment:12")."""
    found: dict[str, int] = st.session_state.setdefault("_own_versions", {})
    return found


class EditSession:
    """One person's edit of one stored record, for optimistic saving.

    It remembers the version the person started from, so that a save made by
    someone else in the meantime is refused rather than overwritten. ``prefix``
    is the widget-key prefix; it changes when the edit restarts, because the
    browser would otherwise send back the old text for the same widgets.
    """

    def __init__(self, name: str, version: int, record: str | None = None) -> None:
        self._name = name
        self._record = record
        self._keys = FormKeys(name)
        self.prefix = self._keys.prefix
        self.started_from: int = st.session_state.setdefault(f"_edit_ver_{name}", version)
        if self.started_from != version and record is not None \
                and _own_versions().get(record) == version:
            # The newer version is this person's own, saved on another page or by
            # another action: carry on from it (issue 22: "someone else saved" was
            # shown to people about their own saves).
            self.started_from = st.session_state[f"_edit_ver_{name}"] = version
        self.stale = self.started_from != version

    def restart(self, saved_as: int | None = None) -> None:
        """Show the stored record afresh (after a save, or to load a newer version).
        ``saved_as``: the version this person's save made, for their other forms of
        the same record."""
        self._keys.renew()
        st.session_state.pop(f"_edit_ver_{self._name}", None)
        if saved_as is not None and self._record is not None:
            _own_versions()[self._record] = saved_as

    def moved_on(self, version: int) -> None:
        """This person's own action (not this form) saved the record as ``version``:
        carry on from it, keeping what they may have typed in this form."""
        st.session_state[f"_edit_ver_{self._name}"] = version
        if self._record is not None:
            _own_versions()[self._record] = version

    def offer_reload(self, noun: str) -> None:
        if self.stale:
            st.info(f"Someone else has saved a newer version of this {noun}.")
            if st.button("Load the latest version", key=f"{self.prefix}_reload"):
                self.restart()
                st.rerun()


class FieldErrors:
    """Slots beside form fields where a validation message appears."""

    def __init__(self) -> None:
        self._slots: dict[str, Any] = {}

    def slot(self, *fields: str) -> None:
        holder = st.empty()
        for field in fields:
            self._slots[field] = holder

    def show(self, error: ValidationError) -> None:
        unplaced = []
        for field, message in error.fields.items():
            if field in self._slots:
                self._slots[field].error(md(message))
            else:
                unplaced.append(message)
        if unplaced:
            st.error(md(" ".join(unplaced)))


def reason_field(con: storage.Connection, org_id: int, key: str,
                 errors: FieldErrors | None = None) -> str:
    """A place to say why a reviewed (locked) quarter must change; shown only when
    some quarter is locked, so it does not clutter a plan that has no reviews yet."""
    locked = sorted(audit.locked_quarters(con, org_id))
    if not locked:
        return ""
    text = st.text_input(f"Reason, if this changes a reviewed quarter ({', '.join(locked)})",
                         key=key, max_chars=300)
    if errors is not None:
        errors.slot("reason")
    return str(text)


# Run before every action (session.recheck: who is signed in, read afresh).
before_action: list[Callable[[], None]] = []


def _outcome(action: Callable[[], object]) -> StrategyError | None:
    """Run a user action after the checks every action gets; its failure, in words."""
    try:
        for check in before_action:
            check()
        action()
    except StrategyError as exc:
        return exc
    except (duckdb.OutOfRangeException, duckdb.ConversionException):
        log.exception("a value the database cannot hold")
        return StrategyError("One of the numbers is too large (or too small) to store. "
                             "Nothing was changed: check the numbers and try again.")
    except duckdb.Error:
        log.exception("database error during a user action")
        return StrategyError("The database could not save that. Nothing was changed; "
                             "please try again.")
    return None


def attempt(action: Callable[[], object], errors: FieldErrors | None = None,
            success: str | None = None, rerun: bool = True) -> bool:
    """Run a user action; show any problem in words, never as a traceback."""
    problem = _outcome(action)
    if isinstance(problem, ValidationError) and errors is not None:
        errors.show(problem)
        return False
    if problem is not None:
        st.error(md(problem.message))
        return False
    if success:
        flash(success)
    if rerun:
        st.rerun()
    return True


def on_press(action: Callable[[], object], slot: str) -> Callable[[], None]:
    """A button's ``on_click`` that runs ``action`` as :func:`attempt` does.

    A callback runs for every button pressed since the page was last drawn, before
    the page is drawn again: a press on a button that the same refresh moves or
    takes away (a card on a live wall), or one that arrives with another press, is
    not lost, as a press read from the button's return value can be. A problem is
    kept for :func:`show_problem` to show where the page draws ``slot``."""
    def run() -> None:
        problem = _outcome(action)
        if problem is not None:
            st.session_state[f"_problem_{slot}"] = problem.message
    return run


def show_problem(slot: str) -> None:
    """The problem a pressed button's action met (see :func:`on_press`), once."""
    message = st.session_state.get(f"_problem_{slot}")
    if message:
        st.error(md(message))  # as show_flash: forgotten once shown
    st.session_state.pop(f"_problem_{slot}", None)


@contextmanager
def guard() -> Iterator[None]:
    """Turn any failure while drawing a page into a message, not a traceback."""
    try:
        yield
    except StrategyError as exc:
        st.error(md(exc.message))
    except duckdb.FatalException:
        storage.forget_shared()
        st.error("The database stopped working and will be reopened. Please reload the page.")
    except duckdb.Error as exc:
        log.exception("database error while drawing a page")
        text = str(exc).lower()
        if "corrupt" in text or "checksum" in text or "could not read enough bytes" in text:
            # Damage deep in the file shows only when a page reads that part.
            st.error("The database file is damaged, so this page cannot be shown. Nothing was "
                     "changed. An administrator can restore the latest backup: stop the app, "
                     "then run python -m strategy restore FILE.", icon=":material/database:")
        else:
            st.error("Something went wrong while showing this page. Nothing was changed. "
                     "Reload the page; if it happens again, tell whoever runs this app.")
    except Exception:
        # Streamlit's own stop and rerun signals are BaseExceptions and pass through.
        log.exception("unexpected error while drawing a page")
        st.error("Something went wrong while showing this page. Nothing was changed. Reload "
                 "the page; if it happens again, tell whoever runs this app.")


def rerun_fragment() -> None:
    """Redraw the fragment that is running, or the whole page on a full run.

    A click inside a fragment normally reruns only the fragment, but a fragment
    also draws as part of full runs, where Streamlit refuses a fragment rerun.
    """
    ctx = get_script_run_ctx()
    if ctx is not None and ctx.fragment_ids_this_run:
        st.rerun(scope="fragment")
    st.rerun()
