"""The charts of a report file (models/services/report_pdf.py), built with Altair and drawn to PNG by vl-convert.

These are for paper: fixed sizes, one calm colour, no tooltips. Every row of a table is on its chart: a hidden
figure is drawn as a short grey bar (as long as the `fewer than k` it stands for) labelled "fewer than k", so a
reader never takes a missing bar for a zero. Counts get whole-number ticks. Order follows meaning where there is
one (months in time order, levels of concern from low to immediate) and value otherwise. The words on a chart are in
the language being written, and so are its axes' numbers (the language's chart locale, `config.locale`, which
vl-convert honours).
"""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import pandas as pd
import vl_convert

from models.base import i18n
from models.base.i18n import _, pgettext
from models.services.releases import NOT_SHOWN, NOT_SHOWN_YEAR

INK = "#3f6e9a"  # the one colour of a bar with a figure
SECOND = "#9cbfdd"  # the second series (referrals taken up)
HIDDEN_FILL = "#d9d9d9"
MUTED = "#6b6b6b"
WIDTH = 440  # px at scale 1; drawn at scale 2 for print
ROW_STEP = 20
CONCERN_ORDER = ("low", "moderate", "high", "immediate")
FONT = "Liberation Sans, Arial, Helvetica, sans-serif"


_BAR_STYLE = {"fill": alt.Fill("fill:N", scale=None), "stroke": alt.Stroke("edge:N", scale=None),
              "strokeDash": alt.StrokeDash("dash:N", scale=None)}
_TEXT_INK = alt.Color("ink:N", scale=None)


def _config(chart: alt.Chart | alt.LayerChart) -> alt.Chart | alt.LayerChart:
    return (chart.configure(font=FONT, locale=i18n.chart_locale())
            .configure_view(stroke=None)
            .configure_axis(labelFontSize=11, titleFontSize=11, labelColor="#333", titleColor="#333",
                            gridColor="#e6e6e6", domainColor="#999", tickColor="#999")
            .configure_legend(labelFontSize=11, titleFontSize=11, orient="top")
            .properties(background="white", padding={"left": 4, "right": 16, "top": 6, "bottom": 4}))


def _unique(labels: Sequence[str]) -> list[str]:
    """Axis labels must differ (the chart sorts and places by them); a repeated label gets a number."""
    seen: dict[str, int] = {}
    out = []
    for text in labels:
        # TRANSLATORS: a chart's label for a row that has no name.
        text = str(text) if text else _("(no name)")
        seen[text] = seen.get(text, 0) + 1
        out.append(text if seen[text] == 1 else f"{text} ({seen[text]})")
    return out


def _number(value: float | None, *, share: bool = False) -> str:
    if value is None or pd.isna(value):
        # TRANSLATORS: written beside a chart's bar that has no figure.
        return pgettext("a chart's figure", "none")
    return i18n.percent(value) if share else i18n.number(int(round(value)))


def _hidden(frame: pd.DataFrame, column: str) -> list[bool]:
    name = f"{column}_hidden"
    if name not in frame:
        return [False] * len(frame)
    return [bool(h) if not pd.isna(h) else False for h in frame[name]]


def _values(frame: pd.DataFrame, column: str) -> list[float | None]:
    if column not in frame:
        return [None] * len(frame)
    return [None if pd.isna(v) else float(v) for v in frame[column]]


def _points(frame: pd.DataFrame, column: str, *, k: int, placeholder: float, share: bool = False,
            count_column: str | None = None) -> list[dict[str, object]]:
    """One point per row: where its bar ends, whether it is hidden, and the words beside it."""
    labels = _unique(list(frame["label"]) if "label" in frame else list(frame["row"]))
    values, hidden = _values(frame, column), _hidden(frame, column)
    counts = _values(frame, count_column) if count_column else [None] * len(frame)
    counts_hidden = _hidden(frame, count_column) if count_column else [False] * len(frame)
    whys = [str(w) if isinstance(w, str) else "" for w in frame.get(f"{column}_why", pd.Series([""] * len(frame)))]
    points = []
    for i, text in enumerate(labels):
        is_hidden = hidden[i] or counts_hidden[i]
        value = values[i]
        if is_hidden:  # no bar: a hidden figure may be any size (one hidden to protect another can be large)
            hidden_words = NOT_SHOWN_YEAR if whys[i] == "quarter" else NOT_SHOWN  # no literal inside _()
            words, end = _(hidden_words), 0.0
        else:
            words, end = _number(value, share=share), value or 0.0
            if count_column and counts[i] is not None:
                words += f"  ({_number(counts[i])})"
        # Colours are data rather than conditions: Altair checks every condition against its schema, which took
        # most of a report's time.
        points.append({"label": text, "row": str(frame["row"].iloc[i]), "end": end, "hidden": is_hidden,
                       "words": words, "order": i, "fill": HIDDEN_FILL if is_hidden else INK,
                       "edge": "#8c8c8c" if is_hidden else INK, "dash": [3, 2] if is_hidden else [1, 0],
                       "ink": MUTED if is_hidden else "#222"})
    return points


def value_order(frame: pd.DataFrame, column: str, *, k: int) -> pd.DataFrame:
    """Rows largest first, then the figures not shown (they may be of any size, so they are not placed among the
    others); ties keep their order. The figure tables use the same order as their charts."""
    values, hidden = _values(frame, column), _hidden(frame, column)
    keys = [-1.0 if h else (v or 0.0) for v, h in zip(values, hidden, strict=True)]
    order = sorted(range(len(frame)), key=lambda i: (-keys[i], i))
    return frame.iloc[order].reset_index(drop=True)


def _count_axis(title: str, *, share: bool = False) -> alt.Axis:
    if share:
        return alt.Axis(title=title, format=".0%", tickCount=5)
    return alt.Axis(title=title, format=",d", tickMinStep=1, tickCount=5)


def _domain_max(points: list[dict[str, object]], *, share: bool) -> float:
    top = max([float(p["end"]) for p in points] + [0.0])  # type: ignore[arg-type]
    if share:
        return min(1.0, max(top * 1.25, 0.05))
    return max(top * 1.25, 5.0)


def horizontal_bars(frame: pd.DataFrame, column: str, *, k: int, title: str, by_value: bool = True,
                    share: bool = False, placeholder: float | None = None,
                    count_column: str | None = None) -> alt.LayerChart:
    """One bar per row, label on the left. Sorted by value (largest first) unless `by_value` is False, when the
    rows keep the order they come in (the release gives them in their natural order)."""
    if by_value:  # a share is ordered by its count (a hidden count sorts as just under k)
        frame = value_order(frame, count_column or column, k=k)
    points = _points(frame, column, k=k, placeholder=float(k) if placeholder is None else placeholder,
                     share=share, count_column=count_column)
    order = [p["label"] for p in points]
    data = alt.Data(values=points)
    y = alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=190, ticks=False, domain=False))
    x = alt.X("end:Q", axis=_count_axis(title, share=share),
              scale=alt.Scale(domain=[0, _domain_max(points, share=share)], nice=False))
    base = alt.Chart(data).encode(y=y, x=x)
    bars = base.mark_bar(height=13).encode(**_BAR_STYLE)
    words = base.mark_text(align="left", baseline="middle", dx=4, fontSize=10.5).encode(
        text="words:N", color=_TEXT_INK)
    return _config(alt.layer(bars, words).properties(width=WIDTH, height=alt.Step(ROW_STEP)))


def month_bars(frame: pd.DataFrame, column: str, *, k: int, title: str) -> alt.LayerChart:
    """Check-ins per calendar month, in time order (rows are the months' first days, ISO), upright bars."""
    frame = frame.sort_values("row", kind="stable").reset_index(drop=True)
    points = _points(frame, column, k=k, placeholder=float(k))
    # TRANSLATORS: written over a hidden month's bar in a report's chart, on two short lines (keep the line break
    # "\n": a column is narrow when a year has twelve); {k} is the smallest number of clients a figure may show.
    upper, _sep, lower = _("fewer\nthan {k}").format(k=i18n.number(k)).rpartition("\n")
    for p in points:  # two short lines over a hidden month's bar: a column is narrow when a year has twelve
        p["upper"], p["lower"] = ((upper, lower) if p["hidden"] else ("", p["words"]))
    order = [p["label"] for p in points]
    data = alt.Data(values=points)
    # "Oct 2026" on two lines ("Oct", "2026"), so twelve months fit side by side.
    x = alt.X("label:N", sort=order, title=None,
              axis=alt.Axis(labelAngle=0, labelOverlap=False, ticks=False, labelExpr="split(datum.label, ' ')"))
    y = alt.Y("end:Q", axis=_count_axis(title),
              scale=alt.Scale(domain=[0, _domain_max(points, share=False)], nice=False))
    base = alt.Chart(data).encode(x=x, y=y)
    bars = base.mark_bar(width=alt.RelativeBandSize(0.6)).encode(**_BAR_STYLE)
    lower = base.mark_text(baseline="bottom", dy=-3, fontSize=10.5).encode(text="lower:N", color=_TEXT_INK)
    upper = base.mark_text(baseline="bottom", dy=-16, fontSize=10.5).encode(text="upper:N", color=_TEXT_INK)
    return _config(alt.layer(bars, lower, upper).properties(width=WIDTH, height=170))


def paired_bars(frame: pd.DataFrame, columns: dict[str, str], *, k: int, title: str) -> alt.LayerChart:
    """Two figures per row side by side (referrals offered and taken up), with a legend; rows sorted by the
    first figure, largest first."""
    names = list(columns.values())
    frame = value_order(frame, list(columns)[0], k=k)
    series: list[dict[str, object]] = []
    for column, name in columns.items():
        for p in _points(frame, column, k=k, placeholder=float(k)):
            series.append({**p, "series": name, "fill": "hidden" if p["hidden"] else name,
                           "edge": p["edge"] if p["hidden"] else "white"})
    order = [p["label"] for p in series if p["series"] == names[0]]
    data = alt.Data(values=series)
    top = _domain_max(series, share=False)
    y = alt.Y("label:N", sort=order, title=None, scale=alt.Scale(paddingInner=0.3, paddingOuter=0.15),
              axis=alt.Axis(labelLimit=190, ticks=False, domain=False))
    x = alt.X("end:Q", axis=_count_axis(title), scale=alt.Scale(domain=[0, top], nice=False))
    offset = alt.YOffset("series:N", sort=names, scale=alt.Scale(paddingInner=0.15))
    # One fill scale for both series and the hidden grey; the legend names the two series only (and shows both even
    # when every bar of one is hidden).
    fill = alt.Fill("fill:N", title=None, scale=alt.Scale(domain=[*names, "hidden"], range=[INK, SECOND, HIDDEN_FILL]),
                    legend=alt.Legend(values=names, symbolType="square", orient="top"))
    base = alt.Chart(data).encode(y=y, x=x, yOffset=offset)
    bars = base.mark_bar().encode(**{**_BAR_STYLE, "fill": fill})
    words = base.mark_text(align="left", baseline="middle", dx=4, fontSize=10).encode(text="words:N",
                                                                                       color=_TEXT_INK)
    # The step is per bar (the offset band): two bars and a gap make one resource's row.
    return _config(alt.layer(bars, words).properties(width=WIDTH, height=alt.Step(12)))


def concern_order(frame: pd.DataFrame) -> pd.DataFrame:
    """Levels of concern from low to immediate; a level the list does not know goes last."""
    rank = {level: i for i, level in enumerate(CONCERN_ORDER)}
    keyed = frame.assign(_rank=[rank.get(str(r), len(rank)) for r in frame["row"]])
    return keyed.sort_values("_rank", kind="stable").drop(columns="_rank").reset_index(drop=True)


def to_png(chart: alt.TopLevelMixin, *, scale: float = 2) -> bytes:
    """The chart as a PNG, drawn without a browser or network (vl-convert carries Vega and its fonts)."""
    return vl_convert.vegalite_to_png(chart.to_dict(validate=False), scale=scale)  # built and checked above
