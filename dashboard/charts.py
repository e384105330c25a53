"""Altair chart builders: a small, already-aggregated DataFrame in, a chart out.

A chart is a picture a screen reader cannot read, so each builder has a `describe_*` twin that says the chart's
gist in one or two sentences. The builder puts that sentence in the chart's Vega-Lite `description` (Vega makes
it the drawing's aria-label) and the page shows it as text beside the chart. Descriptions read only the values
the chart shows: a cell hidden by small-cell suppression is NA in the frame and is only ever counted as hidden.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

HIDDEN_WHY = "too few clients to show"


def _num(series: pd.Series) -> pd.Series:
    return pd.to_numeric(series, errors="coerce").astype(float)


def _day(value, with_year: bool = True) -> str:  # type: ignore[no-untyped-def]
    return pd.Timestamp(value).strftime("%d %b %Y" if with_year else "%d %b").lstrip("0")


def _plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (words or word + 's')}"


def _hidden_note(n: int, what: str, things: str | None = None) -> str:
    return f" {_plural(n, what, things)} left out: {HIDDEN_WHY}." if n else ""


def _change(first: int, latest: int) -> str:
    if latest == first:
        return "the same"
    return f"{latest - first} more" if latest > first else f"{first - latest} fewer"


def describe_signs_over_time(frame: pd.DataFrame, concern: pd.DataFrame | None = None) -> str:
    """One client's chart in words: per section, the items observed at the first and at the latest check-in and
    the change between them; then the level of concern at both. Observations, never a verdict."""
    if frame.empty:
        return "No check-ins yet."
    ordered = frame.sort_values("occurred_at" if "occurred_at" in frame else "date", kind="stable")
    checks = ordered["check_in_id"].nunique() if "check_in_id" in ordered else ordered["date"].nunique()
    if checks == 1:
        parts = [f"{section}: {_plural(int(_num(rows['count']).iloc[0]), 'item')} observed"
                 for section, rows in ordered.groupby("section", sort=False)]
        return "1 check-in. " + "; ".join(parts) + "."
    parts = []
    for section, rows in ordered.groupby("section", sort=False):
        counts = _num(rows["count"])
        first, latest = int(counts.iloc[0]), int(counts.iloc[-1])
        parts.append(f"{section}: {_plural(first, 'item')} at the first check-in, {latest} at the latest "
                     f"({_change(first, latest)})")
    text = f"{_plural(checks, 'check-in')}. " + "; ".join(parts) + "."
    if concern is not None and not concern.empty:
        levels = concern.sort_values("occurred_at", kind="stable")["concern_label"]
        first_level, latest_level = str(levels.iloc[0]).lower(), str(levels.iloc[-1]).lower()
        text += (f" Level of concern: {first_level} at the first check-in, {latest_level} at the latest."
                 if first_level != latest_level else f" Level of concern: {latest_level} at the first and the "
                                                     "latest check-in.")
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

    y = alt.Y("count:Q", title="Items", scale=alt.Scale(domain=[0, top], nice=False),
              axis=alt.Axis(format="d", values=y_ticks, titleFontWeight="normal"))
    tooltip = [alt.Tooltip("occurred_at:T", title="Check-in", format=f"{CHART_DATE} %H:%M"),
               alt.Tooltip("section:N", title="Section"), alt.Tooltip("count:Q", title="Items observed")]
    panels = []
    sections = list(dict.fromkeys(data["section"]))
    for n, section in enumerate(sections):
        last = n == len(sections) - 1 and (concern is None or concern.empty)
        x = alt.X("occurred_at:T", title="Check-in date" if last else None, scale=x_scale, axis=x_axis(last))
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
            alt.Chart(concern, title=alt.Title("Level of concern", anchor="start", fontSize=12, fontWeight="normal"))
            .mark_point(size=110, opacity=1, filled=True)
            .encode(x=alt.X("occurred_at:T", title="Check-in date", scale=x_scale, axis=x_axis(True)),
                    color=alt.Color("concern_label:N", title="Level of concern",
                                    scale=alt.Scale(domain=order, range=colours), legend=legend),
                    shape=alt.Shape("concern_label:N", title="Level of concern",
                                    scale=alt.Scale(domain=order, range=shapes), legend=legend),
                    tooltip=[alt.Tooltip("occurred_at:T", title="Check-in", format=f"{CHART_DATE} %H:%M"),
                             alt.Tooltip("concern_label:N", title="Level of concern")])
            .properties(width=TIMELINE_WIDTH, height=22))
    title = "Signs and reactions observed at each check-in"
    chart = alt.vconcat(*panels, spacing=16, title=alt.Title(
        title, anchor="start", subtitle="Each panel is one section of the checklist, on the same scale: a lower "
        "area means fewer items were observed. These are observations, not a score."))
    return _described(chart, title, describe_signs_over_time(frame, concern))


def _described(chart: alt.Chart | alt.LayerChart | alt.VConcatChart, title: str,
               summary: str) -> alt.Chart | alt.LayerChart | alt.VConcatChart:
    """The chart with its title and summary as its Vega-Lite description, which Vega makes its aria-label."""
    return chart.properties(description=f"Chart: {title}. {summary}")


def _reading(title: str, reading: str) -> alt.Title:
    return alt.Title(title, subtitle=reading, anchor="start")


def _week_axis(title: str = "Week starting") -> alt.X:
    # Weeks as ordered categories, so each bar is as wide as its week (a time axis draws hairlines).
    return alt.X("week_label:O", title=title, sort=None, axis=alt.Axis(labelAngle=-45))


def _week_labels(frame: pd.DataFrame, column: str = "week_start") -> pd.DataFrame:
    return frame.assign(week_label=pd.to_datetime(frame[column]).dt.strftime("%d %b"))


def describe_weekly_activity(frame: pd.DataFrame) -> str:
    """Busiest and quietest shown weeks, and the latest week."""
    data = frame.assign(n=_num(frame["check_ins"]), seen=_num(frame["clients"]))
    shown = data.dropna(subset=["n"])
    if shown.empty:
        return f"{_plural(len(frame), 'week')}, none shown: {HIDDEN_WHY}."
    most, least = shown.loc[shown["n"].idxmax()], shown.loc[shown["n"].idxmin()]
    text = (f"{_plural(len(frame), 'week')}. Most check-ins in the week of {_day(most['week_start'])}: "
            f"{int(most['n']):,}; fewest in the week of {_day(least['week_start'])}: {int(least['n']):,}.")
    last = data.iloc[-1]
    if pd.notna(last["n"]):
        text += f" Latest week: {_plural(int(last['n']), 'check-in')}" + (
            f" with {_plural(int(last['seen']), 'client')} seen." if pd.notna(last["seen"]) else ".")
    return text + _hidden_note(len(data) - len(shown), "week")


def weekly_activity(frame: pd.DataFrame) -> alt.LayerChart:
    """Check-ins per week (bars) and clients seen (line). `frame`: week_start, check_ins, clients (NA = hidden)."""
    data = _week_labels(frame)
    base = alt.Chart(data).encode(x=_week_axis())
    tooltip = [alt.Tooltip("week_label:O", title="Week starting"), alt.Tooltip("check_ins:Q", title="Check-ins"),
               alt.Tooltip("clients:Q", title="Clients seen")]
    bars = base.mark_bar(opacity=0.8, color="#4292c6").encode(y=alt.Y("check_ins:Q", title="Count"),
                                                               tooltip=tooltip)
    line = base.mark_line(point=True, color="#333").encode(y="clients:Q", tooltip=tooltip)
    title = "Check-ins per week (bars) and clients seen (line)"
    return _described(alt.layer(bars, line).properties(
        height=260, title=_reading(title, "Weeks with too few clients to show are left blank.")),
        title, describe_weekly_activity(frame))


def _top(rows: pd.DataFrame, value: str, n: int = 3) -> str:
    best = rows.sort_values(value, ascending=False, kind="stable").head(n)
    return "; ".join(f"{r['label']} ({r[value]:.0%})" for _, r in best.iterrows())


def _not_asked(frame: pd.DataFrame) -> pd.Series:
    """Rows for an item that no check-in counted had on its form (added to the checklist later): no figure."""
    if "on_checklist" not in frame:
        return pd.Series(False, index=frame.index)
    return ~frame["on_checklist"].astype(bool)


def describe_sign_prevalence(frame: pd.DataFrame) -> str:
    """The items observed most often, how many were never observed, how many are hidden, how many were not yet
    on the checklist."""
    later = _not_asked(frame)
    data = frame[~later].assign(s=_num(frame.loc[~later, "share"]))
    shown = data.dropna(subset=["s"])
    seen = shown[shown["s"] > 0]
    text = f"Most often observed: {_top(seen, 's')}." if not seen.empty else "No item was observed at a shown share."
    never = int((shown["s"] == 0).sum())
    if never:
        text += f" {_plural(never, 'item')} not observed at all."
    added = int(later.sum())
    if added:
        text += (f" {_plural(added, 'item was', 'items were')} added to the checklist after this period's "
                 f"check-ins, so {'it has' if added == 1 else 'they have'} no share yet.")
    return text + _hidden_note(len(data) - len(shown), "item")


def _new_tooltip(data: pd.DataFrame) -> list[alt.Tooltip]:
    """For an item added in a later checklist version, the tooltip says since when it is counted."""
    return [alt.Tooltip("new:N", title="Counted")] if "new" in data.columns and data["new"].astype(bool).any() else []


def sign_prevalence(frame: pd.DataFrame) -> alt.Chart:
    """Share of check-ins at which each item was observed. `frame`: label, section, share (NA = hidden)."""
    data = frame.dropna(subset=["share"])
    return _described(
        alt.Chart(data, title=_reading("How often each sign and reaction was observed",
                                       "Share of the period's check-ins where the advocate noted it."))
        .mark_bar()
        .encode(
            y=alt.Y("label:N", title=None, sort="-x", axis=alt.Axis(labelLimit=420, labelOverlap=False)),
            x=alt.X("share:Q", title="Share of check-ins", axis=alt.Axis(format="%")),
            color=alt.Color("section:N", title="Section"),
            tooltip=[alt.Tooltip("label:N", title="Item"), alt.Tooltip("share:Q", title="Share", format=".0%"),
                     alt.Tooltip("check_ins:Q", title="Check-ins"), *_new_tooltip(data)],
        )
        .properties(height=alt.Step(20)),
        "How often each sign and reaction was observed", describe_sign_prevalence(frame))


def describe_prevalence_over_time(frame: pd.DataFrame, per: str) -> str:
    """The heat map in words: the items most observed in the latest period that has figures to show, and how
    many cells are grey (and how many blank: the item was not yet on the checklist)."""
    later = _not_asked(frame)
    frame = frame[~later]
    hidden = frame["hidden"].astype(bool)
    data = frame.assign(s=_num(frame["share"]).where(~hidden), start=pd.to_datetime(frame["bucket_start"]))
    periods = data["start"].nunique()
    if not periods:
        return "No periods to show."
    text = f"{_plural(data['label'].nunique(), 'item')} over {_plural(periods, 'period')}, {per}."
    seen = data[data["s"] > 0]
    if seen.empty:
        text += " No cell has a figure that can be shown."
    else:
        latest = seen["start"].max()
        which = "latest period" if latest == data["start"].max() else "latest period with figures shown"
        text += (f" In the {which}, starting {_day(latest)}, most often observed: "
                 f"{_top(seen[seen['start'] == latest], 's')}.")
    grey = int(hidden.sum())
    text += (f" {grey:,} of {_plural(len(data), 'cell')} {'is' if grey == 1 else 'are'} grey: {HIDDEN_WHY}."
             if grey else "")
    if later.any():
        text += (f" {_plural(int(later.sum()), 'cell is', 'cells are')} blank: the item was not yet on the checklist "
                 "for that period's "
                 "check-ins.")
    return text


def prevalence_over_time(frame: pd.DataFrame, per: str) -> alt.Chart:
    """Share per item and bucket, as a heat map, items in checklist order. `frame`: bucket_start, label, share,
    hidden. Hidden cells are painted grey (Vega-Lite would silently drop an empty value)."""
    # An item added to the checklist later has no cell before it was on the form: blank, not a pale 0%.
    frame_on = frame[~_not_asked(frame)]
    data = frame_on.assign(start=pd.to_datetime(frame_on["bucket_start"]).dt.strftime("%d %b"),
                           shown=frame_on["share"].astype("Float64").fillna(0).astype(float),
                           hidden=frame_on["hidden"].astype(bool))
    # Every period keeps its column and every item its row, even where all of an item's cells are blank.
    starts = list(dict.fromkeys(pd.to_datetime(frame["bucket_start"]).dt.strftime("%d %b")))
    labels = list(dict.fromkeys(frame["label"]))
    return _described(
        alt.Chart(data, title=_reading(f"How that changed, {per}",
                                       "Darker means observed at more of that period's check-ins; "
                                       "grey means too few clients to show; blank means not yet on the "
                                       "checklist."))
        .mark_rect(stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X("start:O", title=f"{per.capitalize()} starting", sort=None, axis=alt.Axis(labelAngle=-45),
                    scale=alt.Scale(domain=starts)),
            y=alt.Y("label:N", title=None, sort=None, axis=alt.Axis(labelLimit=420, labelOverlap=False),
                    scale=alt.Scale(domain=labels)),
            color=alt.condition(alt.datum.hidden, alt.value("#d9d9d9"),
                                alt.Color("shown:Q", title="Share", scale=alt.Scale(scheme="blues"),
                                          legend=alt.Legend(format="%"))),
            tooltip=[alt.Tooltip("label:N", title="Item"), alt.Tooltip("start:O", title="Starting"),
                     alt.Tooltip("shown:Q", title="Share", format=".0%"), *_new_tooltip(data)],
        )
        .properties(height=alt.Step(20)),
        f"How often each sign and reaction was observed, {per}", describe_prevalence_over_time(frame, per))


CONCERN_ORDER = ["Low", "Moderate", "High", "Immediate danger"]
# Blue, amber, orange, red: neighbouring levels differ in hue, not only in shade (issue 17: low and moderate were
# two blues that read as one).
CONCERN_COLOURS = ["#6baed6", "#fec44f", "#f16913", "#b30000"]
CONCERN_SHAPES = ["circle", "square", "triangle-up", "diamond"]


def describe_concern_over_time(frame: pd.DataFrame) -> str:
    """Check-ins at each level of concern, adding up only the shown cells."""
    data = frame.assign(n=_num(frame["check_ins"]))
    shown = data.dropna(subset=["n"])
    if shown.empty:
        return f"No week is shown: {HIDDEN_WHY}."
    totals = shown.groupby("concern_label")["n"].sum()
    levels = [c for c in CONCERN_ORDER if c in totals.index] + [c for c in totals.index if c not in CONCERN_ORDER]
    text = (f"Over {_plural(data['week_start'].nunique(), 'week')}, check-ins shown at each level: "
            + "; ".join(f"{c} {int(totals[c]):,}" for c in levels) + ".")
    return text + _hidden_note(len(data) - len(shown), "week and level", "week and level cells")


def concern_over_time(frame: pd.DataFrame) -> alt.Chart:
    """Check-ins per week by level of concern, stacked. `frame`: week_start, concern_label, rank, check_ins."""
    data = _week_labels(frame).dropna(subset=["check_ins"])
    return _described(
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
        .properties(height=260),
        "Level of concern at each check-in, per week", describe_concern_over_time(frame))


def describe_referrals(frame: pd.DataFrame) -> str:
    """The resources offered most, with how many were taken up."""
    data = frame.assign(n=_num(frame["count"]))
    shown = data.dropna(subset=["n"])
    offered = shown[(shown["measure"] == "Offered") & (shown["n"] > 0)].sort_values("n", ascending=False,
                                                                                    kind="stable")
    if offered.empty:
        text = "No referral offered is shown."
    else:
        taken = dict(zip(shown.loc[shown["measure"] == "Taken up", "name"],
                         shown.loc[shown["measure"] == "Taken up", "n"], strict=True))
        parts = []
        for _, r in offered.head(3).iterrows():
            took = taken.get(r["name"])
            parts.append(f"{r['name']}: {int(r['n']):,} offered"
                         + (f", {int(took):,} taken up" if took is not None else ""))
        text = f"{_plural(len(offered), 'resource')} offered. Most offered: " + "; ".join(parts) + "."
    return text + _hidden_note(len(data) - len(shown), "figure")


def referrals(frame: pd.DataFrame) -> alt.Chart:
    """Offered and taken up per resource. `frame`: name, measure ('Offered'/'Taken up'), count."""
    return _described(
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
        .properties(height=alt.Step(12)),
        "Referrals offered and taken up, by resource", describe_referrals(frame))


def describe_overdue_by_advocate(frame: pd.DataFrame) -> str:
    """Who has overdue follow-ups, most first."""
    data = frame.assign(n=_num(frame["overdue"]))
    shown = data.dropna(subset=["n"])
    late = shown[shown["n"] > 0].sort_values("n", ascending=False, kind="stable")
    if late.empty:
        text = "No advocate has an overdue follow-up shown."
    else:
        text = (f"{_plural(len(late), 'advocate has', 'advocates have')} overdue follow-ups: "
                + "; ".join(f"{r['advocate']} {int(r['n']):,}" for _, r in late.head(5).iterrows())
                + ("; and more in the figures." if len(late) > 5 else "."))
    return text + _hidden_note(len(data) - len(shown), "advocate")


def overdue_by_advocate(frame: pd.DataFrame) -> alt.Chart:
    """Open clients whose follow-up is overdue now, per advocate. `frame`: advocate, overdue."""
    return _described(
        alt.Chart(frame.dropna(subset=["overdue"]),
                  title=_reading("Follow-ups overdue now, per advocate",
                                 "Open clients past their next check-in date, by their current advocate."))
        .mark_bar(color="#f16913")
        .encode(
            y=alt.Y("advocate:N", title=None, sort="-x", axis=alt.Axis(labelLimit=300)),
            x=alt.X("overdue:Q", title="Clients overdue", axis=alt.Axis(tickMinStep=1)),
            tooltip=[alt.Tooltip("advocate:N", title="Advocate"), alt.Tooltip("overdue:Q", title="Overdue")],
        )
        .properties(height=alt.Step(22)),
        "Follow-ups overdue now, per advocate", describe_overdue_by_advocate(frame))


def describe_progress(frame: pd.DataFrame, per: str) -> str:
    """The first and the latest shown period's share."""
    data = frame.assign(s=_num(frame["share"]), n=_num(frame["clients"]))
    shown = data.dropna(subset=["s"])
    if shown.empty:
        return f"No period {per} has enough clients with three or more check-ins to show."
    last = shown.iloc[-1]
    text = (f"Latest shown period, starting {_day(last['bucket_start'])}: {last['s']:.0%} of "
            f"{_plural(int(last['n']), 'client')} had fewer signs observed than at their first check-in.")
    if len(shown) > 1:
        first = shown.iloc[0]
        text += f" First shown period, starting {_day(first['bucket_start'])}: {first['s']:.0%}."
    return text + _hidden_note(len(data) - len(shown), "period")


def progress(frame: pd.DataFrame, per: str) -> alt.Chart:
    """Share of clients (3+ check-ins) with fewer signs than at their first check-in. `frame`: bucket_start, share."""
    data = frame.assign(start=pd.to_datetime(frame["bucket_start"])).dropna(subset=["share"])
    return _described(
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
        .properties(height=240),
        f"Clients with fewer signs observed than at their first check-in, {per}", describe_progress(frame, per))
