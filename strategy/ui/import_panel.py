"""A shared panel for spreadsheet imports: the template, the upload, the check, the import."""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from typing import Any

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from strategy.core.db import Connection
from strategy.core.errors import StrategyError
from strategy.core.safe_text import md
from strategy.io import dates, imports, sources
from strategy.io import mapping as mapping_
from strategy.io.complaints_import import said_kind
from strategy.io.mapping import LEAVE_OUT
from strategy.io.tabular import Table, normalise_header, read_table, text
from strategy.measures.complaints import FEEDBACK_CHANNELS
from strategy.ui import forms

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LABELS = {"employees": "staff", "measures": "measure values", "responses": "survey answers",
          "recognition": "recognition records", "complaints": "complaints and compliments"}


def template_button(kind: str) -> None:
    # Written when pressed, not on every run of the page.
    st.download_button(f"Download the {LABELS[kind]} template (.xlsx)",
                       functools.partial(imports.template, kind),
                       file_name=f"{kind}-template.xlsx", mime=XLSX, on_click="ignore",
                       key=f"template_{kind}", icon=":material/download:")


def upload(kind: str, label: str, key: str) -> tuple[UploadedFile, Table] | None:
    """The uploader and the file read as a table, or None (with the reason shown).

    The uploader's key changes after each import (see ``done``) so it empties
    for the next file."""
    generation = st.session_state.setdefault(f"{key}_generation", 0)
    uploaded = st.file_uploader(label, type=["xlsx", "csv", "txt"],
                                key=f"{key}_{generation}")
    if uploaded is None:
        return None
    try:
        table = read_table(uploaded.name, uploaded.getvalue(), imports.SHEETS[kind],
                           imports.recognise(kind))
    except StrategyError as exc:
        st.error(md(exc.message))
        return None
    if not table.rows:
        st.error(md(f"{table.where()} has a header row but no rows to import."))
        return None
    return uploaded, table


def column_choices(file_id: str, headers: list[str], fields: dict[str, tuple[str, bool, Any]],
                   guessed: dict[str, str | None], prefix: str,
                   errors: forms.FieldErrors, expanded: bool = True) -> dict[str, str | None]:
    """Which column of the file holds each field: a box per field, starting from the
    guess, in three columns. The keys include the file, so a new file starts from fresh
    guesses."""
    options: list[str | None] = [None, *headers]
    mapping: dict[str, str | None] = {}
    with st.expander("Columns", expanded=expanded):
        columns = st.columns(3)
        for index, (name, (label, required, _synonyms)) in enumerate(fields.items()):
            guess = guessed.get(name)
            mapping[name] = columns[index % 3].selectbox(
                label + (" *" if required else ""), options,
                index=options.index(guess) if guess in options else 0,
                format_func=lambda c: "— not in the file —" if c is None else c,
                key=f"{prefix}_{file_id}_{name}")
        errors.slot(*fields, "mapping")
    return mapping


# What a field's values may be said to mean, in the panel's "Values" boxes.
MEANINGS: dict[str, dict[str, list[str]]] = {
    "complaints": {"kind": ["complaint", "compliment", LEAVE_OUT],
                   "channel": list(FEEDBACK_CHANNELS),
                   "status": ["open", "solved", LEAVE_OUT]},
    "employees": {"leave_kind": ["voluntary", "involuntary"]},
    "responses": {},
}
AS_IN_FILE = "(as the file says)"
VALUES_SHOWN = 25


@dataclass
class Setup:
    """What the person chose for one file: handed to the import as it is."""

    table: Table
    plan: mapping_.Plan
    source: str | None
    columns: dict[str, str | None]
    values: dict[str, dict[str, str]]
    date_order: str | None
    save: bool


def mapped_setup(con: Connection, org_id: int, kind: str, file_id: str, table: Table,
                 prefix: str, errors: forms.FieldErrors) -> Setup | None:
    """The system the file came from, its columns, what its values mean and which way
    round its dates are: recognised or saved, shown, and open to change. None (with
    the reason shown) while the file cannot be read as chosen."""
    module = imports.MAPPED[kind]
    options: list[str | None] = [None, *(s.key for s in sources.for_kind(kind))]
    detected = sources.detect(kind, table.headers)
    chosen = st.selectbox(
        "Exported from", options, key=f"{prefix}_source_{file_id}",
        format_func=lambda k: (f"Recognised: {detected.name}" if detected else
                               "Not recognised: our template or columns you choose")
        if k is None else sources.BY_KEY[k].name,
        help="Which system wrote the file. Its own headings, values and dates are then read "
             "as that system writes them.")
    source_key = chosen or (detected.key if detected else None)
    try:
        # ``read_plan`` drops the heading rows under the headings (Qualtrics' question
        # texts): from the file as read, once, for each plan.
        shown, plan = imports.read_plan(con, org_id, kind, table, source=source_key)
    except StrategyError as exc:
        st.error(md(exc.message))
        return None
    if plan.saved:
        saved = mapping_.saved_mapping(con, org_id, kind, source_key)
        if saved is not None:
            st.caption(f"Using the choices saved by {md(saved.saved_by)} on "
                       f"{saved.saved_at:%Y-%m-%d}.")
    key = f"{prefix}_{source_key or 'none'}_{file_id}"
    columns = column_choices(key, shown.headers, module.FIELDS, plan.columns, prefix, errors,
                             expanded=not plan.saved)
    values = _value_choices(kind, shown, columns, plan, key)
    orders: list[str | None] = [None, *dates.ORDERS]
    date_order = st.radio(
        "Dates", orders, index=0, key=f"{key}_dates", horizontal=True,
        format_func=lambda o: "Decided from the file" if o is None else
        dates.ORDER_LABELS[o].capitalize(),
        help="A column with a day over 12 says its own order. One in which every date "
             "could be read either way (03/04/2026) needs you to say which way round it is, "
             "unless a saved choice or the organisation's setting says it.")
    if plan.date_order:
        st.caption(f"Where a column cannot tell: {dates.ORDER_LABELS[plan.date_order]}"
                   + (" (saved with these choices)." if plan.saved_order else "."))
    save = st.checkbox(f"Save these choices for the next file from "
                       f"{sources.BY_KEY[source_key].name if source_key else 'this kind of file'}",
                       key=f"{key}_save", value=False)
    try:
        shown, plan = imports.read_plan(con, org_id, kind, table, source=source_key,
                                        columns=columns, values=values,
                                        date_order=date_order)
        mapping_.decide_dates(shown, plan, module.DATE_FIELDS, module.LABELS)
    except StrategyError as exc:
        st.error(md(exc.message))
        return None
    st.caption(md(plan.described()))
    return Setup(shown, plan, source_key, columns, values, date_order, save)


def _value_choices(kind: str, table: Table, columns: dict[str, str | None],
                   plan: mapping_.Plan, key: str) -> dict[str, dict[str, str]]:
    """A box for each value of a field whose meaning is not plain: ticket types,
    channels, statuses, leaver types."""
    meanings = MEANINGS.get(kind, {})
    chosen: dict[str, dict[str, str]] = {}
    shown = [(name, columns[name]) for name in meanings if columns.get(name)]
    if not shown:
        return chosen
    with st.expander("Values", expanded=True):
        st.caption("What each value in the file means here. Rows whose value is left out "
                   "are counted, not imported.")
        for name, column in shown:
            assert column is not None
            index = table.headers.index(column)
            counts = Counter(text(r[index]) for r in table.rows if text(r[index]))
            if not counts:
                continue
            st.markdown(f"**{md(column)}** ({md(module_label(kind, name))})")
            boxes = st.columns(3)
            for position, (value, n) in enumerate(counts.most_common(VALUES_SHOWN)):
                current = _meaning(plan.reading, kind, name, value)
                options = [AS_IN_FILE, *meanings[name]]
                picked = boxes[position % 3].selectbox(
                    f"{value} ({n:,})", options,
                    index=options.index(current) if current in options else 0,
                    key=f"{key}_value_{name}_{value}")
                if picked != AS_IN_FILE:
                    chosen.setdefault(name, {})[normalise_header(value)] = picked
            if len(counts) > VALUES_SHOWN:
                st.caption(f"{len(counts) - VALUES_SHOWN} more values: map them on the "
                           "command line with --value.")
    return chosen


def repeat_box(con: Connection, org_id: int, kind: str, data: bytes, unkeyed: bool,
               key: str) -> bool:
    """A file without record keys that was imported before: say so, and import it
    again only if the person ticks the box."""
    if not unkeyed:
        return False
    before = imports.imported_before(con, org_id, kind, data)
    if before is None:
        st.caption("The file has no record keys (ticket numbers, response ids): importing "
                   "it again would add its rows again.")
        return False
    st.warning(md(f"This file was imported before: {before}. Importing it again would count "
                  "its rows a second time."), icon=":material/content_copy:")
    return bool(st.checkbox("Import it again anyway", key=key))


def _meaning(reading: mapping_.Reading, kind: str, name: str, value: str) -> str | None:
    """What the import will take ``value`` to mean, as the box should first show it:
    a value named in the mapping, else one that says it itself (a tag "complaint"),
    else what "any other value" says."""
    named = reading.value(name, value, any_other=False)
    if named is not None:
        return named
    if kind == "complaints" and name == "kind" and said_kind(value, None):
        return None
    return reading.value(name, value)


def module_label(kind: str, name: str) -> str:
    return str(imports.MAPPED[kind].FIELDS[name][0])


def done(key: str) -> None:
    st.session_state[f"{key}_generation"] = st.session_state.get(f"{key}_generation", 0) + 1


def show_problems(bad: list[tuple[int, list[str]]], total: int) -> None:
    if bad:
        listed = "\n".join(f"- Line {line}: {md(' '.join(p))}" for line, p in bad[:25])
        more = f"\n\n… and {len(bad) - 25} more rows." if len(bad) > 25 else ""
        st.error(f"**{len(bad)} of {total} rows need fixing; nothing will be imported until "
                 f"every row is right.**\n\n{listed}{more}", icon=":material/error:")
    else:
        st.success(f"All {total:,} rows are ready to import.", icon=":material/check:")


def import_panel(con: Connection, org_id: int, kind: str) -> None:
    """Upload the template (or a CSV with its columns), see every row checked, import."""
    template_button(kind)
    key = f"{kind}_import_file"
    got = upload(kind, f"File of {LABELS[kind]}", key)
    if got is None:
        return
    uploaded, table = got
    try:
        if kind == "measures":
            checked = [(r.line, r.problems) for r in imports.preview_measure_values(
                con, org_id, table)]
        else:
            checked = [(r.line, r.problems) for r in imports.preview_recognition(
                con, org_id, table)]
    except StrategyError as exc:
        st.error(md(exc.message))
        return
    bad = [(line, problems) for line, problems in checked if problems]
    show_problems(bad, len(checked))
    reason = forms.reason_field(con, org_id, f"{kind}_import_reason")
    if st.button(f"Import {len(checked):,} {LABELS[kind]}", type="primary", disabled=bool(bad),
                 key=f"{kind}_import_button"):
        def run() -> None:
            count = imports.run_import(con, org_id, kind, uploaded.name, uploaded.getvalue(),
                                       reason=reason or None)
            done(key)
            forms.flash(f"Imported {count:,} {LABELS[kind]} from {uploaded.name}.")
        forms.attempt(run)
