"""What every page shares: the database, the sidebar choices, errors and safe text.

This is the only place (with the page modules) that knows about streamlit.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import altair as alt
import duckdb
import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from strategy import access, accounts, audit, people
from strategy import db as storage
from strategy.access import Identity, Permission
from strategy.errors import StorageError, StrategyError, ValidationError
from strategy.orgs import Organisation, list_organisations
from strategy.people import list_teams
from strategy.periods import Quarter, quarter_choices
from strategy.steps import Status, Step
from strategy.wording import MISSING

log = logging.getLogger(__name__)

# The app's pages by key, filled in by ``strategy.ui.navigation`` on every run
# so that pages can link to each other.
PAGES: dict[str, Any] = {}

STATUS_BADGE = {
    Status.DONE: ("Done", "green", ":material/check_circle:"),
    Status.IN_PROGRESS: ("In progress", "orange", ":material/pending:"),
    Status.NOT_STARTED: ("Not started", "gray", ":material/radio_button_unchecked:"),
    Status.UNAVAILABLE: ("Not yet available", "gray", ":material/lock:"),
}


def db() -> storage.Connection:
    """A cursor for this script run (or fragment run) on the shared connection.

    One connection for the whole server (the sign-in checks use it too); each run
    takes its own cursor, because a DuckDB connection must not be used from two
    threads at once."""
    try:
        return storage.shared_connection().cursor()
    except StorageError as exc:
        st.error(md(exc.message), icon=":material/database:")
        st.stop()
    except duckdb.FatalException:
        # A fatal error invalidates the whole database instance: reopen next run.
        storage.forget_shared()
        st.error("The database stopped working and will be reopened. Please reload the page.")
        st.stop()
    raise AssertionError("unreachable")


# --- Who is signed in --------------------------------------------------------------


def request_identity() -> Identity | None:
    """The person this browser signed in as, checked again on every run.

    The server refuses a browser without a session before the app runs; checking
    here as well means a session ended meanwhile (signed out in another tab, an
    account disabled, a workshop closed) ends at the person's next action."""
    raw = st.context.cookies.get(accounts.COOKIE_NAME)
    if not raw:
        return None
    token = accounts.unsign(accounts.signing_secret(storage.database_path()), raw,
                            accounts.session_hours() * 3600)
    if token is None:
        return None
    return accounts.identity_for(db(), token)


def session_token() -> str | None:
    raw = st.context.cookies.get(accounts.COOKIE_NAME)
    if not raw:
        return None
    return accounts.unsign(accounts.signing_secret(storage.database_path()), raw,
                           accounts.session_hours() * 3600)


def sign_in_gate() -> Identity:
    """The signed-in person, made the one acting for this run; or stop the page."""
    identity = request_identity()
    access.set_current(identity)
    if identity is None:
        token = session_token()
        if token and accounts.was_guest(db(), token):
            st.title("The workshop has ended")
            st.write("Thank you for taking part: what you added stays on the wall. To join "
                     "another workshop, use its code.")
            st.link_button("Join a workshop", "/join")
        else:
            st.title("You are signed out")
            st.write("Your session has ended: you signed out, or it expired.")
            st.link_button("Sign in again", "/signin", type="primary")
        st.stop()
    assert identity is not None
    return identity


def live_fragment(run_every: float) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """A fragment that refreshes on its own, every ``run_every`` seconds.

    Its reruns happen without the rest of the page: each checks again who is signed
    in (a workshop closed meanwhile ends here), and a failure is a message, never
    a traceback."""
    def wrap(draw: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(draw)
        def body(*args: Any, **kwargs: Any) -> None:
            with guard():
                sign_in_gate()
                draw(*args, **kwargs)
        return st.fragment(run_every=run_every)(body)
    return wrap


def me() -> Identity:
    return access.current()


def as_me(build: Callable[[], bytes]) -> Callable[[], bytes]:
    """A download's builder that acts as the person who pressed the button.

    Streamlit runs a download's builder on a worker thread of its own, where
    nobody is signed in: the identity is carried over explicitly, so permission
    checks and the access log see the right person."""
    identity = access.current()

    def run() -> bytes:
        with access.acting(identity):
            return build()
    return run


def allowed(permission: Permission) -> bool:
    """Whether the person acting may do this in the organisation chosen in the sidebar."""
    return access.allowed(permission, st.session_state.get("org_id"))


def recordable_teams(con: storage.Connection, org_id: int) -> dict[int, str] | None:
    """The teams this person may record observations and training for, by id.

    Every team (leaders, HR, administrators), a contributor's own team, no team (a
    contributor without one), or None when the role records nothing. The domain checks
    the same rule (``access.require_team``); this keeps the pickers to what will be
    accepted."""
    teams = {t.id: t.name for t in list_teams(con, org_id)}
    if allowed(Permission.RECORD_ANY_TEAM):
        return teams
    if not allowed(Permission.RECORD_OWN_TEAM):
        return None
    own = me().team_in(org_id)
    return {own: teams[own]} if own in teams else {}


def no_team(what: str) -> None:
    st.warning(f"You may record {what} for your own team only, and no team is set for you: "
               "ask an administrator to set your team.", icon=":material/group_off:")


def refused(permission: Permission, what: str) -> None:
    """Say plainly why a section is not shown (instead of leaving a gap)."""
    role = access.current().role_in(st.session_state.get("org_id"))
    label = role.label if role else "no role"
    st.info(f"{what} is not shown: your role ({label}) does not allow you to {permission}.",
            icon=":material/lock:")


# --- Sidebar: organisation, period and who is taking part ------------------------


def select_org(org_id: int | None) -> None:
    """Make ``org_id`` the selected organisation from the next script run on.

    The sidebar's selectbox owns ``org_id`` once drawn, so a page asks for the
    change here and the sidebar applies it before drawing the selectbox again.
    """
    st.session_state["_next_org"] = org_id


def sidebar() -> None:
    con = db()
    identity = access.current()
    orgs = [o for o in list_organisations(con)
            if identity.is_administrator or o.id in identity.org_ids]
    if "_next_org" in st.session_state:
        st.session_state["org_id"] = st.session_state.pop("_next_org")
    with st.sidebar:
        if orgs:
            ids = [o.id for o in orgs]
            wanted = st.session_state.get("org_id") or _query_int("org")
            if wanted not in ids:
                wanted = ids[0]
            st.session_state["org_id"] = wanted
            names = {o.id: o.name for o in orgs}
            st.selectbox("Organisation", ids, key="org_id", format_func=names.__getitem__)
        else:
            st.session_state.pop("org_id", None)
            if identity.may(Permission.MANAGE_ORGANISATIONS):
                st.caption("No organisation yet: create one on the Organisations page.")
            else:
                st.caption("You are not a member of any organisation yet: ask an administrator "
                           "to give you a role.")

        choices = quarter_choices()
        wanted_period = st.session_state.get("period") or st.query_params.get("period")
        if wanted_period not in choices:
            wanted_period = str(Quarter.current())
        st.session_state["period"] = wanted_period
        st.selectbox("Period", choices, key="period",
                     help="The quarter your dated work belongs to.")
        role = identity.role_in(st.session_state.get("org_id"))
        st.caption(f"Signed in as **{md(identity.name)}**"
                   + (f" · {role.label}" if role else ""))
        if st.button("Sign out", key="sign_out", icon=":material/logout:"):
            token = session_token()
            if token:
                accounts.end_session(con, token)
            st.rerun()
    # Keep the choices in the address so a reload or a shared link keeps them.
    params: dict[str, str] = {"period": st.session_state["period"]}
    if st.session_state.get("org_id"):
        params["org"] = str(st.session_state["org_id"])
    st.query_params.from_dict(params)


def _query_int(name: str) -> int | None:
    raw = st.query_params.get(name)
    return int(raw) if raw and raw.isdigit() else None


def current_org() -> Organisation | None:
    org_id = st.session_state.get("org_id")
    if not org_id:
        return None
    if not access.current().may(Permission.READ_PLAN, org_id) and \
            not access.current().may(Permission.VIEW_VISION, org_id):
        return None
    for org in list_organisations(db()):
        if org.id == org_id:
            return org
    return None


def require_org() -> Organisation:
    org = current_org()
    if org is None:
        if access.current().may(Permission.MANAGE_ORGANISATIONS):
            st.info("Create or choose an organisation first.")
            st.page_link(PAGES["organisations"], label="Go to Organisations",
                         icon=":material/domain:")
        else:
            st.info("You are not a member of any organisation yet: ask an administrator to "
                    "give you a role.")
        st.stop()
    return org


def period() -> Quarter:
    return Quarter.parse(st.session_state.get("period") or str(Quarter.current()))


# --- Showing text and errors safely ----------------------------------------------

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=&^\"'])")


# Streamlit's Markdown turns bare addresses (www.…, http://…, name@host) into links
# after parsing, so escaping cannot stop it; an invisible word joiner inside the
# pattern does, and the text reads the same.
_AUTOLINK = re.compile(r"(?i)(https?|ftp|mailto)(?=:)|(www)(?=\.)|(?=@)")


def md(text: object) -> str:
    """User text made literal for st.markdown: no Markdown, HTML, directives or links."""
    unlinked = _AUTOLINK.sub(lambda m: (m.group(0) or "") + "\u2060", str(text))
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", unlinked)
    # Keep line breaks as typed.
    return escaped.replace("\n", "  \n")


def flash(message: str) -> None:
    """A success message that survives the rerun that follows a save.

    Messages (like errors) are shown as plain text: they often quote what the
    person typed."""
    st.session_state["_flash"] = message


def show_flash() -> None:
    message = st.session_state.pop("_flash", None)
    if message:
        st.success(md(message), icon=":material/check:")


# --- Choosing a stored record -----------------------------------------------------------
# Streamlit 1.67 keeps a select box's choice as the text shown for it. Once a save
# renames the chosen record (a person, a segment, a recognition's text), the
# browser sends the old text back with the next action, which matches nothing: the
# choice was lost, or the page failed on it. The texts shown before are remembered
# per box, and an old text is taken back to the record it named.


def keep_choice(key: str, options: Iterable[Any], format_func: Callable[[Any], str],
                fallback: Any = None) -> None:
    """Before drawing the box ``key``: turn a choice held as an old text back into
    its record (or ``fallback`` if that record is gone), then remember the texts."""
    offered = list(options)
    seen: dict[str, Any] = st.session_state.setdefault(f"_shown_{key}", {})
    held = st.session_state.get(key)
    if isinstance(held, list):
        kept = [seen.get(v, v) if isinstance(v, str) and v not in offered else v for v in held]
        if kept != held:
            st.session_state[key] = [v for v in kept if not isinstance(v, str) or v in offered]
    elif isinstance(held, str) and held not in offered:
        record = seen.get(held, fallback)
        st.session_state[key] = record if record in offered else fallback
    if len(seen) > 5000:  # a long session of searches: start again from what is shown
        seen.clear()
    seen.update({format_func(o): o for o in offered})


def record_select(place: Any, label: str, options: list[Any], format_func: Callable[[Any], str],
                  key: str, **kwargs: Any) -> Any:
    """``place.selectbox`` over stored records, keeping its choice across renames."""
    index = kwargs.get("index", 0)
    keep_choice(key, options, format_func,
                options[index] if index is not None and len(options) > index else None)
    return place.selectbox(label, options, format_func=format_func, key=key, **kwargs)


# --- Choosing people ----------------------------------------------------------------
# A team of sixty picks from one list; twenty thousand names would be sent to the
# browser on every run, so a large organisation searches first.
SEARCH_ABOVE = 300
MATCHES_SHOWN = 50


def person_picker(con: storage.Connection, org_id: int, label: str, key: str, *,
                  multiple: bool = False, active_on: date | None = None,
                  team_ids: Iterable[int] | None = None, default: Iterable[int] = (),
                  placeholder: str | None = None, help: str | None = None,
                  select_all: bool = False) -> list[int]:
    """Choose one person (a list of at most one) or several.

    It must stand outside an ``st.form``: a search only runs when its box changes.
    ``default`` is what a new picker starts with (an edited record's people, who
    stay offered even if they have since left). ``select_all`` offers to choose every
    person listed at once (where a whole team is recorded together)."""
    teams = list(team_ids) if team_ids is not None else None
    total = people.count_employees(con, org_id, active_on, teams)
    if key in st.session_state:
        # A name changed since it was chosen comes back as its old text.
        seen = st.session_state.get(f"_shown_{key}", {})
        held = st.session_state[key]
        values = list(held or []) if multiple else ([held] if held is not None else [])
        chosen = [seen.get(v) if isinstance(v, str) else v for v in values]
        chosen = [v for v in chosen if v is not None]
    else:
        chosen = list(default)
    if total <= SEARCH_ABOVE:
        found = people.find_employees(con, org_id, "", active_on, teams)
    else:
        text = st.text_input(f"Find {label[0].lower()}{label[1:]}", key=f"{key}_find",
                             max_chars=80,
                             placeholder="Part of a name or employee number, then Enter")
        found = people.find_employees(con, org_id, text, active_on, teams,
                                      limit=MATCHES_SHOWN) if text.strip() else []
        if not text.strip():
            st.caption(f"Search among {total:,} people.")
        elif not found:
            st.caption(f"No one matches “{md(text.strip())}”.")
        elif len(found) == MATCHES_SHOWN:
            st.caption(f"The first {MATCHES_SHOWN} matches (an exact number or name "
                       "first): type more to narrow them.")
        else:
            st.caption(f"{len(found)} {'person matches' if len(found) == 1 else 'people match'}"
                       f" “{md(text.strip())}”: choose below.")
    labels = {e.id: e.label for e in found}
    missing = [i for i in chosen if i not in labels]
    if missing:
        labels.update({i: e.label for i, e in people.employees_by_id(con, org_id,
                                                                     missing).items()})
    options = [*(i for i in chosen if i in labels), *(i for i in labels if i not in chosen)]
    keep_choice(key, options, labels.__getitem__)
    extra: dict[str, Any] = {} if key in st.session_state else {"default": chosen}
    if multiple:
        picked = st.multiselect(label, options, format_func=labels.__getitem__, key=key,
                                placeholder=placeholder or "Choose people", help=help,
                                select_all=select_all, **extra)
        return list(picked)
    # The position is given on every run: a person no longer offered (another
    # organisation chosen meanwhile) leaves the box empty, never on the first name.
    one = st.selectbox(label, options, format_func=labels.__getitem__, key=key,
                       index=options.index(chosen[0]) if chosen and chosen[0] in labels
                       else None,
                       placeholder=placeholder or "Choose a person", help=help)
    return [] if one is None else [one]


def page_number(key: str, total: int, size: int, filters: object, place: Any = None) -> int:
    """The page box of a paged list (records, people, answers): back to the first
    page whenever ``filters`` change, and never past the last page."""
    pages = max(1, -(-total // size))
    seen = f"_{key}_filters"
    if st.session_state.get(seen) != filters:
        st.session_state[seen] = filters
        st.session_state[key] = 1
    elif int(st.session_state.get(key) or 1) > pages:
        st.session_state[key] = pages
    return int((place or st).number_input(f"Page (of {pages:,})", min_value=1,
                                          max_value=pages, step=1, key=key) or 1)


def showing(total: int, page: int, size: int, shown: int) -> str:
    """The end of a paged list's caption: which of the ``total`` are on screen."""
    first = (page - 1) * size + 1
    return f"; showing {first:,}–{first + shown - 1:,}." if total > size else "."


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


class EditSession:
    """One person's edit of one stored record, for optimistic saving.

    It remembers the version the person started from, so that a save made by
    someone else in the meantime is refused rather than overwritten. ``prefix``
    is the widget-key prefix; it changes when the edit restarts, because the
    browser would otherwise send back the old text for the same widgets.
    """

    def __init__(self, name: str, version: int) -> None:
        self._name = name
        self._keys = FormKeys(name)
        self.prefix = self._keys.prefix
        self.started_from: int = st.session_state.setdefault(f"_edit_ver_{name}", version)
        self.stale = self.started_from != version

    def restart(self) -> None:
        """Show the stored record afresh (after a save, or to load a newer version)."""
        self._keys.renew()
        st.session_state.pop(f"_edit_ver_{self._name}", None)

    def offer_reload(self, noun: str) -> None:
        if self.stale:
            st.info(f"Someone else has saved a newer version of this {noun}.")
            if st.button("Load the latest version", key=f"{self.prefix}_reload"):
                self.restart()
                st.rerun()


# The browser keeps showing a typed date or number that lies outside a widget's
# min/max in red, but sends the previous value with the form: the save would store
# something other than what the person sees. So date fields accept any date the
# calendar can hold, number fields have no bounds, and the domain functions refuse
# what they must, with a message beside the field.
EARLIEST_DATE, LATEST_DATE = date(1, 1, 1), date(9999, 12, 31)


def date_field(where: Any, label: str, value: date | None, key: str,
               **kwargs: Any) -> date | None:
    """A date input in ``where`` (st, a column, ...) that takes whatever date is typed."""
    chosen = where.date_input(label, value=value, key=key, format="YYYY-MM-DD",
                              min_value=EARLIEST_DATE, max_value=LATEST_DATE, **kwargs)
    return chosen if isinstance(chosen, date) else None


def show_tabs(key: str, sections: dict[str, Callable[[], None]]) -> None:
    """Tabs that stay open across saves and reruns; only the open tab is drawn.

    Without a key and state, a message shown above the tabs after a save makes
    the browser draw them anew on the first tab: the person loses their place."""
    containers = st.tabs(list(sections), key=key, on_change="rerun")
    for (_label, draw), container in zip(sections.items(), containers, strict=True):
        if container.open is not False:
            with container:
                draw()


def rerun_fragment() -> None:
    """Redraw the fragment that is running, or the whole page on a full run.

    A click inside a fragment normally reruns only the fragment, but a fragment
    also draws as part of full runs, where Streamlit refuses a fragment rerun.
    """
    ctx = get_script_run_ctx()
    if ctx is not None and ctx.fragment_ids_this_run:
        st.rerun(scope="fragment")
    st.rerun()


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


def attempt(action: Callable[[], object], errors: FieldErrors | None = None,
            success: str | None = None, rerun: bool = True) -> bool:
    """Run a user action; show any problem in words, never as a traceback."""
    try:
        action()
    except ValidationError as exc:
        if errors is not None:
            errors.show(exc)
        else:
            st.error(md(exc.message))
        return False
    except StrategyError as exc:
        st.error(md(exc.message))
        return False
    except (duckdb.OutOfRangeException, duckdb.ConversionException):
        log.exception("a value the database cannot hold")
        st.error("One of the numbers is too large (or too small) to store. Nothing was "
                 "changed: check the numbers and try again.")
        return False
    except duckdb.Error:
        log.exception("database error during a user action")
        st.error("The database could not save that. Nothing was changed; please try again.")
        return False
    if success:
        flash(success)
    if rerun:
        st.rerun()
    return True


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


# --- Tables --------------------------------------------------------------------------


def _shown(value: object, grouped: bool = False) -> str:
    if isinstance(value, float | int) and not isinstance(value, bool):
        if float(value).is_integer():
            return f"{int(value):,}" if grouped else str(int(value))
        text = f"{value:,.4f}" if grouped else f"{value:.4f}"
        return text.rstrip("0").rstrip(".")
    return str(value)


def table(rows: Any, *, key: str, column_config: dict[str, Any] | None = None,
          **kwargs: Any) -> None:
    """A table in which an empty value reads as a dash, never as "None".

    The browser's table shows every missing value as "None" (styling cannot change
    that), so a column with gaps is shown as text: numbers written plainly and
    right-aligned, dates as yyyy-mm-dd, the gaps as "—". Columns with their own
    configuration (progress bars, sparklines) draw gaps as blanks already."""
    frame = rows.copy() if isinstance(rows, pd.DataFrame) else pd.DataFrame(rows)
    config = dict(column_config or {})
    for name in frame.columns:
        column = frame[name]
        kind = config[name].get("type_config", {}) if name in config else {}
        if (name in config and kind.get("type") != "number") or not column.isna().any():
            continue
        numeric = pd.api.types.is_numeric_dtype(column)
        grouped = kind.get("format") == "localized"
        frame[name] = [MISSING if pd.isna(v) else _shown(v, grouped) for v in column]
        if numeric:
            config[name] = st.column_config.TextColumn(alignment="right")
    kwargs.setdefault("hide_index", True)
    st.dataframe(frame, key=key, column_config=config, **kwargs)


# --- Page furniture ----------------------------------------------------------------

# Whole numbers of people or things: no fractional ticks.
COUNT_AXIS = alt.Axis(format=",d", tickMinStep=1)


def value_scale(values: Iterable[float | None], zero: bool = True) -> alt.Scale:
    """A chart scale that still reads well when every value is the same.

    With a single value (all zero, typically) Vega-Lite draws an axis of one point
    and labels it with long decimals such as 0.000000; a small span around it reads
    plainly instead."""
    present = [float(v) for v in values if v is not None and v == v]
    if present and min(present) == max(present):
        value = present[0]
        low, high = (0.0, max(value, 1.0)) if zero and value >= 0 else (value - 1, value + 1)
        return alt.Scale(domain=[low, high])
    return alt.Scale(zero=zero)



def step_header(step: Step, status: Status) -> None:
    label, colour, icon = STATUS_BADGE[status]
    st.title(f"Step {step.number} · {step.title}")
    st.badge(label, color=colour, icon=icon)  # type: ignore[arg-type]
    st.caption(f"{step.purpose} **Done when:** {step.done_when}")
    show_flash()
