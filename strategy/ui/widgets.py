"""Widgets every page uses: record and people pickers, paged tables, date fields,
tabs that keep their place, chart scales and the step header.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from strategy.core import db as storage
from strategy.core.safe_text import md
from strategy.core.wording import MISSING
from strategy.people import personnel
from strategy.plan.steps import Status, Step
from strategy.ui.forms import show_flash

STATUS_BADGE = {
    Status.DONE: ("Done", "green", ":material/check_circle:"),
    Status.IN_PROGRESS: ("In progress", "orange", ":material/pending:"),
    Status.NOT_STARTED: ("Not started", "gray", ":material/radio_button_unchecked:"),
    Status.UNAVAILABLE: ("Not yet available", "gray", ":material/lock:"),
}


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
    elif held is None and key in st.session_state and None not in offered:
        # Drawn before there was anything to choose (the first value, the first team):
        # without this the box stays empty once there is.
        del st.session_state[key]
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
    total = personnel.count_employees(con, org_id, active_on, teams)
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
        found = personnel.find_employees(con, org_id, "", active_on, teams)
    else:
        text = st.text_input(f"Find {label[0].lower()}{label[1:]}", key=f"{key}_find",
                             max_chars=80,
                             placeholder="Part of a name or employee number, then Enter")
        found = personnel.find_employees(con, org_id, text, active_on, teams,
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
        labels.update({i: e.label for i, e in personnel.employees_by_id(con, org_id,
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


def people_or_team(con: storage.Connection, org_id: int, label: str, key: str, *,
                   active_on: date, team_ids: Iterable[int] | None = None) -> list[int]:
    """Choose people one by one, or a whole team's current staff at once (a team
    briefed together, a course taken together). ``team_ids`` limits both to the teams
    this person may record for."""
    allowed = set(team_ids) if team_ids is not None else None
    teams = {t.id: t.name for t in personnel.list_teams(con, org_id)
             if allowed is None or t.id in allowed}
    whole = st.radio(label, ["People", "A whole team"], horizontal=True, key=f"{key}_mode",
                     help="A whole team records everyone in it who is on the staff today.")
    if whole == "People":
        return person_picker(con, org_id, "People", key, multiple=True, active_on=active_on,
                             team_ids=list(allowed) if allowed is not None else None,
                             select_all=True)
    team_id = st.selectbox("Team", list(teams), format_func=teams.__getitem__,
                           key=f"{key}_team", index=None, placeholder="Choose a team")
    if team_id is None:
        return []
    ids = personnel.staff_ids(con, org_id, team_id, active_on)
    st.caption(f"{len(ids):,} {'person' if len(ids) == 1 else 'people'} on the staff of "
               f"{md(teams[team_id])} today.")
    return ids


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


def base_url() -> str:
    """This server's address as the browser sees it (for links to give to others)."""
    from urllib.parse import urlsplit

    parts = urlsplit(st.context.url or "")
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""
