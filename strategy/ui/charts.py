"""Charts drawn on more than one page."""

from __future__ import annotations

import altair as alt
import pandas as pd

from strategy.core.wording import MISSING
from strategy.plan import self_check
from strategy.ui.widgets import value_scale

AGREE, DISAGREE = "#1c7ed6", "#e8590c"


def self_check_chart(found: self_check.Results, row_px: int,
                     label_size: int | None = None) -> alt.LayerChart | alt.FacetChart:
    """Per step the average (a dot), one spread either side (a bar) and the lowest to
    highest rating (a thin line); steps where the group disagrees stand out in orange.

    Rows are the step numbers, one per row of the table beside it (which names them), so
    the plot keeps the width and the two read across."""
    order = [str(s.step) for s in found.steps]
    frame = pd.DataFrame([{
        "Step": str(s.step), "Title": s.title, "Average": round(s.average, 2),
        "Spread": s.spread or 0.0,
        "From": max(1.0, s.average - (s.spread or 0.0)),
        "To": min(5.0, s.average + (s.spread or 0.0)),
        # Shown together with the average, from the same number of answers.
        "Lowest": s.lowest, "Highest": s.highest, "Answers": s.answers,
        "Group": "Disagree" if s.disagreement else "Agree",
        "Plan status": s.status.value if s.status else MISSING,
    } for s in found.steps if s.average is not None])
    y = alt.Y("Step:N", sort=order, scale=alt.Scale(domain=order), title=None,
              axis=alt.Axis(labelAngle=0))
    colour = alt.Color("Group:N", scale=alt.Scale(domain=["Agree", "Disagree"],
                                                   range=[AGREE, DISAGREE]),
                       legend=None)
    scale = alt.Scale(domain=[1, 5])
    tooltip = ["Step", "Title", "Average", "Spread", "Lowest", "Highest", "Answers",
               "Plan status"]
    base = alt.Chart(frame).encode(y=y)
    reach = base.mark_rule(color="#adb5bd").encode(
        x=alt.X("Lowest:Q", scale=scale), x2="Highest:Q", tooltip=tooltip)
    spread = base.mark_rule(strokeWidth=8, opacity=0.45).encode(
        x=alt.X("From:Q", scale=scale), x2="To:Q", color=colour, tooltip=tooltip)
    average = base.mark_circle(size=130, opacity=1).encode(
        x=alt.X("Average:Q", scale=scale, title=None,
                axis=alt.Axis(values=[1, 2, 3, 4, 5], format="d", orient="top",
                              labelOverlap=False)),
        color=colour, tooltip=tooltip)
    # A row per table row (``row_px`` each) under about the height of the table's
    # heading (the height is the whole chart's, its axis included).
    chart = alt.layer(reach, spread, average).properties(height=row_px * len(order) + 40)
    # Larger labels where the chart is read from across a room (the projector).
    return chart.configure_axis(labelFontSize=label_size) if label_size else chart


# Dark enough for axis labels to pass a contrast check on white.
EMPLOYEE_COLOUR, CUSTOMER_COLOUR = "#1864ab", "#a61e4d"


def side_by_side_chart(quarters: list[str], employee: tuple[str, str, list[float | None]],
                       customer: tuple[str, str, list[float | None]]) -> alt.LayerChart:
    """One employee measure and one customer measure on one quarter axis, each against
    its own scale: the employee's on the left, the customer's on the right, each axis
    titled and coloured as its line.

    ``employee`` and ``customer`` are (name, unit, one value or None per quarter)."""
    x = alt.X("Quarter:N", sort=quarters, scale=alt.Scale(domain=quarters),
              axis=alt.Axis(labelAngle=-40), title=None)
    layers = []
    for (name, unit, values), side, colour in ((employee, "Employee", EMPLOYEE_COLOUR),
                                               (customer, "Customer", CUSTOMER_COLOUR)):
        frame = pd.DataFrame([{"Quarter": q, "Value": v, "Measure": name, "Unit": unit,
                               "Of": side} for q, v in zip(quarters, values, strict=True)
                              if v is not None], columns=["Quarter", "Value", "Measure", "Unit",
                                                          "Of"])
        y = alt.Y("Value:Q", title=f"{side}: {name} ({unit})",
                  scale=value_scale(frame["Value"], zero=False),
                  axis=alt.Axis(orient="left" if side == "Employee" else "right",
                                titleColor=colour, labelColor=colour, grid=side == "Employee"))
        layers.append(alt.Chart(frame).mark_line(
            point=alt.OverlayMarkDef(filled=True, size=60), color=colour,
            # Dashed as well as coloured: told apart without colour too.
            strokeDash=[1, 0] if side == "Employee" else [6, 3], strokeWidth=2.5,
        ).encode(x=x, y=y, tooltip=["Of", "Measure", "Quarter", "Value", "Unit"]))
    chart: alt.LayerChart = alt.layer(*layers).resolve_scale(y="independent")
    return chart
