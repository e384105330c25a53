"""Altair chart builders: a small, already-aggregated DataFrame in, a chart out."""

from __future__ import annotations

import altair as alt
import pandas as pd


def signs_over_time(frame: pd.DataFrame) -> alt.Chart:
    """Items observed per check-in, one line per checklist section. `frame`: date, section, count."""
    return (
        alt.Chart(frame, title=alt.Title("Signs and reactions observed at each check-in",
                                         subtitle="A line falls when fewer items were observed. These are "
                                                  "observations, not a score."))
        .mark_line(point=True)
        .encode(
            x=alt.X("date:T", title="Check-in date"),
            y=alt.Y("count:Q", title="Items observed", axis=alt.Axis(tickMinStep=1)),
            color=alt.Color("section:N", title="Section"),
            tooltip=[alt.Tooltip("date:T", title="Date"), alt.Tooltip("section:N", title="Section"),
                     alt.Tooltip("count:Q", title="Items observed")],
        )
        .properties(height=280)
    )
