"""A shared panel for spreadsheet imports: the template, the upload, the check, the import."""

from __future__ import annotations

import streamlit as st

from strategy import imports
from strategy.db import Connection
from strategy.errors import StrategyError
from strategy.tabular import read_table
from strategy.ui import context as ui

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LABELS = {"employees": "staff", "measures": "measure values", "responses": "survey answers",
          "recognition": "recognition records"}


def template_button(kind: str) -> None:
    st.download_button(f"Download the {LABELS[kind]} template (.xlsx)", imports.template(kind),
                       file_name=f"{kind}-template.xlsx", mime=XLSX, on_click="ignore",
                       key=f"template_{kind}", icon=":material/download:")


def import_panel(con: Connection, org_id: int, kind: str) -> None:
    """Upload the template (or a CSV with its columns), see every row checked, import."""
    template_button(kind)
    generation = st.session_state.setdefault(f"{kind}_import_generation", 0)
    upload = st.file_uploader(f"File of {LABELS[kind]}", type=["xlsx", "csv", "txt"],
                              key=f"{kind}_import_file_{generation}")
    if upload is None:
        return
    try:
        table = read_table(upload.name, upload.getvalue(), imports.SHEETS[kind])
        if kind == "measures":
            checked = [(r.line, r.problems) for r in imports.preview_measure_values(
                con, org_id, table)]
        else:
            checked = [(r.line, r.problems) for r in imports.preview_recognition(
                con, org_id, table)]
    except StrategyError as exc:
        st.error(ui.md(exc.message))
        return
    bad = [(line, problems) for line, problems in checked if problems]
    if not checked:
        st.error(ui.md(f"{table.where()} has a header row but no rows to import."))
        return
    if bad:
        listed = "\n".join(f"- Line {line}: {ui.md(' '.join(p))}" for line, p in bad[:25])
        st.error(f"**{len(bad)} of {len(checked)} rows need fixing; nothing will be imported "
                 f"until every row is right.**\n\n{listed}", icon=":material/error:")
    else:
        st.success(f"All {len(checked):,} rows are ready to import.", icon=":material/check:")
    reason = ui.reason_field(con, org_id, f"{kind}_import_reason")
    if st.button(f"Import {len(checked):,} {LABELS[kind]}", type="primary", disabled=bool(bad),
                 key=f"{kind}_import_button"):
        def run() -> None:
            count = imports.run_import(con, org_id, kind, upload.name, upload.getvalue(),
                                       reason=reason or None)
            st.session_state[f"{kind}_import_generation"] = generation + 1
            ui.flash(f"Imported {count:,} {LABELS[kind]} from {upload.name}.")
        ui.attempt(run)
