"""Step 10 — measure regularly: the scorecard, employees and customers side by side,
values, survey responses, measure definitions and due updates."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd
import streamlit as st

from strategy.core import audit
from strategy.core.access import Permission
from strategy.core.db import Connection
from strategy.core.errors import ValidationError
from strategy.core.periods import Quarter
from strategy.core.safe_text import md
from strategy.core.wording import WHOLE_UNITS, counted, measure_value
from strategy.customers import segments
from strategy.io import imports, value_grid
from strategy.io.survey_import import preview_responses
from strategy.measures import scorecard
from strategy.measures.scorecard import (
    CADENCES,
    DERIVED,
    SOURCES,
    SURVEY_UNITS,
    UNITS,
    Measure,
    MeasureInput,
)
from strategy.measures.surveys import KINDS as SURVEY_KINDS
from strategy.people import personnel
from strategy.plan.steps import step
from strategy.ui import charts, forms, session, sidebar, widgets
from strategy.ui.import_panel import (
    done,
    import_panel,
    mapped_setup,
    repeat_box,
    show_problems,
    template_button,
    upload,
)

STEP = step("measures")
# Derived figures that count members of staff: none without the staff records.
STAFF_FIGURES = {"turnover", "retention", "training_coverage", "recognition_per_head",
                 "compliance_rate"}
STATUS_COLOURS = {"green": "background-color: #d7f0dd", "amber": "background-color: #fff1c2",
                  "red": "background-color: #f9d6d5"}


def render() -> None:
    con = session.db()
    org = sidebar.require_org()
    widgets.step_header(STEP, STEP.status(con, org.id))
    period = sidebar.period()
    defined = scorecard.list_measures(con, org.id)
    editor = session.allowed(Permission.EDIT_PLAN)

    def needs_measures(draw: Callable[[], None]) -> Callable[[], None]:
        def no_measures() -> None:
            st.info("No measures yet." + (
                " Start from the suggested set of customer and employee measures (Measures "
                "tab), then adjust targets to your own." if editor else ""))
        return draw if defined else no_measures

    sections = {
        "Scorecard": needs_measures(lambda: _scorecard(con, org.id, period)),
        "Employees and customers side by side": needs_measures(
            lambda: _side_by_side(con, org.id, period, defined)),
        "Enter values": needs_measures(lambda: _enter_values(con, org.id, defined, period)),
        "Survey responses": lambda: _surveys(con, org.id, period),
        "Measures": lambda: _definitions(con, org.id, defined),
        "Due updates": lambda: _due(con, org.id),
    }
    if not editor:
        # Entering values is all that tab does; the scorecard shows what was entered.
        del sections["Enter values"]
        session.refused(Permission.EDIT_PLAN, "Entering values, importing answers and defining "
                                         "measures")
    widgets.show_tabs("measures_tab", sections)


def scope_options(con: Connection, org_id: int) -> dict[str, str]:
    options = {"all": "Whole organisation"}
    options.update({f"team:{t.id}": f"Team: {t.name}" for t in personnel.list_teams(con, org_id)})
    options.update({f"segment:{s.id}": f"Segment: {s.name}"
                    for s in segments.list_segments(con, org_id)})
    return options


def _number(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    if unit in WHOLE_UNITS:
        return measure_value(value, unit)
    return f"{value:,.1f}".rstrip("0").rstrip(".")


def scorecard_frame(rows: list[scorecard.ScorecardRow]) -> pd.DataFrame:
    return pd.DataFrame([{
        # The status beside the name: last, a long name or basis pushed it out of sight.
        "Measure": r.measure.name, "Status": r.status, "Unit": r.measure.unit,
        "Target": ("≥ " if r.measure.direction == "higher" else "≤ ") + _number(
            r.measure.target, r.measure.unit) if r.measure.target is not None else "no target",
        "Actual": _number(r.actual.value, r.measure.unit) or "—",
        "Based on": r.actual.detail + (" · small sample" if r.small_sample else ""),
        "Previous": _number(r.previous, r.measure.unit) or "—",
        "Change": measure_value(r.change, r.measure.unit, signed=True),
        # The sparkline joins the quarters that have a value; gaps are skipped.
        "Trend": [v for v in r.trend if v is not None]} for r in rows])


def show_scorecard(rows: list[scorecard.ScorecardRow], key: str) -> None:
    frame = scorecard_frame(rows)
    styled = frame.style.map(lambda s: STATUS_COLOURS.get(s, "color: #6b6b6b"),
                             subset=["Status"])
    st.dataframe(styled, hide_index=True, width="stretch", key=key,
                 column_config={
                     # Fixed widths: a long measure name is cut (its cell shows it whole),
                     # never the status.
                     "Measure": st.column_config.TextColumn(width=220),
                     "Status": st.column_config.TextColumn(width=80),
                     "Trend": st.column_config.LineChartColumn("Last 8 quarters",
                                                               width="small")})


def _scorecard(con: Connection, org_id: int, period: Quarter) -> None:
    options = scope_options(con, org_id)
    scope = st.selectbox("For", list(options), format_func=options.__getitem__,
                         key="scorecard_scope")
    rows = scorecard.scorecard(con, org_id, period, scope)
    counts = {s: sum(r.status == s for r in rows) for s in scorecard.STATUSES}
    cols = st.columns(5)
    for col, name in zip(cols, scorecard.STATUSES, strict=True):
        col.metric(name.capitalize(), counts[name])
    for side, title in (("customer", "Customer measures"), ("employee", "Employee measures")):
        mine = [r for r in rows if r.measure.side == side]
        st.subheader(title, anchor=False)
        if mine:
            show_scorecard(mine, key=f"scorecard_{side}")
        else:
            st.caption(f"No {side} measures yet.")
    from_staff = [r.measure.name for r in rows if r.measure.source == "derived"
                  and r.measure.formula in STAFF_FIGURES and r.actual.value is None]
    if from_staff and not personnel.count_employees(con, org_id):
        st.info(", ".join(md(n) for n in from_staff) + " are counted from the staff records, "
                "which HR or an administrator keeps under People and teams: there are none "
                "yet.", icon=":material/badge:")
    small = [r.measure.name for r in rows if r.small_sample]
    if small:
        threshold = scorecard.small_sample_threshold(con, org_id)
        st.warning(f"Fewer than {threshold} answers behind: " + ", ".join(md(s) for s in small)
                   + ". Treat these figures with care.", icon=":material/warning:")
    st.caption(f"Actuals for {period}. Green: target met. Amber: within the amber band of the "
               "target. Red: beyond it. Measures without a target or without data are not "
               "judged. A monthly measure shows its latest month in the quarter.")


def _side_by_side(con: Connection, org_id: int, period: Quarter,
                  defined: list[Measure]) -> None:
    employee = {m.id: m.name for m in defined if m.side == "employee"}
    customer = {m.id: m.name for m in defined if m.side == "customer"}
    if not employee or not customer:
        st.info("Define at least one employee and one customer measure.")
        return
    options = scope_options(con, org_id)
    a, b, c = st.columns(3)
    scope = c.selectbox("For", list(options), format_func=options.__getitem__, key="sbs_scope")
    quarters = [period.shift(-n) for n in range(7, -1, -1)]
    labels = [str(q) for q in quarters]
    # It opens on the pair with the most quarters in common, not on whichever was
    # defined first (which may have no data yet); a choice made stays made.
    best = scorecard.default_pair(con, org_id, defined, quarters, scope)
    assert best is not None  # both sides have a measure
    pick_e = widgets.record_select(a, "Employee measure (left axis, solid line)",
                                   list(employee), employee.__getitem__, "sbs_employee",
                                   index=list(employee).index(best[0]))
    pick_c = widgets.record_select(b, "Customer measure (right axis, dashed line)",
                                   list(customer), customer.__getitem__, "sbs_customer",
                                   index=list(customer).index(best[1]))
    by_id = {m.id: m for m in defined}
    emp, cust = by_id[pick_e], by_id[pick_c]
    actuals = scorecard.actual_series(con, org_id, [emp, cust], quarters, scope)
    series = {mid: [a.value for a in found] for mid, found in actuals.items()}
    shown = sum(v is not None for v in [*series[pick_e], *series[pick_c]])
    if not shown:
        st.info(f"No values for {md(emp.name)} or {md(cust.name)} in {labels[0]} – "
                f"{labels[-1]}.")
    else:
        st.altair_chart(charts.side_by_side_chart(
            labels, (emp.name, emp.unit, series[pick_e]),
            (cust.name, cust.unit, series[pick_c])).properties(height=340),
            width="stretch", key="sbs_chart")
        both = scorecard.paired(series[pick_e], series[pick_c])
        st.caption(f"{shown} values over {labels[0]} – {labels[-1]} for "
                   f"{md(options[scope])}; {counted(both, 'quarter')} with both. Each measure "
                   "has its own scale: read how they move, not where the lines cross.")

    st.subheader("Does the employee measure lead the customer measure?", anchor=False)
    results = scorecard.correlations(labels, series[pick_e], series[pick_c])
    widgets.table([{"Customer measure taken": "same quarter" if r.lag == 0 else
                   f"{counted(r.lag, 'quarter')} later",
                   "Paired quarters (n)": r.n,
                   # + 0.0: a tiny negative r reads "+0.00", not "-0.00".
                   "Correlation (r)": f"{round(r.r, 2) + 0.0:+.2f}" if r.r is not None
                   else "not enough data"}
                  for r in results], hide_index=True, key="correlation_table")
    if max(r.n for r in results) < scorecard.MIN_PAIRS:
        st.warning(f"Fewer than {scorecard.MIN_PAIRS} quarters can be paired: too few to "
                   "read anything into these figures yet.", icon=":material/warning:")
    st.caption("Correlation shows association, not cause: both measures may move for a "
               "third reason. r runs from −1 to +1; near 0 means no straight-line link.")


def _enter_values(con: Connection, org_id: int, defined: list[Measure],
                  quarter: Quarter) -> None:
    manual = {m.id: m for m in defined if m.source == "manual"}
    if not manual:
        st.info("Every measure is computed; none is entered by hand.")
        return
    with st.expander("Import many values from a spreadsheet"):
        import_panel(con, org_id, "measures")
    _value_grid(con, org_id, list(manual.values()), quarter)
    st.subheader("One value at a time", anchor=False)
    measure_id = st.selectbox("Measure", list(manual), format_func=lambda i: manual[i].name,
                              key="value_measure")
    measure = manual[measure_id]
    options = scope_options(con, org_id)
    locked = audit.locked_quarters(con, org_id)
    # The period starts at the sidebar's quarter (and its latest month) and returns there
    # after each save; the measure and the "for" stay as chosen for the next value.
    keys = forms.FormKeys(f"value_{measure_id}_{quarter}")
    with st.form(f"value_form_{measure_id}"):
        errors = forms.FieldErrors()
        a, b, c = st.columns(3)
        period = a.text_input(
            "Month (2026-10)" if measure.cadence == "monthly" else "Quarter (2026-Q3)",
            value=scorecard.entry_period(measure.cadence, quarter), key=keys("period"))
        scope = b.selectbox("For", list(options), format_func=options.__getitem__,
                            key=f"value_scope_{measure_id}")
        value = c.number_input(f"Value ({md(measure.unit)})", value=None, key=keys("value"),
                               format="%g")
        errors.slot("period", "scope", "value", "measure")
        reason = st.text_input("Reason for changing a reviewed quarter"
                               + (f" (locked: {', '.join(sorted(locked))})" if locked else ""),
                               key=keys("reason"))
        errors.slot("reason")
        if st.form_submit_button("Save value", type="primary"):
            if value is None:
                errors.show(ValidationError({"value": "Enter the value."}))
            else:
                def save() -> None:
                    scorecard.set_value(con, org_id, measure_id, period, float(value), scope,
                                        reason)
                    keys.renew()
                forms.attempt(save, errors, success=f"Saved {measure.name} for {period.strip()}.")
    entered = scorecard.entered_values(con, org_id, measure_id, st.session_state.get(
        f"value_scope_{measure_id}", "all"))
    if entered:
        widgets.table([{"Period": p, "Value": v} for p, v in sorted(entered.items(),
                                                                   reverse=True)],
                     hide_index=True, key="values_table")


GRID_STATES = {value_grid.NEW: "new", value_grid.CHANGED: "changed",
               value_grid.REMOVED: "removed", value_grid.REFUSED: "refused"}
GRID_COLOURS = {"new": "background-color: #d7f0dd", "changed": "background-color: #fff1c2",
                "removed": "background-color: #e8e8e8", "refused": "background-color: #f9d6d5"}


def _value_grid(con: Connection, org_id: int, manual: list[Measure], quarter: Quarter) -> None:
    """Every hand-entered measure at once: type or paste a block, see what changes, save."""
    st.subheader("All measures at once", anchor=False)
    cadences = sorted({m.cadence for m in manual}, key=lambda c: c != "quarterly")
    a, b = st.columns(2)
    # Quarterly and monthly measures have different columns: one grid at a time.
    cadence = cadences[0] if len(cadences) == 1 else a.radio(
        "Periods across", cadences, horizontal=True, key="grid_cadence",
        format_func=lambda c: "Quarters" if c == "quarterly" else "Months")
    options = scope_options(con, org_id)
    scope = b.selectbox("For", list(options), format_func=options.__getitem__, key="grid_scope")
    measures = [m for m in manual if m.cadence == cadence]
    columns = value_grid.periods(cadence, quarter)
    # What was stored when this grid was drawn is kept until it is saved or started
    # again: the changes are the person's edits against it, not against whatever
    # someone else has entered since.
    name = f"grid_{cadence}_{scope}_{quarter}"
    keys = forms.FormKeys(name)
    if keys("opened") not in st.session_state:
        st.session_state[keys("opened")] = value_grid.stored(con, org_id, measures, columns,
                                                             scope)
    opened: dict[tuple[int, str], float] = st.session_state[keys("opened")]
    start = pd.DataFrame([{"Measure": m.name, "Unit": m.unit,
                           **{p: value_grid.shown(opened.get((m.id, p))) for p in columns}}
                          for m in measures])
    st.caption("Measures down, periods across, as in a spreadsheet: type over a cell, clear it, "
               "or copy a block of cells from your spreadsheet, click the first cell here and "
               "paste. Nothing is saved until you press Save.")
    edited = st.data_editor(
        start, key=keys("editor"), hide_index=True, width="stretch", num_rows="fixed",
        disabled=["Measure", "Unit"],
        column_config={"Measure": st.column_config.TextColumn(width=200, pinned=True),
                       "Unit": st.column_config.TextColumn(width="small"),
                       **{p: st.column_config.TextColumn(p, width="small") for p in columns}})
    cells = {(m.id, p): edited.iloc[row][p] for row, m in enumerate(measures) for p in columns}
    plan = value_grid.plan_grid(con, org_id, measures, columns, cells, opened, scope)
    changes = [c for c in plan if c.state != value_grid.UNCHANGED]
    counts = {s: sum(c.state == s for c in plan) for s in value_grid.STATES}
    st.write(" · ".join(f"{counts[s]} {GRID_STATES.get(s, s)}" for s in value_grid.STATES))
    if changes:
        frame = pd.DataFrame([{"Measure": c.measure, "Period": c.period,
                               "Held now": value_grid.shown(c.before),
                               "In the grid": value_grid.shown(c.after)
                               if c.state != value_grid.REFUSED else str(cells[(c.measure_id,
                                                                              c.period)] or ""),
                               "What happens": GRID_STATES[c.state],
                               "Why": c.problem} for c in changes])
        st.dataframe(frame.style.map(lambda s: GRID_COLOURS.get(s, ""), subset=["What happens"]),
                     hide_index=True, width="stretch", key="grid_changes")
    refused = [c for c in changes if c.state == value_grid.REFUSED]
    if refused:
        # Said in words as well as in the table: the cells to fix, first ten.
        st.error("Nothing can be saved until these cells are corrected or cleared:  \n"
                 + "  \n".join(f"{md(c.measure)} {c.period}: {md(c.problem)}"
                               for c in refused[:10])
                 + (f"  \n… and {len(refused) - 10} more." if len(refused) > 10 else ""),
                 icon=":material/block:")
    locked = audit.locked_quarters(con, org_id)
    touched = {str(audit.quarter_of(c.period)) for c in changes} & locked
    reason = ""
    if touched:
        reason = st.text_input("Reason for changing a reviewed quarter ("
                               + ", ".join(sorted(touched)) + " is locked)", key=keys("reason"))
    errors = forms.FieldErrors()
    errors.slot("grid", "reason")
    left, right = st.columns([1, 3])
    if left.button(f"Save {counted(len(changes) - len(refused), 'change')}", type="primary",
                   key=keys("save"), disabled=not changes or bool(refused),
                   help="Correct or clear the refused cells first." if refused else None):
        def save() -> None:
            saved = value_grid.save_grid(con, org_id, measures, columns, cells, opened, scope,
                                         reason or None)
            st.session_state.pop(keys("opened"), None)
            keys.renew()
            forms.flash(saved.summary())
        forms.attempt(save, errors)
    if changes and right.button("Start again from the values held now", key=keys("again")):
        st.session_state.pop(keys("opened"), None)
        keys.renew()
        st.rerun()


def _surveys(con: Connection, org_id: int, period: Quarter) -> None:
    rows = []
    shown = [period.shift(-1), period]
    results = scorecard.survey_series(con, org_id, list(SURVEY_KINDS), shown)
    for kind, label in SURVEY_KINDS.items():
        for q in shown:
            result = results[(kind, str(q))]
            if result.n or result.blanks:
                rows.append({"Survey": label, "Quarter": str(q),
                             "Score": round(result.value, 1) if result.value is not None
                             else None, "Answers": result.counts_text(),
                             "Blank": result.blanks})
    if rows:
        widgets.table(rows, hide_index=True, width="stretch", key="survey_summary")
    threshold = scorecard.small_sample_threshold(con, org_id)
    if not session.allowed(Permission.EDIT_PLAN):
        if not rows:
            st.caption(f"No survey answers in {period.shift(-1)} or {period}.")
        st.caption(f"A survey figure resting on fewer than {threshold:,} answers is flagged "
                   "as a small sample.")
        return
    with st.form("small_sample_form"):
        errors = forms.FieldErrors()
        new = st.number_input("Warn when a survey figure rests on fewer than … answers",
                              value=threshold, step=1, key="small_sample",
                              help="From 1 to 100,000 answers.")
        errors.slot("small_sample")
        if st.form_submit_button("Save"):
            forms.attempt(lambda: scorecard.set_small_sample_threshold(
                con, org_id, int(new) if new is not None else 0),
                errors, success="Saved.")
    st.subheader("Import answers", anchor=False)
    st.caption("One file per question: a date and a score per row, and optionally the segment "
               "(customer surveys) or team (staff surveys). NPS and eNPS answers are 0–10; "
               "CSAT and effort 1–5. Every row must be right before anything is imported.")
    template_button("responses")
    kind = st.selectbox("The question answered", list(SURVEY_KINDS),
                        format_func=SURVEY_KINDS.__getitem__, key="survey_kind")
    got = upload("responses", "Answers file", "survey_file")
    if got is None:
        return
    uploaded, table = got
    errors = forms.FieldErrors()
    setup = mapped_setup(con, org_id, "responses", uploaded.file_id, table, "survey_map",
                         errors)
    if setup is None:
        return
    try:
        preview = preview_responses(con, org_id, setup.table, kind, setup.plan.columns,
                                    setup.plan.reading)
    except ValidationError as exc:
        errors.show(exc)
        return
    held = len(preview.rows) - len(preview.new_rows)
    if held:
        st.info(f"{held:,} of these answers were imported before (the same response ids): "
                "only the new ones are added.", icon=":material/history:")
    show_problems([(r.line, r.problems) for r in preview.problem_rows], len(preview.rows))
    widgets.table([{"Line": r.line, "Problems": " ".join(r.problems) or "ready",
                    "Answered on": str(r.answered_on or ""), "Score": r.score,
                    "Segment or team": r.raw.get("group", ""),
                    "Response id": r.response_id,
                    "Held already": "yes" if r.held else ""}
                   for r in sorted(preview.rows, key=lambda r: (not r.problems, r.line))[:500]],
                  key="survey_import_preview", width="stretch")
    again = repeat_box(con, org_id, "responses", uploaded.getvalue(), not preview.keyed,
                       "survey_import_again")
    reason = st.text_input("Reason, if the answers fall in a reviewed (locked) quarter",
                           key="survey_reason")
    if st.button(f"Import {len(preview.new_rows):,} answers", type="primary", disabled=not
                 preview.clean, key="survey_import_button"):
        def run() -> None:
            result = imports.import_file(
                con, org_id, "responses", uploaded.name, uploaded.getvalue(), survey=kind,
                source=setup.source, columns=setup.columns, values=setup.values,
                date_order=setup.date_order, reason=reason or None,
                save_mapping=setup.save, again=again)
            done("survey_file")
            forms.flash(f"Imported {SURVEY_KINDS[kind]} answers from {uploaded.name}. "
                        f"{result.summary()}")
        forms.attempt(run)


def _owner(con: Connection, org_id: int, prefix: str, current: Measure | None,
           errors: forms.FieldErrors) -> int | None:
    """The measure's owner, chosen above the form, where a search can run."""
    owner = widgets.person_picker(con, org_id, "Owner", f"{prefix}_owner", active_on=date.today(),
                                  default=[current.owner_id] if current and current.owner_id
                                  else (), placeholder="(optional)")
    errors.slot("owner")
    return owner[0] if owner else None


def _measure_fields(prefix: str, current: Measure | None, owner: int | None,
                    errors: forms.FieldErrors) -> MeasureInput:
    c = current
    a, b = st.columns([2, 1])
    name = a.text_input("Measure", value=c.name if c else "", key=f"{prefix}_name",
                        max_chars=80)
    side = b.selectbox("Of", ["customer", "employee"], key=f"{prefix}_side",
                       index=["customer", "employee"].index(c.side) if c else 0)
    errors.slot("name", "side")
    sources = list(SOURCES)
    a, b = st.columns(2)
    source = a.selectbox("Values", sources, format_func=SOURCES.__getitem__,
                         index=sources.index(c.source) if c else 0, key=f"{prefix}_source")
    formulas: dict[str | None, str] = {None: "—", **{k: v for k, v in SURVEY_KINDS.items()},
                                       **{k: v[0] for k, v in DERIVED.items()}}
    keys = list(formulas)
    formula = b.selectbox("Which figure (for survey or derived values)", keys,
                          format_func=formulas.__getitem__,
                          index=keys.index(c.formula) if c and c.formula in keys else 0,
                          key=f"{prefix}_formula")
    errors.slot("source", "formula")
    a, b, d = st.columns(3)
    units = list(UNITS)
    unit = a.selectbox("Unit", units, index=units.index(c.unit) if c else 0,
                       key=f"{prefix}_unit",
                       help="Survey figures: " + ", ".join(
                           f"{SURVEY_KINDS[k]} in {u}" for k, u in SURVEY_UNITS.items()))
    direction = b.selectbox("Better when", ["higher", "lower"], key=f"{prefix}_direction",
                            index=["higher", "lower"].index(c.direction) if c else 0)
    cadence = d.selectbox("Measured", CADENCES, key=f"{prefix}_cadence",
                          index=CADENCES.index(c.cadence) if c else 1)
    errors.slot("unit", "direction", "cadence")
    a, b = st.columns(2)
    target = a.number_input("Target", value=c.target if c else None, key=f"{prefix}_target",
                            format="%g")
    band = b.number_input("Amber band (distance from target)",
                          value=c.amber_band if c else None, key=f"{prefix}_band", format="%g")
    errors.slot("target", "amber_band")
    description = st.text_input("Definition", value=c.description if c else "",
                                key=f"{prefix}_description", max_chars=500)
    errors.slot("description")
    return MeasureInput(name, side, unit, direction, cadence, source, formula, target, band,
                        owner, description)


def _definitions(con: Connection, org_id: int, defined: list[Measure]) -> None:
    if defined:
        widgets.table([{"Measure": m.name, "Of": m.side, "Unit": m.unit,
                       "Better when": m.direction, "Target": m.target, "Amber band": m.amber_band,
                       "Measured": m.cadence, "Values": SOURCES[m.source], "Owner": m.owner,
                       "Definition": m.description} for m in defined],
                     hide_index=True, width="stretch", key="measures_table")
    if not session.allowed(Permission.EDIT_PLAN):
        if not defined:
            st.caption("No measures yet.")
        return
    missing = [m.name for m in scorecard.STARTING_SET
               if m.name.lower() not in {d.name.lower() for d in defined}]
    if missing and st.button(f"Add the suggested measures ({', '.join(missing)})",
                             key="starting_set", type="primary" if not defined else "secondary"):
        forms.attempt(lambda: scorecard.add_starting_set(con, org_id),
                      success="Suggested measures added; set targets and owners to suit.")
    by_id = {m.id: m for m in defined}
    chosen = widgets.record_select(st, "Add or edit", [None, *by_id],
                                   lambda i: "New measure…" if i is None else by_id[i].name,
                                   "measure_choice")
    if chosen is None:
        keys = forms.FormKeys("measure_new")
        errors = forms.FieldErrors()
        owner = _owner(con, org_id, keys.prefix, None, errors)
        with st.form("measure_add"):
            data = _measure_fields(keys.prefix, None, owner, errors)
            if st.form_submit_button("Add measure", type="primary"):
                def add() -> None:
                    scorecard.add_measure(con, org_id, data)
                    keys.renew()
                forms.attempt(add, errors, success=f"Added {data.name.strip()}.")
        return
    current = by_id[chosen]
    edit = forms.EditSession(f"measure_{current.id}", current.version)
    errors = forms.FieldErrors()
    owner = _owner(con, org_id, edit.prefix, current, errors)
    with st.form(f"measure_form_{current.id}"):
        data = _measure_fields(edit.prefix, current, owner, errors)
        if st.form_submit_button("Save changes", type="primary"):
            def save() -> None:
                scorecard.update_measure(con, org_id, current.id, edit.started_from, data)
                edit.restart()
            forms.attempt(save, errors, success=f"Saved {data.name.strip()}.")
    edit.offer_reload("measure")
    with st.popover("Delete this measure", icon=":material/delete:"):
        st.write(f"Delete {md(current.name)} and the values entered for it?")
        if st.button("Yes, delete", key=f"measure_delete_{current.id}", type="primary"):
            forms.attempt(lambda: scorecard.delete_measure(con, org_id, current.id),
                          success="Measure deleted.")


def _due(con: Connection, org_id: int) -> None:
    due = scorecard.due_updates(con, org_id)
    if not due:
        st.success("Every measure is up to date.", icon=":material/check:")
        return
    st.caption("Measures whose value for the latest complete month or quarter is missing: the "
               "list to work through before the review.")
    widgets.table([{"Measure": d.measure, "Due for": d.period, "Owner": d.owner,
                   "Values": d.source} for d in due], hide_index=True, width="stretch",
                 key="due_table")


if __name__ == "__main__":
    render()
