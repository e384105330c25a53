"""Altair chart builders: a small, already-aggregated DataFrame in, a chart out.

A chart is a picture a screen reader cannot read, so each builder has a `describe_*` twin that says the chart's
gist in one or two sentences. The builder puts that sentence in the chart's Vega-Lite `description` (Vega makes
it the drawing's aria-label) and the page shows it as text beside the chart. Descriptions read only the values
the chart shows: a cell hidden by small-cell suppression is NA in the frame and is only ever counted as hidden.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any

import altair as alt
import pandas as pd

from models.base import i18n
from models.base.i18n import N_, _, ngettext

# Every word a chart shows (titles, axis, legend and tooltip titles, the words in it) and every "in words" summary
# comes from the catalog, in the reader's language; each encoding has an explicit title, since Vega-Lite's own
# ("date (month)") would be English. Month names and number formats on the axes are the chart locale's.


def _num(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series, errors="coerce").astype(float)


def _day(value) -> str:  # type: ignore[no-untyped-def]
    """"2 Nov 2026" in the reader's language."""
    return i18n.month_day_year(pd.Timestamp(value))


def _count(n: int) -> str:
    return i18n.number(n)


def _hidden_note(n: int, what: str, hidden_text: str = "fewer than 5") -> str:
    """' 2 weeks show “fewer than 5”: too few clients to show.' The figure is hidden, never silently missing.
    `what`: week, item, figure, advocate, period or cell (a week and level)."""
    if not n:
        return ""
    if what == "week":
        text = ngettext("{n} week shows “{hidden}”: too few clients to show.",
                        "{n} weeks show “{hidden}”: too few clients to show.", n)
    elif what == "item":
        text = ngettext("{n} item shows “{hidden}”: too few clients to show.",
                        "{n} items show “{hidden}”: too few clients to show.", n)
    elif what == "figure":
        text = ngettext("{n} figure shows “{hidden}”: too few clients to show.",
                        "{n} figures show “{hidden}”: too few clients to show.", n)
    elif what == "advocate":
        text = ngettext("{n} advocate shows “{hidden}”: too few clients to show.",
                        "{n} advocates show “{hidden}”: too few clients to show.", n)
    elif what == "period":
        text = ngettext("{n} period shows “{hidden}”: too few clients to show.",
                        "{n} periods show “{hidden}”: too few clients to show.", n)
    else:
        text = ngettext("{n} week and level shows “{hidden}”: too few clients to show.",
                        "{n} week and level cells show “{hidden}”: too few clients to show.", n)
    return " " + text.format(n=_count(n), hidden=hidden_text)


def _change(first: int, latest: int) -> str:
    if latest == first:
        return _("the same")
    if latest > first:
        return ngettext("{n} more", "{n} more", latest - first).format(n=_count(latest - first))
    return ngettext("{n} fewer", "{n} fewer", first - latest).format(n=_count(first - latest))


def _by_week(per: str) -> bool:
    """`per` is "by week" or "by month" (the page's words for its buckets): which one."""
    return per == "by week"


def describe_signs_over_time(frame: pd.DataFrame, concern: pd.DataFrame | None = None) -> str:
    """One client's chart in words: per section, the items observed at the first and at the latest check-in and
    the change between them; then the level of concern at both. Observations, never a verdict."""
    if frame.empty:
        return _("No check-ins yet.")
    ordered = frame.sort_values("occurred_at" if "occurred_at" in frame else "date", kind="stable")
    checks = ordered["check_in_id"].nunique() if "check_in_id" in ordered else ordered["date"].nunique()
    # TRANSLATORS: one part of a list, per section of the checklist; the parts are joined by "; ".
    if checks == 1:
        parts = [ngettext("{section}: {n} item observed", "{section}: {n} items observed", n).format(
                     section=section, n=_count(n))
                 for section, rows in ordered.groupby("section", sort=False)
                 for n in [int(_num(rows["count"]).iloc[0])]]
        return ngettext("{n} check-in.", "{n} check-ins.", 1).format(n=_count(1)) + " " + "; ".join(parts) + "."
    parts = []
    for section, rows in ordered.groupby("section", sort=False):
        counts = _num(rows["count"])
        first, latest = int(counts.iloc[0]), int(counts.iloc[-1])
        # TRANSLATORS: {change} is "the same", "2 more" or "1 fewer".
        parts.append(ngettext("{section}: {n} item at the first check-in, {latest} at the latest ({change})",
                              "{section}: {n} items at the first check-in, {latest} at the latest ({change})",
                              first).format(section=section, n=_count(first), latest=_count(latest),
                                            change=_change(first, latest)))
    text = ngettext("{n} check-in.", "{n} check-ins.", checks).format(n=_count(checks)) + " " + "; ".join(parts) + "."
    if concern is not None and not concern.empty:
        levels = concern.sort_values("occurred_at", kind="stable")["concern_label"]
        first_level, latest_level = str(levels.iloc[0]).lower(), str(levels.iloc[-1]).lower()
        text += " " + (_("Level of concern: {first} at the first check-in, {latest} at the latest.").format(
            first=first_level, latest=latest_level) if first_level != latest_level else
            _("Level of concern: {latest} at the first and the latest check-in.").format(latest=latest_level))
    return text


TIMELINE_WIDTH = 700  # fixed: stacked panels cannot stretch; fits the main column at 1280 px with the menu open


def _whole_ticks(top: int) -> tuple[int, list[int]]:
    """Whole-number ticks from 0 at an even step, at most four, and the axis end they reach (0, 1, 2, 3, never
    0, 1, 3)."""
    step = max(1, -(-top // 3))
    end = step * -(-top // step)
    return end, list(range(0, end + 1, step))


def _when(value) -> alt.DateTime:  # type: ignore[no-untyped-def]
    """A check-in's time as Vega-Lite reads the data's own timestamps (local, as the browser parses them)."""
    t = pd.Timestamp(value)
    return alt.DateTime(year=t.year, month=t.month, date=t.day, hours=t.hour, minutes=t.minute, seconds=t.second)


CHART_DATE = "%-d %b %Y"  # "2 Dec 2026", as tz.show_date writes a date on the page
MAX_DATE_TICKS = 8  # up to this many check-in days, one tick each; more are spaced by Vega


def signs_over_time(frame: pd.DataFrame, concern: pd.DataFrame | None = None) -> alt.VConcatChart:
    """Small multiples: one small area chart per checklist section, all on the same scales (time in order across,
    items observed up), then the level of concern at each check-in as a strip of marks under them. Read down a
    panel to see whether a section is falling; four lines on one chart crossed at every check-in.

    `frame`: occurred_at, section, count (one row per check-in and section). `concern`: occurred_at,
    concern_label, rank (0 = low), one row per check-in; the order of the labels is the order of `rank`.
    """
    # Only what is drawn: the check-in's time (a plain `date` column would not serialise) and the counts.
    data = frame[["occurred_at", "section", "count"]].assign(count=_num(frame["count"]),
                                                             occurred_at=pd.to_datetime(frame["occurred_at"]))
    if concern is not None:
        concern = concern.assign(occurred_at=pd.to_datetime(concern["occurred_at"]))
    top, y_ticks = _whole_ticks(max(1, int(data["count"].max() or 0)))
    times = pd.Series(sorted(data["occurred_at"].unique()))
    start, end = times.min(), times.max()
    pad = max(pd.Timedelta(days=1), (end - start) * 0.03)
    x_scale = alt.Scale(domain=[(start - pad).isoformat(), (end + pad).isoformat()])
    # One tick per check-in day (the first check-in of the day) when there are few: a lone check-in is one date,
    # not the same date four times.
    days = times.groupby(times.dt.normalize()).first()
    ticks = {"values": [_when(t) for t in days]} if len(days) <= MAX_DATE_TICKS else {"tickCount": 6}

    def x_axis(labels: bool) -> alt.Axis:
        return alt.Axis(format=CHART_DATE, labelAngle=0, labelOverlap=True, labels=labels, ticks=labels,
                        domain=True, **ticks)

    y = alt.Y("count:Q", title=_("Items"), scale=alt.Scale(domain=[0, top], nice=False),
              axis=alt.Axis(format="d", values=y_ticks, titleFontWeight="normal"))
    tooltip = [alt.Tooltip("occurred_at:T", title=_("Check-in"), format=f"{CHART_DATE} %H:%M"),
               alt.Tooltip("section:N", title=_("Section")), alt.Tooltip("count:Q", title=_("Items observed"))]
    panels = []
    sections = list(dict.fromkeys(data["section"]))
    for n, section in enumerate(sections):
        last = n == len(sections) - 1 and (concern is None or concern.empty)
        x = alt.X("occurred_at:T", title=_("Check-in date") if last else None, scale=x_scale, axis=x_axis(last))
        panels.append(
            alt.Chart(data[data["section"] == section], title=alt.Title(section, anchor="start", fontSize=12,
                                                                      fontWeight="normal"))
            .mark_area(line={"color": "#08519c"}, point={"color": "#08519c", "size": 30}, color="#9ecae1",
                       opacity=0.6)
            .encode(x=x, y=y, tooltip=tooltip)
            .properties(width=TIMELINE_WIDTH, height=54))
    if concern is not None and not concern.empty:
        strip = concern.sort_values("rank", kind="stable")
        ranks = dict(zip(strip["concern_label"], strip["rank"], strict=True))
        order = list(ranks)
        # The same colour for each level as on Trends (CONCERN_COLOURS, below), so a level reads the same everywhere;
        # and a shape per level too, so the level never rests on colour alone (the tooltip names it as well).
        colours = [CONCERN_COLOURS[min(int(r), len(CONCERN_COLOURS) - 1)] for r in ranks.values()]
        shapes = [CONCERN_SHAPES[min(int(r), len(CONCERN_SHAPES) - 1)] for r in ranks.values()]
        legend = alt.Legend(orient="bottom", direction="horizontal")
        panels.append(
            alt.Chart(concern, title=alt.Title(_("Level of concern"), anchor="start", fontSize=12,
                                               fontWeight="normal"))
            .mark_point(size=110, opacity=1, filled=True)
            .encode(x=alt.X("occurred_at:T", title=_("Check-in date"), scale=x_scale, axis=x_axis(True)),
                    color=alt.Color("concern_label:N", title=_("Level of concern"),
                                    scale=alt.Scale(domain=order, range=colours), legend=legend),
                    shape=alt.Shape("concern_label:N", title=_("Level of concern"),
                                    scale=alt.Scale(domain=order, range=shapes), legend=legend),
                    tooltip=[alt.Tooltip("occurred_at:T", title=_("Check-in"), format=f"{CHART_DATE} %H:%M"),
                             alt.Tooltip("concern_label:N", title=_("Level of concern"))])
            .properties(width=TIMELINE_WIDTH, height=22))
    title = _("Signs and reactions observed at each check-in")
    chart = alt.vconcat(*panels, spacing=16, title=alt.Title(
        title, anchor="start", subtitle=_("Each panel is one section of the checklist, on the same scale: a lower "
                                          "area means fewer items were observed. These are observations, not a "
                                          "score.")))
    return _described(chart, title, describe_signs_over_time(frame, concern))


def _described(chart: alt.Chart | alt.LayerChart | alt.VConcatChart, title: str,
               summary: str) -> alt.Chart | alt.LayerChart | alt.VConcatChart:
    """The chart with its title and summary as its Vega-Lite description, which Vega makes its aria-label."""
    # TRANSLATORS: a chart's label for screen readers: its title, then what it shows in words.
    return chart.properties(description=_("Chart: {title}. {summary}").format(title=title, summary=summary))


def _reading(title: str, reading: str) -> alt.Title:
    return alt.Title(title, subtitle=reading, anchor="start")


# --- Trends: time axes ----------------------------------------------------------------------------------------
# Every over-time chart draws each week or month as a span on a real time axis, from its first counted day to the
# midnight after its last, so bars are in time order whatever their labels, a part week is visibly narrower (and
# lighter, and named in the tooltip and the words), and the axis ends where the period ends.

HIDDEN_LABEL = "fewer than 5"  # privacy.label(k) at the default k; the page passes its own
HIDDEN_FILL = "#d9d9d9"
MAX_TICKS = 16  # one tick per bar up to this many bars; beyond, a tick per month (weeks) or per year (months)


def _dt(value) -> alt.DateTime:  # type: ignore[no-untyped-def]
    """A day as Vega-Lite reads the data's own (local, zone-less) timestamps."""
    t = pd.Timestamp(value)
    return alt.DateTime(year=t.year, month=t.month, date=t.day)


def with_spans(frame: pd.DataFrame, column: str = "week_start", unit: str = "week") -> pd.DataFrame:
    """The frame with its bars' spans as timestamps: `first` (first day counted), `end` (the midnight after the last
    day), `mid` (for a line's point) and `part` ('part week (2 days)' or ''). Frames from trends() carry first_day,
    last_day and part; a bare frame (one column of starts) is read as whole weeks or months."""
    start = pd.to_datetime(frame[column])
    if "first_day" in frame:
        first = pd.to_datetime(frame["first_day"])
        end = pd.to_datetime(frame["last_day"]) + pd.Timedelta(days=1)
        part = frame["part"].astype(str) if "part" in frame else pd.Series("", index=frame.index)
    else:
        first = start
        end = start + (pd.Timedelta(days=7) if unit == "week" else pd.offsets.MonthBegin(1))
        part = pd.Series("", index=frame.index)
    return frame.assign(first=first, end=end, mid=first + (end - first) / 2, part=part.fillna(""))


def _unit_of(data: pd.DataFrame) -> str:
    """'week' when the bars are a week or less apart, else 'month'."""
    starts = sorted(set(pd.to_datetime(data[data.columns[0]] if "first" not in data else data["first"])))
    if len(starts) < 2:
        return "week"
    return "week" if (starts[1] - starts[0]) <= pd.Timedelta(days=7) else "month"


def time_axis(data: pd.DataFrame, title: str, field: str = "first") -> alt.X:
    """A temporal x from the first bar's first day to the midnight after the last bar's last day (the period's
    end, never past it), ticks at each bar's first day (by week or by month as the bars go), or, with many bars,
    at each month (weekly bars) or each year (monthly bars). Never a daily tick."""
    first, end = data["first"].min(), data["end"].max()
    unit = _unit_of(data)
    starts = sorted(set(data["first"]))
    if len(starts) <= MAX_TICKS:
        ticks, fmt = starts, ("%-d %b" if unit == "week" else "%b %Y")
        if len(ticks) > 1 and ticks[1] - ticks[0] < pd.Timedelta(days=3):
            ticks = ticks[1:]  # a bar of a day or two at the start: its label would sit on the next one's
        if unit == "week" and first.year != (end - pd.Timedelta(days=1)).year:
            fmt = "%-d %b %Y"
    elif unit == "week":
        ticks, fmt = list(pd.date_range(first.to_period("M").to_timestamp(), end, freq="MS")), "%b %Y"
        ticks = [t for t in ticks if first <= t < end]
    else:
        ticks, fmt = [t for t in pd.date_range(first.to_period("Y").to_timestamp(), end, freq="YS")
                      if first <= t < end] or [first], "%Y"
    return alt.X(f"{field}:T", title=title, sort="ascending",
                 scale=alt.Scale(domain=[_dt(first), _dt(end)], nice=False),
                 axis=alt.Axis(values=[_dt(t) for t in ticks], format=fmt, labelAngle=-45, labelOverlap=True,
                               grid=False))


def _count_axis(title: str) -> alt.Axis:
    """Whole-number ticks for counts (no 0.5 steps)."""
    return alt.Axis(title=title, format="d", tickMinStep=1)


def _part_words(data: pd.DataFrame, what: str = "week") -> str:
    """' The first week is a part week (1 day); the last week is a part week (2 days), so they count fewer days.'
    for the spans cut short. `what`: week, period or column."""
    first = str(data["part"].iloc[0]) if len(data) and data["part"].iloc[0] else ""
    last = str(data["part"].iloc[-1]) if len(data) > 1 and data["part"].iloc[-1] else ""
    if not first and not last:
        return ""
    # TRANSLATORS: {first} and {last} are "part week (2 days)" or "part month (12 days)".
    if what == "period":
        text = (_("The first period is a {first}; the last period is a {last}, so they count fewer days.")
                if first and last else _("The first period is a {first}, so it counts fewer days.") if first
                else _("The last period is a {last}, so it counts fewer days."))
    elif what == "column":
        text = (_("The first column is a {first}; the last column is a {last}, so they count fewer days.")
                if first and last else _("The first column is a {first}, so it counts fewer days.") if first
                else _("The last column is a {last}, so it counts fewer days."))
    else:
        text = (_("The first week is a {first}; the last week is a {last}, so they count fewer days.")
                if first and last else _("The first week is a {first}, so it counts fewer days.") if first
                else _("The last week is a {last}, so it counts fewer days."))
    return " " + text.format(first=first, last=last)


def _hidden_band(data: pd.DataFrame, tooltip: str, hidden_text: str, x_title: str) -> alt.LayerChart:
    """A grey band over each span whose figure is hidden, from the axis to the top, with the words written up it:
    a hidden week shows as hidden, not as an empty week. `tooltip` (translated) may hold {hidden}; `x_title` is the
    time axis's title, the same as the chart's other layers give it."""
    note = (data["levels"].map(lambda levels: _("{levels}: {hidden} clients, not shown").format(
        levels=levels, hidden=hidden_text)) if "levels" in data else tooltip.format(hidden=hidden_text))
    rows = data.assign(note=note, label=hidden_text)
    band = alt.Chart(rows).mark_rect(color=HIDDEN_FILL, opacity=0.6).encode(
        x=alt.X("first:T", title=x_title), x2="end:T", y=alt.value(0), y2=alt.value("height"),
        tooltip=[alt.Tooltip("first:T", title=_("From"), format=CHART_DATE),
                 alt.Tooltip("note:N", title=_("Figure"))])
    text = alt.Chart(rows).mark_text(angle=270, align="left", baseline="middle", dx=4, color="#525252",
                                     fontSize=11).encode(x=alt.X("mid:T", title=x_title), y=alt.value("height"),
                                                         text=alt.Text("label:N", title=_("Figure")))
    return alt.layer(band, text)


def _week_labels(frame: pd.DataFrame, column: str = "week_start") -> pd.DataFrame:
    return frame.assign(week_label=pd.to_datetime(frame[column]).map(i18n.month_day_year))


def describe_weekly_activity(frame: pd.DataFrame, hidden_text: str = HIDDEN_LABEL) -> str:
    """Busiest and quietest shown weeks, and the latest week, and which bars are part weeks."""
    data = with_spans(frame).assign(n=_num(frame["check_ins"]), seen=_num(frame["clients"]))
    whole = data[data["part"] == ""]
    shown = data.dropna(subset=["n"])
    weeks = len(frame)
    if shown.empty:
        return ngettext("{n} week, each {hidden} clients: none shown.", "{n} weeks, each {hidden} clients: none shown.",
                        weeks).format(n=_count(weeks), hidden=hidden_text) + _part_words(data, "week")
    pool = shown[shown["part"] == ""] if not whole.dropna(subset=["n"]).empty else shown
    most, least = pool.loc[pool["n"].idxmax()], pool.loc[pool["n"].idxmin()]
    text = (ngettext("{n} week.", "{n} weeks.", weeks).format(n=_count(weeks)) + " "
            + _("Most check-ins in the week of {busiest}: {most}; fewest in the week of {quietest}: {fewest}.").format(
                busiest=_day(most["week_start"]), most=_count(int(most["n"])), quietest=_day(least["week_start"]),
                fewest=_count(int(least["n"]))))
    last = data.iloc[-1]
    if pd.notna(last["n"]):
        check_ins = ngettext("{n} check-in", "{n} check-ins", int(last["n"])).format(n=_count(int(last["n"])))
        seen = pd.notna(last["seen"])
        clients = ngettext("{n} client", "{n} clients", int(last["seen"])).format(
            n=_count(int(last["seen"]))) if seen else ""
        # TRANSLATORS: {part} is "part week (2 days)"; {check_ins} "12 check-ins"; {clients} "9 clients".
        if last["part"]:
            latest = (_("Latest week, a {part}: {check_ins} with {clients} seen.") if seen
                      else _("Latest week, a {part}: {check_ins}."))
        else:
            latest = _("Latest week: {check_ins} with {clients} seen.") if seen else _("Latest week: {check_ins}.")
        text += " " + latest.format(part=last["part"], check_ins=check_ins, clients=clients)
    return text + _part_words(data, "week") + _hidden_note(len(data) - len(shown), "week", hidden_text)


def weekly_activity(frame: pd.DataFrame, hidden_text: str = HIDDEN_LABEL) -> alt.LayerChart:
    """Check-ins per week (bars) and clients seen (line). `frame`: week_start (and from trends() first_day,
    last_day, part), check_ins, clients (NA = hidden)."""
    data = _week_labels(with_spans(frame), "first").assign(check_ins=_num(frame["check_ins"]),
                                                           clients=_num(frame["clients"]))
    x_title = _("Week starting")
    x = time_axis(data, x_title)
    tooltip = [alt.Tooltip("week_label:N", title=_("Week starting")), alt.Tooltip("check_ins:Q", title=_("Check-ins")),
               alt.Tooltip("clients:Q", title=_("Clients seen")), alt.Tooltip("part:N", title=_("Note"))]
    # From the axis up: with x2 set, Vega-Lite would otherwise draw a ranged bar as a hairline at its value.
    shown = data.dropna(subset=["check_ins"]).assign(zero=0)
    count = _("Count")
    bars = alt.Chart(shown).mark_bar(color="#4292c6", stroke="white", strokeWidth=1).encode(
        x=x, x2="end:T", y=alt.Y("check_ins:Q", title=count, axis=_count_axis(count)), y2="zero:Q",
        opacity=alt.condition(alt.datum.part != "", alt.value(0.4), alt.value(0.85)), tooltip=tooltip)
    # Hidden weeks stay in as gaps: the line breaks there instead of drawing a value across them.
    line = alt.Chart(data).mark_line(point=True, color="#333").encode(
        x=alt.X("mid:T", title=x_title), y=alt.Y("clients:Q", title=count), tooltip=tooltip)
    layers = [bars, line]
    hidden = data[data["check_ins"].isna()]
    if not hidden.empty:
        layers.insert(0, _hidden_band(hidden, _("check-ins of {hidden} clients: not shown"), hidden_text, x_title))
    title = _("Check-ins per week (bars) and clients seen (line)")
    return _described(alt.layer(*layers).properties(
        height=260, title=_reading(title, _("Grey: {hidden} clients, not shown. A paler, narrower bar is a part "
                                            "week.").format(hidden=hidden_text))),
        title, describe_weekly_activity(frame, hidden_text))


def _top(rows: pd.DataFrame, value: str, n: int = 3) -> str:
    best = rows.sort_values(value, ascending=False, kind="stable").head(n)
    return "; ".join(f"{r['label']} ({i18n.percent(r[value])})" for _i, r in best.iterrows())


def _not_asked(frame: pd.DataFrame) -> pd.Series:
    """Rows for an item that no check-in counted had on its form (added to the checklist later): no figure."""
    if "on_checklist" not in frame:
        return pd.Series(False, index=frame.index)
    return ~frame["on_checklist"].astype(bool)


def _is_hidden(frame: pd.DataFrame, value: str, flag: str = "hidden") -> pd.Series:
    """Rows whose figure is hidden: the flag when the frame has it, else an NA value."""
    if flag in frame:
        return frame[flag].fillna(False).astype(bool)
    return _num(frame[value]).isna()


def describe_sign_prevalence(frame: pd.DataFrame, hidden_text: str = HIDDEN_LABEL) -> str:
    """The items observed most often, how many were never observed, how many are hidden, how many were not yet
    on the checklist."""
    later = _not_asked(frame)
    data = frame[~later].assign(s=_num(frame.loc[~later, "share"]))
    shown = data.dropna(subset=["s"])
    seen = shown[shown["s"] > 0]
    text = (_("Most often observed: {items}.").format(items=_top(seen, "s")) if not seen.empty
            else _("No item was observed at a shown share."))
    never = int((shown["s"] == 0).sum())
    if never:
        text += " " + ngettext("{n} item not observed at all.", "{n} items not observed at all.", never).format(
            n=_count(never))
    added = int(later.sum())
    if added:
        text += " " + ngettext("{n} item was added to the checklist after this period's check-ins, so it has no "
                               "share yet.",
                               "{n} items were added to the checklist after this period's check-ins, so they have "
                               "no share yet.", added).format(n=_count(added))
    return text + _hidden_note(len(data) - len(shown), "item", hidden_text)


def _new_tooltip(data: pd.DataFrame) -> list[alt.Tooltip]:
    """For an item added in a later checklist version, the tooltip says since when it is counted."""
    return [alt.Tooltip("new:N", title=_("Counted"))] if "new" in data.columns and data["new"].astype(bool).any() \
        else []


def _by_value(data: pd.DataFrame, category: str, value: str, hidden: pd.Series) -> list[str]:
    """Categories by their value, largest first, then the hidden ones in their own order: where order means
    nothing, the eye reads the ranking."""
    shown = data[~hidden].assign(_v=_num(data.loc[~hidden, value])).sort_values("_v", ascending=False, kind="stable")
    return list(dict.fromkeys([*shown[category], *data.loc[hidden, category]]))


def _hidden_text_marks(rows: pd.DataFrame, y: alt.Y, hidden_text: str, x_title: str,  # type: ignore[no-untyped-def]
                       **encode) -> alt.Chart:
    """'fewer than 5' written at the start of each hidden bar's row, in grey, so the row is there and says why.
    `x_title`: the value axis's title, as the bars give it."""
    return alt.Chart(rows.assign(_zero=0, _text=hidden_text)).mark_text(
        align="left", baseline="middle", dx=3, color="#636363", fontStyle="italic").encode(
        x=alt.X("_zero:Q", title=x_title), y=y, text=alt.Text("_text:N", title=_("Figure")), **encode)


def sign_prevalence(frame: pd.DataFrame, hidden_text: str = HIDDEN_LABEL) -> alt.LayerChart:
    """Share of check-ins at which each item was observed, most often first. `frame`: label, section, share (NA =
    hidden), hidden; items not yet on the checklist are left out (the caption says so)."""
    data = frame[~_not_asked(frame)]
    hidden = _is_hidden(data, "share")
    order = _by_value(data, "label", "share", hidden)
    y = alt.Y("label:N", title=None, sort=order, axis=alt.Axis(labelLimit=420, labelOverlap=False))
    x_title = _("Share of check-ins")
    bars = alt.Chart(data[~hidden].assign(share=_num(data.loc[~hidden, "share"]))).mark_bar().encode(
        y=y, x=alt.X("share:Q", title=x_title, axis=alt.Axis(format="%")),
        color=alt.Color("section:N", title=_("Section")),
        tooltip=[alt.Tooltip("label:N", title=_("Item")), alt.Tooltip("share:Q", title=_("Share"), format=".0%"),
                 alt.Tooltip("check_ins:Q", title=_("Check-ins")), *_new_tooltip(data)])
    layers: list[alt.Chart] = [bars]
    if hidden.any():
        layers.append(_hidden_text_marks(data[hidden], y, hidden_text, x_title))
    title = _("How often each sign and reaction was observed")
    return _described(
        alt.layer(*layers, title=_reading(title, _("Share of the period's check-ins where the advocate noted it, "
                                                   "most often first; “{hidden}” marks a share of too few "
                                                   "clients.").format(hidden=hidden_text)))
        .properties(height=alt.Step(20)),
        title, describe_sign_prevalence(frame, hidden_text))


def describe_prevalence_over_time(frame: pd.DataFrame, per: str, hidden_text: str = HIDDEN_LABEL) -> str:
    """The heat map in words: the items most observed in the latest period that has figures to show, and how
    many cells are grey (and how many blank: the item was not yet on the checklist), and any part week."""
    later = _not_asked(frame)
    full = frame
    frame = frame[~later]
    hidden = frame["hidden"].astype(bool)
    data = frame.assign(s=_num(frame["share"]).where(~hidden), start=pd.to_datetime(frame["bucket_start"]))
    periods = data["start"].nunique()
    if not periods:
        return _("No periods to show.")
    items_n = data["label"].nunique()
    said = {"items": ngettext("{n} item", "{n} items", items_n).format(n=_count(items_n)),
            "periods": ngettext("{n} period", "{n} periods", periods).format(n=_count(periods))}
    # TRANSLATORS: {items} is "12 items", {periods} is "13 periods".
    text = (_("{items} over {periods}, by week.") if _by_week(per) else _("{items} over {periods}, by month.")
            ).format(**said)
    seen = data[data["s"] > 0]
    if seen.empty:
        text += " " + _("No cell has a figure that can be shown.")
    else:
        latest = seen["start"].max()
        which = (_("In the latest period, starting {date}, most often observed: {items}.")
                 if latest == data["start"].max() else
                 _("In the latest period with figures shown, starting {date}, most often observed: {items}."))
        text += " " + which.format(date=_day(latest), items=_top(seen[seen["start"] == latest], "s"))
    grey = int(hidden.sum())
    if grey:
        cells = ngettext("{n} cell", "{n} cells", len(data)).format(n=_count(len(data)))
        # TRANSLATORS: {cells} is "40 cells"; {hidden} how a hidden figure reads ("fewer than 5").
        text += " " + ngettext("{grey} of {cells} is grey: {hidden} clients, not shown.",
                               "{grey} of {cells} are grey: {hidden} clients, not shown.", grey).format(
            grey=_count(grey), cells=cells, hidden=hidden_text)
    if later.any():
        blank = int(later.sum())
        text += " " + ngettext("{n} cell is blank: the item was not yet on the checklist for that period's check-ins.",
                               "{n} cells are blank: the item was not yet on the checklist for that period's "
                               "check-ins.", blank).format(n=_count(blank))
    spans = with_spans(full.drop_duplicates("bucket_start"), "bucket_start")
    return text + _part_words(spans, "column")


def prevalence_over_time(frame: pd.DataFrame, per: str, hidden_text: str = HIDDEN_LABEL) -> alt.Chart:
    """Share per item and bucket, as a heat map on a time axis, items in checklist order. `frame`: bucket_start
    (and first_day, last_day, part), label, share, hidden. Hidden cells are painted grey (Vega-Lite would silently
    drop an empty value)."""
    # An item added to the checklist later has no cell before it was on the form: blank, not a pale 0%.
    spans = with_spans(frame, "bucket_start", "week" if per == "by week" else "month")
    frame_on = spans[~_not_asked(frame)]
    hidden = frame_on["hidden"].astype(bool)
    data = frame_on.assign(shown=_num(frame_on["share"]).fillna(0), hidden=hidden,
                           start=pd.to_datetime(frame_on["first"]).map(i18n.month_day_year),
                           figure=[hidden_text if h else i18n.percent(v) for h, v in
                                   zip(hidden, _num(frame_on["share"]).fillna(0), strict=True)])
    labels = list(dict.fromkeys(frame["label"]))
    weekly = _by_week(per)
    title = _("How that changed, by week") if weekly else _("How that changed, by month")
    described = (_("How often each sign and reaction was observed, by week") if weekly
                 else _("How often each sign and reaction was observed, by month"))
    return _described(
        alt.Chart(data, title=_reading(title, _("Darker means observed at more of that period's check-ins; grey "
                                                "means {hidden} clients, not shown; blank means not yet on the "
                                                "checklist.").format(hidden=hidden_text)))
        .mark_rect(stroke="white", strokeWidth=0.5)
        .encode(
            x=time_axis(spans, _("By week starting") if weekly else _("By month starting")), x2="end:T",
            y=alt.Y("label:N", title=None, sort=None, axis=alt.Axis(labelLimit=420, labelOverlap=False),
                    scale=alt.Scale(domain=labels)),
            color=alt.condition(alt.datum.hidden, alt.value(HIDDEN_FILL),
                                alt.Color("shown:Q", title=_("Share"), scale=alt.Scale(scheme="blues"),
                                          legend=alt.Legend(format="%"))),
            tooltip=[alt.Tooltip("label:N", title=_("Item")), alt.Tooltip("start:N", title=_("Starting")),
                     alt.Tooltip("figure:N", title=_("Share")), alt.Tooltip("part:N", title=_("Note")),
                     *_new_tooltip(data)],
        )
        .properties(height=alt.Step(20)),
        described, describe_prevalence_over_time(frame, per, hidden_text))


# The levels' English names, as the frames carry them; shown (and matched against a frame) through _(), as
# checkin_form.CONCERN_LABELS are.
CONCERN_ORDER = [N_("Low"), N_("Moderate"), N_("High"), N_("Immediate danger")]
# Blue, amber, orange, red: neighbouring levels differ in hue, not only in shade (issue 17: low and moderate were
# two blues that read as one).
CONCERN_COLOURS = ["#6baed6", "#fec44f", "#f16913", "#b30000"]
CONCERN_SHAPES = ["circle", "square", "triangle-up", "diamond"]


def describe_concern_over_time(frame: pd.DataFrame, hidden_text: str = HIDDEN_LABEL) -> str:
    """Check-ins at each level of concern, adding up only the shown cells."""
    data = frame.assign(n=_num(frame["check_ins"]))
    shown = data.dropna(subset=["n"])
    weeks = with_spans(frame.drop_duplicates("week_start"))
    if shown.empty:
        return _("No week is shown: {hidden} clients.").format(hidden=hidden_text) + _part_words(weeks, "week")
    totals = shown.groupby("concern_label")["n"].sum()
    order = [_(c) for c in CONCERN_ORDER]
    levels = [c for c in order if c in totals.index] + [c for c in totals.index if c not in order]
    n = data["week_start"].nunique()
    # TRANSLATORS: {levels} lists each level with its count: "Low 12; High 3".
    text = ngettext("Over {n} week, check-ins shown at each level: {levels}.",
                    "Over {n} weeks, check-ins shown at each level: {levels}.", n).format(
        n=_count(n), levels="; ".join(f"{c} {_count(int(totals[c]))}" for c in levels))
    return text + _part_words(weeks, "week") + _hidden_note(len(data) - len(shown), "cell", hidden_text)


def concern_over_time(frame: pd.DataFrame, hidden_text: str = HIDDEN_LABEL) -> alt.LayerChart:
    """Check-ins per week by level of concern, stacked low to immediate danger. `frame`: week_start (and
    first_day, last_day, part), concern_label, rank, check_ins (NA = hidden). The stack is worked out here, so each
    week is a span on the time axis; a week with a hidden level gets a grey band naming the hidden levels."""
    data = _week_labels(with_spans(frame), "first").assign(check_ins=_num(frame["check_ins"]))
    shown = data.dropna(subset=["check_ins"]).sort_values(["first", "rank"], kind="stable")
    shown = shown.assign(top=shown.groupby("first")["check_ins"].cumsum())
    shown = shown.assign(bottom=shown["top"] - shown["check_ins"])
    tooltip = [alt.Tooltip("week_label:N", title=_("Week starting")),
               alt.Tooltip("concern_label:N", title=_("Concern")),
               alt.Tooltip("check_ins:Q", title=_("Check-ins")), alt.Tooltip("part:N", title=_("Note"))]
    x_title, y_title = _("Week starting"), _("Check-ins")
    order = [_(c) for c in CONCERN_ORDER]
    bars = alt.Chart(shown).mark_bar(stroke="white", strokeWidth=1).encode(
        x=time_axis(data, x_title), x2="end:T",
        y=alt.Y("bottom:Q", title=y_title, axis=_count_axis(y_title)), y2="top:Q",
        color=alt.Color("concern_label:N", title=_("Level of concern"),
                        scale=alt.Scale(domain=order, range=CONCERN_COLOURS), sort=order),
        opacity=alt.condition(alt.datum.part != "", alt.value(0.45), alt.value(1.0)), tooltip=tooltip)
    layers: list[alt.Chart | alt.LayerChart] = [bars]
    hidden = data[data["check_ins"].isna()]
    if not hidden.empty:
        weeks = (hidden.groupby("first", sort=True)
                 .agg(end=("end", "first"), mid=("mid", "first"), levels=("concern_label", ", ".join)).reset_index())
        tops = shown.groupby("first")["top"].max()
        weeks["top"] = [float(tops.get(w, 0.0)) for w in weeks["first"]]
        # A week with nothing shown is a grey band with the words up it; a week with some levels shown says which
        # are hidden just above its stack (up the band they would run into the bars).
        empty = weeks[weeks["top"] == 0]
        if not empty.empty:  # its tooltip names the levels hidden that week
            layers.insert(0, _hidden_band(empty, "", hidden_text, x_title))
        some = weeks[weeks["top"] > 0]
        if not some.empty:
            count = some["levels"].str.count(", ") + 1
            # TRANSLATORS: above a week's bar: "2 levels: fewer than 5" (levels of concern hidden that week).
            some = some.assign(label=[ngettext("{n} level: {hidden}", "{n} levels: {hidden}", int(n)).format(
                                   n=_count(int(n)), hidden=hidden_text) for n in count],
                               note=some["levels"].map(lambda levels: _("{levels}: {hidden} clients, not shown")
                                                       .format(levels=levels, hidden=hidden_text)))
            layers.append(alt.Chart(some).mark_text(baseline="bottom", dy=-3, fontSize=10, color="#525252",
                                                    fontStyle="italic")
                          .encode(x=alt.X("mid:T", title=x_title), y=alt.Y("top:Q", title=y_title),
                                  text=alt.Text("label:N", title=_("Hidden")),
                                  tooltip=[alt.Tooltip("note:N", title=_("Hidden"))]))
    title = _("Level of concern at each check-in, per week")
    return _described(
        alt.layer(*layers).properties(height=260, title=_reading(
            title, _("The advocate's own judgement at the time; not a risk rating. Grey: a level with {hidden} "
                     "clients that week, not shown.").format(hidden=hidden_text))),
        title, describe_concern_over_time(frame, hidden_text))


def describe_referrals(frame: pd.DataFrame, hidden_text: str = HIDDEN_LABEL) -> str:
    """The resources offered most, with how many were taken up."""
    data = frame.assign(n=_num(frame["count"]))
    shown = data.dropna(subset=["n"])
    offered = shown[(shown["measure"] == "Offered") & (shown["n"] > 0)].sort_values("n", ascending=False,
                                                                                    kind="stable")
    if offered.empty:
        text = _("No referral offered is shown.")
    else:
        taken = dict(zip(shown.loc[shown["measure"] == "Taken up", "name"],
                         shown.loc[shown["measure"] == "Taken up", "n"], strict=True))
        hidden_taken = set(data.loc[(data["measure"] == "Taken up") & data["n"].isna(), "name"])
        parts = []
        for _i, r in offered.head(3).iterrows():
            took = taken.get(r["name"])
            if took is not None:
                part = _("{name}: {offered} offered, {taken} taken up")
            elif r["name"] in hidden_taken:
                part = _("{name}: {offered} offered, taken up by {hidden} clients")
            else:
                part = _("{name}: {offered} offered")
            parts.append(part.format(name=r["name"], offered=_count(int(r["n"])),
                                     taken=_count(int(took)) if took is not None else "", hidden=hidden_text))
        # TRANSLATORS: {resources} lists up to three: "Legal aid: 22 offered, 10 taken up; Shelter: 4 offered".
        text = ngettext("{n} resource offered. Most offered: {resources}.",
                        "{n} resources offered. Most offered: {resources}.", len(offered)).format(
            n=_count(len(offered)), resources="; ".join(parts))
    return text + _hidden_note(len(data) - len(shown), "figure", hidden_text)


def referrals(frame: pd.DataFrame, hidden_text: str = HIDDEN_LABEL) -> alt.LayerChart:
    """Offered and taken up per resource, most offered first, two bars each with a legend saying which is which.
    `frame`: name, measure ('Offered'/'Taken up'), count (NA = hidden)."""
    # "Offered" and "Taken up" are the frame's codes for the two bars; the words shown for them are the catalog's.
    words = {"Offered": _("Offered"), "Taken up": _("Taken up")}
    data = frame.assign(count=_num(frame["count"]), measure_label=frame["measure"].map(words))
    offered = data[data["measure"] == "Offered"]
    order = _by_value(offered, "name", "count", offered["count"].isna())
    y = alt.Y("name:N", title=None, sort=order, axis=alt.Axis(labelLimit=320))
    offset = alt.YOffset("measure:N", title=_("Bar"), sort=["Offered", "Taken up"],
                         scale=alt.Scale(domain=["Offered", "Taken up"]))
    x_title = _("Referrals")
    # The legend's words, as Vega expression strings (JSON quoting is valid there, whatever the translation holds).
    upper, lower = json.dumps(_("Offered (upper bar)")), json.dumps(_("Taken up (lower bar)"))
    bars = alt.Chart(data.dropna(subset=["count"])).mark_bar().encode(
        y=y, yOffset=offset, x=alt.X("count:Q", title=x_title, axis=_count_axis(x_title)),
        color=alt.Color("measure:N", title=_("Bars"), sort=["Offered", "Taken up"],
                        scale=alt.Scale(domain=["Offered", "Taken up"], range=["#4292c6", "#41ab5d"]),
                        legend=alt.Legend(orient="top", direction="horizontal",
                                          labelExpr=f"datum.label == 'Offered' ? {upper} : {lower}")),
        tooltip=[alt.Tooltip("name:N", title=_("Resource")), alt.Tooltip("measure_label:N", title=_("Bar")),
                 alt.Tooltip("count:Q", title=_("Referrals"))])
    layers: list[alt.Chart] = [bars]
    hidden = data[data["count"].isna()]
    if not hidden.empty:
        layers.append(_hidden_text_marks(hidden, y, hidden_text, x_title, yOffset=offset))
    title = _("Referrals offered and taken up, by resource")
    return _described(
        alt.layer(*layers, title=_reading(title, _("Each resource offered at a check-in counts once; upper bar "
                                                   "offered, lower bar taken up; most offered first. “{hidden}”: "
                                                   "too few clients to show.").format(hidden=hidden_text)))
        .properties(height=alt.Step(12)),
        title, describe_referrals(frame, hidden_text))


def describe_overdue_by_advocate(frame: pd.DataFrame, hidden_text: str = HIDDEN_LABEL) -> str:
    """Who has overdue follow-ups, most first."""
    data = frame.assign(n=_num(frame["overdue"]))
    shown = data.dropna(subset=["n"])
    late = shown[shown["n"] > 0].sort_values("n", ascending=False, kind="stable")
    if late.empty:
        text = _("No advocate has an overdue follow-up shown.")
    else:
        n = len(late)
        named = "; ".join(f"{r['advocate']} {_count(int(r['n']))}" for _i, r in late.head(5).iterrows())
        # TRANSLATORS: {advocates} lists names with their counts: "Ada 7; Bo 2".
        text = (ngettext("{n} advocate has overdue follow-ups: {advocates}; and more in the figures.",
                         "{n} advocates have overdue follow-ups: {advocates}; and more in the figures.", n)
                if n > 5 else ngettext("{n} advocate has overdue follow-ups: {advocates}.",
                                       "{n} advocates have overdue follow-ups: {advocates}.", n)
                ).format(n=_count(n), advocates=named)
    return text + _hidden_note(len(data) - len(shown), "advocate", hidden_text)


def overdue_by_advocate(frame: pd.DataFrame, hidden_text: str = HIDDEN_LABEL) -> alt.LayerChart:
    """Open clients whose follow-up is overdue now, per advocate, most first. `frame`: advocate, overdue."""
    data = frame.assign(overdue=_num(frame["overdue"]))
    hidden = data["overdue"].isna()
    y = alt.Y("advocate:N", title=None, sort=_by_value(data, "advocate", "overdue", hidden),
              axis=alt.Axis(labelLimit=300))
    x_title = _("Clients overdue")
    bars = alt.Chart(data[~hidden]).mark_bar(color="#f16913").encode(
        y=y, x=alt.X("overdue:Q", title=x_title, axis=_count_axis(x_title)),
        tooltip=[alt.Tooltip("advocate:N", title=_("Advocate")), alt.Tooltip("overdue:Q", title=_("Overdue"))])
    layers: list[alt.Chart] = [bars]
    if hidden.any():
        layers.append(_hidden_text_marks(data[hidden], y, hidden_text, x_title))
    title = _("Follow-ups overdue now, per advocate")
    return _described(
        alt.layer(*layers, title=_reading(title, _("Open clients past their next check-in date, by their current "
                                                   "advocate, most first.")))
        .properties(height=alt.Step(22)),
        title, describe_overdue_by_advocate(frame, hidden_text))


def describe_progress(frame: pd.DataFrame, per: str, hidden_text: str = HIDDEN_LABEL) -> str:
    """The first and the latest shown period's share."""
    data = frame.assign(s=_num(frame["share"]), n=_num(frame["clients"]))
    shown = data.dropna(subset=["s"])
    spans = with_spans(frame, "bucket_start")
    if shown.empty:
        return (_("No period by week has enough clients with three or more check-ins to show.") if _by_week(per)
                else _("No period by month has enough clients with three or more check-ins to show.")
                ) + _part_words(spans, "period")
    last = shown.iloc[-1]
    n = int(last["n"])
    # TRANSLATORS: {share} is a percentage ("40%").
    text = ngettext("Latest shown period, starting {date}: {share} of {n} client had fewer signs observed than at "
                    "their first check-in.",
                    "Latest shown period, starting {date}: {share} of {n} clients had fewer signs observed than at "
                    "their first check-in.", n).format(date=_day(last["bucket_start"]),
                                                       share=i18n.percent(last["s"]), n=_count(n))
    if len(shown) > 1:
        first = shown.iloc[0]
        text += " " + _("First shown period, starting {date}: {share}.").format(
            date=_day(first["bucket_start"]), share=i18n.percent(first["s"]))
    return text + _part_words(spans, "period") + _hidden_note(len(data) - len(shown), "period", hidden_text)


def progress(frame: pd.DataFrame, per: str, hidden_text: str = HIDDEN_LABEL) -> alt.LayerChart:
    """Share of clients (3+ check-ins) with fewer signs than at their first check-in, a point in the middle of each
    week or month. `frame`: bucket_start (and first_day, last_day, part), share, clients."""
    weekly = _by_week(per)
    data = with_spans(frame, "bucket_start", "week" if weekly else "month")
    data = data.assign(share=_num(frame["share"]), start=data["first"].map(i18n.month_day_year))
    x_title = _("By week starting") if weekly else _("By month starting")
    x = time_axis(data, x_title, field="mid")
    line = alt.Chart(data).mark_line(point=True).encode(  # a hidden period breaks the line
        x=x, y=alt.Y("share:Q", title=_("Share of clients"), axis=alt.Axis(format="%"),
                     scale=alt.Scale(domain=[0, 1])),
        tooltip=[alt.Tooltip("start:N", title=_("Starting")), alt.Tooltip("share:Q", title=_("Share"), format=".0%"),
                 alt.Tooltip("clients:Q", title=_("Clients")), alt.Tooltip("part:N", title=_("Note"))])
    layers: list[alt.Chart | alt.LayerChart] = [line]
    hidden = data[data["share"].isna() & frame["hidden"].astype(bool)] if "hidden" in frame else data.iloc[0:0]
    if not hidden.empty:
        layers.insert(0, _hidden_band(hidden, _("share of {hidden} clients: not shown"), hidden_text, x_title))
    title = (_("Clients with fewer signs observed than at their first check-in, by week") if weekly
             else _("Clients with fewer signs observed than at their first check-in, by month"))
    return _described(
        alt.layer(*layers).properties(height=240, title=_reading(
            title, _("Among clients seen with at least three check-ins. Observations, not outcomes or scores. Grey: "
                     "{hidden} clients, not shown.").format(hidden=hidden_text))),
        title, describe_progress(frame, per, hidden_text))


# Checking a spec against the Vega-Lite schema was a third of drawing the trends charts the first time (about 90 ms
# of a quarter's 300 ms at a million check-ins). The page tests turn it on (tests/pages/conftest.py), so every chart
# they draw, with real figures, is checked; the builders are the same code in the app.
VALIDATE_SPECS = False


def vega_spec(chart: alt.TopLevelMixin) -> dict[str, Any]:
    """The chart as the Vega-Lite spec Streamlit's st.altair_chart would send (Altair's theme "none", the data
    inline), so a page can keep it and draw it again with st.vega_lite_chart without building it on every run."""
    from streamlit.elements.vega_charts import _altair_globals_lock  # the lock Streamlit holds around Altair's globals

    with _altair_globals_lock, alt.theme.enable("none"):
        spec = chart.to_dict(validate=VALIDATE_SPECS)
    if i18n.current() != i18n.SOURCE:
        # Month and day names and the number format of the axes in the reader's language: Vega reads the locale
        # from the spec's config, which Streamlit keeps (it drops embed options). English is Vega's own default.
        spec.setdefault("config", {})["locale"] = i18n.chart_locale()
    return spec


_SPECS: OrderedDict[Hashable, tuple[dict[str, Any], str]] = OrderedDict()
_SPECS_LOCK = threading.Lock()
SPECS_KEPT = 64  # about nine views' charts; a year's prevalence chart is the largest, ~0.3 MB


def digest(*shown: Any) -> str:
    """A fingerprint of what a chart shows (its frames and words), to keep its spec by: a chart is a function of
    them alone. Pickled, so dates, missing values and column order all count."""
    return hashlib.blake2b(pickle.dumps(shown, protocol=5), digest_size=16).hexdigest()


def kept_spec(key: Hashable, chart: Callable[[], alt.TopLevelMixin], words: Callable[[], str]
              ) -> tuple[dict[str, Any], str]:
    """A chart's spec and its words, built once per `key` and kept (in this process, the last SPECS_KEPT): on
    the trends page building the Altair charts and validating them took about half of every run (py-spy under
    bench/load.py), and a page script's own globals do not outlive its run. The key must name everything the
    chart shows (the trends page uses the chart's name and the digest of its frame and wording). The reader's language
    is part of the key here: the same figures give each language its own words."""
    key = (i18n.current(), key)
    with _SPECS_LOCK:
        kept = _SPECS.get(key)
        if kept is not None:
            _SPECS.move_to_end(key)
            return kept
    kept = (vega_spec(chart()), words())
    with _SPECS_LOCK:
        _SPECS[key] = kept
        while len(_SPECS) > SPECS_KEPT:
            _SPECS.popitem(last=False)
    return kept
