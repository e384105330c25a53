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
            y=alt.Y("count:Q", title="Items observed", axis=alt.Axis(tickMinStep=1, format="d")),
            color=alt.Color("section:N", title="Section"),
            tooltip=[alt.Tooltip("date:T", title="Date"), alt.Tooltip("section:N", title="Section"),
                     alt.Tooltip("count:Q", title="Items observed")],
        )
        .properties(height=280)
    )


def _reading(title: str, reading: str) -> alt.Title:
    return alt.Title(title, subtitle=reading, anchor="start")


def _week_axis(title: str = "Week starting") -> alt.X:
    # Weeks as ordered categories, so each bar is as wide as its week (a time axis draws hairlines).
    return alt.X("week_label:O", title=title, sort=None, axis=alt.Axis(labelAngle=-45))


def _week_labels(frame: pd.DataFrame, column: str = "week_start") -> pd.DataFrame:
    return frame.assign(week_label=pd.to_datetime(frame[column]).dt.strftime("%d %b"))


def weekly_activity(frame: pd.DataFrame) -> alt.LayerChart:
    """Check-ins per week (bars) and clients seen (line). `frame`: week_start, check_ins, clients (NA = hidden)."""
    data = _week_labels(frame)
    base = alt.Chart(data).encode(x=_week_axis())
    tooltip = [alt.Tooltip("week_label:O", title="Week starting"), alt.Tooltip("check_ins:Q", title="Check-ins"),
               alt.Tooltip("clients:Q", title="Clients seen")]
    bars = base.mark_bar(opacity=0.8, color="#4292c6").encode(y=alt.Y("check_ins:Q", title="Count"),
                                                               tooltip=tooltip)
    line = base.mark_line(point=True, color="#333").encode(y="clients:Q", tooltip=tooltip)
    return alt.layer(bars, line).properties(
        height=260, title=_reading("Check-ins per week (bars) and clients seen (line)",
                                   "Weeks with too few clients to show are left blank."))


def sign_prevalence(frame: pd.DataFrame) -> alt.Chart:
    """Share of check-ins at which each item was observed. `frame`: label, section, share (NA = hidden)."""
    data = frame.dropna(subset=["share"])
    return (
        alt.Chart(data, title=_reading("How often each sign and reaction was observed",
                                       "Share of the period's check-ins where the advocate noted it."))
        .mark_bar()
        .encode(
            y=alt.Y("label:N", title=None, sort="-x", axis=alt.Axis(labelLimit=420, labelOverlap=False)),
            x=alt.X("share:Q", title="Share of check-ins", axis=alt.Axis(format="%")),
            color=alt.Color("section:N", title="Section"),
            tooltip=[alt.Tooltip("label:N", title="Item"), alt.Tooltip("share:Q", title="Share", format=".0%"),
                     alt.Tooltip("check_ins:Q", title="Check-ins")],
        )
        .properties(height=alt.Step(20))
    )


def prevalence_over_time(frame: pd.DataFrame, per: str) -> alt.Chart:
    """Share per item and bucket, as a heat map, items in checklist order. `frame`: bucket_start, label, share,
    hidden. Hidden cells are painted grey (Vega-Lite would silently drop an empty value)."""
    data = frame.assign(start=pd.to_datetime(frame["bucket_start"]).dt.strftime("%d %b"),
                        shown=frame["share"].astype("Float64").fillna(0).astype(float),
                        hidden=frame["hidden"].astype(bool))
    return (
        alt.Chart(data, title=_reading(f"How that changed, {per}",
                                       "Darker means observed at more of that period's check-ins; "
                                       "grey means too few clients to show."))
        .mark_rect(stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X("start:O", title=f"{per.capitalize()} starting", sort=None, axis=alt.Axis(labelAngle=-45)),
            y=alt.Y("label:N", title=None, sort=None, axis=alt.Axis(labelLimit=420, labelOverlap=False)),
            color=alt.condition(alt.datum.hidden, alt.value("#d9d9d9"),
                                alt.Color("shown:Q", title="Share", scale=alt.Scale(scheme="blues"),
                                          legend=alt.Legend(format="%"))),
            tooltip=[alt.Tooltip("label:N", title="Item"), alt.Tooltip("start:O", title="Starting"),
                     alt.Tooltip("shown:Q", title="Share", format=".0%")],
        )
        .properties(height=alt.Step(20))
    )


CONCERN_ORDER = ["Low", "Moderate", "High", "Immediate danger"]
CONCERN_COLOURS = ["#9ecae1", "#4292c6", "#f16913", "#cb181d"]


def concern_over_time(frame: pd.DataFrame) -> alt.Chart:
    """Check-ins per week by level of concern, stacked. `frame`: week_start, concern_label, rank, check_ins."""
    data = _week_labels(frame).dropna(subset=["check_ins"])
    return (
        alt.Chart(data, title=_reading("Level of concern at each check-in, per week",
                                       "The advocate's own judgement at the time; not a risk rating."))
        .mark_bar()
        .encode(
            x=_week_axis(),
            y=alt.Y("check_ins:Q", title="Check-ins", stack="zero"),
            color=alt.Color("concern_label:N", title="Level of concern",
                            scale=alt.Scale(domain=CONCERN_ORDER, range=CONCERN_COLOURS), sort=CONCERN_ORDER),
            order=alt.Order("rank:Q"),
            tooltip=[alt.Tooltip("week_label:O", title="Week starting"),
                     alt.Tooltip("concern_label:N", title="Concern"), alt.Tooltip("check_ins:Q", title="Check-ins")],
        )
        .properties(height=260)
    )


def referrals(frame: pd.DataFrame) -> alt.Chart:
    """Offered and taken up per resource. `frame`: name, measure ('Offered'/'Taken up'), count."""
    return (
        alt.Chart(frame.dropna(subset=["count"]),
                  title=_reading("Referrals offered and taken up, by resource",
                                 "Each resource offered at a check-in counts once."))
        .mark_bar()
        .encode(
            y=alt.Y("name:N", title=None, sort="-x", axis=alt.Axis(labelLimit=320)),
            x=alt.X("count:Q", title="Referrals"),
            yOffset=alt.YOffset("measure:N", sort=["Offered", "Taken up"]),
            color=alt.Color("measure:N", title=None, sort=["Offered", "Taken up"],
                            scale=alt.Scale(range=["#4292c6", "#41ab5d"])),
            tooltip=[alt.Tooltip("name:N", title="Resource"), alt.Tooltip("measure:N", title=""),
                     alt.Tooltip("count:Q", title="Referrals")],
        )
        .properties(height=alt.Step(12))
    )


def overdue_by_advocate(frame: pd.DataFrame) -> alt.Chart:
    """Open clients whose follow-up is overdue now, per advocate. `frame`: advocate, overdue."""
    return (
        alt.Chart(frame.dropna(subset=["overdue"]),
                  title=_reading("Follow-ups overdue now, per advocate",
                                 "Open clients past their next check-in date, by their current advocate."))
        .mark_bar(color="#f16913")
        .encode(
            y=alt.Y("advocate:N", title=None, sort="-x", axis=alt.Axis(labelLimit=300)),
            x=alt.X("overdue:Q", title="Clients overdue", axis=alt.Axis(tickMinStep=1)),
            tooltip=[alt.Tooltip("advocate:N", title="Advocate"), alt.Tooltip("overdue:Q", title="Overdue")],
        )
        .properties(height=alt.Step(22))
    )


def progress(frame: pd.DataFrame, per: str) -> alt.Chart:
    """Share of clients (3+ check-ins) with fewer signs than at their first check-in. `frame`: bucket_start, share."""
    data = frame.assign(start=pd.to_datetime(frame["bucket_start"])).dropna(subset=["share"])
    return (
        alt.Chart(data, title=_reading(f"Clients with fewer signs observed than at their first check-in, {per}",
                                       "Among clients seen with at least three check-ins. Observations, "
                                       "not outcomes or scores."))
        .mark_line(point=True)
        .encode(
            x=alt.X("start:T", title=f"{per.capitalize()} starting", axis=alt.Axis(format="%d %b")),
            y=alt.Y("share:Q", title="Share of clients", axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
            tooltip=[alt.Tooltip("start:T", title="Starting"), alt.Tooltip("share:Q", title="Share", format=".0%"),
                     alt.Tooltip("clients:Q", title="Clients")],
        )
        .properties(height=240)
    )
