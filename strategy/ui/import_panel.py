"""A shared panel for spreadsheet imports: the template, the upload, the check, the import."""

from __future__ import annotations

import functools
from typing import Any

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from strategy.core.db import Connection
from strategy.core.errors import StrategyError
from strategy.core.safe_text import md
from strategy.io import imports
from strategy.io.tabular import Table, read_table
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
        table = read_table(uploaded.name, uploaded.getvalue(), imports.SHEETS[kind])
    except StrategyError as exc:
        st.error(md(exc.message))
        return None
    if not table.rows:
        st.error(md(f"{table.where()} has a header row but no rows to import."))
        return None
    return uploaded, table


def column_choices(file_id: str, headers: list[str], fields: dict[str, tuple[str, bool, Any]],
                   guessed: dict[str, str | None], prefix: str,
                   errors: forms.FieldErrors) -> dict[str, str | None]:
    """Which column of the file holds each field: a box per field, starting from the
    guess, in three columns. The keys include the file, so a new file starts from fresh
    guesses."""
    options: list[str | None] = [None, *headers]
    mapping: dict[str, str | None] = {}
    with st.expander("Columns", expanded=True):
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
