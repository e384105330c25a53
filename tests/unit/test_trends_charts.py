"""The Trends charts as Vega-Lite specs: time in order on a real time axis that ends with the period, week or month
ticks, whole-number ticks for counts, bars by value where order means nothing, part weeks and hidden figures
marked."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd

from dashboard import charts
from models.services.periods import Period, fiscal_year_of, quarter_of, so_far
from models.services.trends import bucket_columns, buckets

NOVEMBER = Period(date(2026, 11, 1), date(2026, 11, 30))  # the custom period of issue 18


def _weekly(period: Period, counts: list[int | None]) -> pd.DataFrame:
    weeks = buckets(period, "week")
    frame = pd.DataFrame({"week_start": [w.start for w in weeks],
                          "check_ins": pd.array(counts, dtype="Int64"),
                          "clients": pd.array([None if c is None else max(1, c // 2) for c in counts], dtype="Int64"),
                          "hidden": [c is None for c in counts]})
    return bucket_columns(frame, weeks, "week_start")


def _layers(spec: dict[str, Any], data: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every single-view layer of a spec, depth first, each with the data it draws (its own or its parent's)."""
    data = spec.get("data", data)
    if "layer" in spec:
        return [leaf for layer in spec["layer"] for leaf in _layers(layer, data)]
    return [{**spec, "data": data}]


def _mark(spec: dict[str, Any], mark: str) -> list[dict[str, Any]]:
    return [layer for layer in _layers(spec) if (layer["mark"]["type"] if isinstance(layer["mark"], dict)
                                                 else layer["mark"]) == mark]


def _day(value: dict[str, int]) -> date:
    return date(value["year"], value["month"], value["date"])


def _rows(spec: dict[str, Any], layer: dict[str, Any]) -> list[dict[str, Any]]:
    return spec["datasets"][layer["data"]["name"]]


def test_a_custom_november_is_drawn_in_time_order_and_ends_with_the_period():
    frame = _weekly(NOVEMBER, [3, 40, 31, 28, 35, 6])
    spec = charts.weekly_activity(frame).to_dict()
    (bars,) = _mark(spec, "bar")
    x = bars["encoding"]["x"]
    assert x["type"] == "temporal" and x["sort"] == "ascending"
    ticks = [_day(v) for v in x["axis"]["values"]]
    assert ticks == sorted(ticks)
    # No 26 Oct after 23 Nov, nor before; the one-day bar of Sunday 1 Nov has no label of its own to crowd 2 Nov.
    assert ticks == [date(2026, 11, d) for d in (2, 9, 16, 23, 30)]
    assert [_day(v) for v in x["scale"]["domain"]] == [date(2026, 11, 1), date(2026, 12, 1)]  # the midnight after
    assert x["axis"]["format"] == "%-d %b"  # a tick per week, never per day
    firsts = [pd.Timestamp(r["first"]) for r in _rows(spec, bars)]
    assert firsts == sorted(firsts)
    assert bars["encoding"]["x2"]["field"] == "end"
    assert bars["encoding"]["y2"]["field"] == "zero"  # a ranged bar stands on the axis, not a hairline at its value
    y = bars["encoding"]["y"]["axis"]
    assert y["format"] == "d" and y["tickMinStep"] == 1


def test_part_weeks_are_paler_and_said_in_the_tooltip_and_in_words():
    frame = _weekly(NOVEMBER, [3, 40, 31, 28, 35, 6])
    spec = charts.weekly_activity(frame).to_dict()
    (bars,) = _mark(spec, "bar")
    assert bars["encoding"]["opacity"]["condition"]["value"] < bars["encoding"]["opacity"]["value"]
    assert "part" in [t["field"] for t in bars["encoding"]["tooltip"]]
    rows = _rows(spec, bars)
    assert rows[0]["part"] == "part week (1 day)" and rows[-1]["part"] == "part week (1 day)" and rows[1]["part"] == ""
    words = charts.describe_weekly_activity(frame)
    assert "The first week is a part week (1 day); the last week is a part week (1 day), so they count fewer" in words
    assert "Most check-ins in the week of 2 Nov 2026: 40" in words  # the busiest and quietest among whole weeks
    assert "fewest in the week of 16 Nov 2026: 28" in words


def test_the_axis_of_a_quarter_so_far_ends_today_not_at_the_quarter_s_end():
    today = date(2026, 12, 2)
    period = so_far(quarter_of(today), today)
    spec = charts.weekly_activity(_weekly(period, [5] * len(buckets(period, "week")))).to_dict()
    (bars,) = _mark(spec, "bar")
    assert _day(bars["encoding"]["x"]["scale"]["domain"][1]) == date(2026, 12, 3)


def test_a_fiscal_year_is_ticked_by_month():
    year = fiscal_year_of(date(2026, 3, 1), 10)
    months = buckets(year, "month")
    frame = pd.DataFrame({"bucket_start": [m.start for m in months], "share": [0.5] * 12, "clients": [9] * 12,
                          "hidden": [False] * 12})
    spec = charts.progress(bucket_columns(frame, months, "bucket_start"), "by month").to_dict()
    (line,) = _mark(spec, "line")
    axis = line["encoding"]["x"]["axis"]
    assert axis["format"] == "%b %Y"
    assert [_day(v) for v in axis["values"]] == [m.start for m in months]
    # A year of weekly bars is ticked by month as well, never by week or day.
    weeks = _weekly(year, [9] * len(buckets(year, "week")))
    (bars,) = _mark(charts.weekly_activity(weeks).to_dict(), "bar")
    ticks = [_day(v) for v in bars["encoding"]["x"]["axis"]["values"]]
    assert ticks == [m.start for m in months] and bars["encoding"]["x"]["axis"]["format"] == "%b %Y"


def test_a_hidden_week_is_a_grey_band_labelled_fewer_than_5_not_a_gap():
    frame = _weekly(NOVEMBER, [3, 40, None, 28, 35, 6])
    spec = charts.weekly_activity(frame, "fewer than 5").to_dict()
    (band,) = _mark(spec, "rect")
    assert [pd.Timestamp(r["first"]).date() for r in _rows(spec, band)] == [date(2026, 11, 9)]
    (text,) = _mark(spec, "text")
    assert {r["label"] for r in _rows(spec, text)} == {"fewer than 5"}
    assert "1 week shows “fewer than 5”" in charts.describe_weekly_activity(frame)


def test_concern_is_stacked_in_level_order_with_whole_counts():
    weeks = buckets(NOVEMBER, "week")
    frame = pd.DataFrame([{"week_start": w.start, "concern_label": level, "rank": n,
                           "check_ins": None if (w.first.day == 9 and n > 1) else 4 + n}
                          for w in weeks for n, level in enumerate(charts.CONCERN_ORDER)])
    frame["check_ins"] = pd.array(frame["check_ins"], dtype="Int64")
    spec = charts.concern_over_time(bucket_columns(frame, weeks, "week_start")).to_dict()
    (bars,) = _mark(spec, "bar")
    assert bars["encoding"]["color"]["scale"]["domain"] == charts.CONCERN_ORDER  # natural order kept
    assert bars["encoding"]["y"]["axis"]["format"] == "d"
    first_week = [r for r in _rows(spec, bars) if pd.Timestamp(r["first"]).date() == date(2026, 11, 1)]
    assert [(r["bottom"], r["top"]) for r in first_week] == [(0, 4), (4, 9), (9, 15), (15, 22)]
    (said,) = _mark(spec, "text")  # some levels shown that week: the hidden ones are named above its stack
    assert [(r["label"], r["top"]) for r in _rows(spec, said)] == [("2 levels: fewer than 5", 9)]
    assert [r["note"] for r in _rows(spec, said)] == ["High, Immediate danger: fewer than 5 clients, not shown"]
    assert not _mark(spec, "rect")


def test_referrals_are_sorted_by_offered_with_a_legend_whole_ticks_and_hidden_figures_named():
    names = ["Shelter", "Legal aid", "Hotline", "Counselling"]
    offered = pd.array([4, 22, None, 9], dtype="Int64")
    taken = pd.array([1, 10, None, None], dtype="Int64")
    frame = pd.concat([pd.DataFrame({"name": names, "measure": "Offered", "count": offered}),
                       pd.DataFrame({"name": names, "measure": "Taken up", "count": taken})])
    spec = charts.referrals(frame).to_dict()
    (bars,) = _mark(spec, "bar")
    assert bars["encoding"]["y"]["sort"] == ["Legal aid", "Counselling", "Shelter", "Hotline"]
    assert bars["encoding"]["x"]["axis"]["format"] == "d" and bars["encoding"]["x"]["axis"]["tickMinStep"] == 1
    legend = bars["encoding"]["color"]["legend"]
    assert bars["encoding"]["color"]["title"] == "Bars" and legend["orient"] == "top"
    (text,) = _mark(spec, "text")
    assert sorted((r["name"], r["measure"]) for r in _rows(spec, text)) == [
        ("Counselling", "Taken up"), ("Hotline", "Offered"), ("Hotline", "Taken up")]
    assert {r["_text"] for r in _rows(spec, text)} == {"fewer than 5"}
    words = charts.describe_referrals(frame)
    assert "Counselling: 9 offered, taken up by fewer than 5 clients" in words
    assert "3 figures show “fewer than 5”" in words


def test_overdue_and_signs_are_sorted_by_value_hidden_last():
    overdue = pd.DataFrame({"advocate": ["Ada", "Bo", "Cy"], "overdue": pd.array([2, None, 7], dtype="Int64")})
    spec = charts.overdue_by_advocate(overdue).to_dict()
    (bars,) = _mark(spec, "bar")
    assert bars["encoding"]["y"]["sort"] == ["Cy", "Ada", "Bo"]
    assert bars["encoding"]["x"]["axis"]["format"] == "d"
    items = pd.DataFrame({"label": ["A", "B", "C"], "section": ["s"] * 3, "check_ins": [3, None, 9],
                          "share": pd.array([0.1, None, 0.6], dtype="Float64"), "hidden": [False, True, False]})
    spec = charts.sign_prevalence(items).to_dict()
    (bars,) = _mark(spec, "bar")
    assert bars["encoding"]["y"]["sort"] == ["C", "A", "B"]
    (text,) = _mark(spec, "text")
    assert [r["label"] for r in _rows(spec, text)] == ["B"]


def test_specs_are_checked_against_the_schema_when_asked(monkeypatch):
    """The app skips the schema check for speed; the page tests turn it on, and then a bad chart fails."""
    import altair as alt
    import pytest
    from altair.utils.schemapi import SchemaValidationError

    bad = alt.Chart(pd.DataFrame({"a": [1]})).mark_bar().encode(x="a:Q")
    bad.width = "wide"  # not a width Vega-Lite knows (a number, "container" or a step)
    assert charts.vega_spec(bad)["width"] == "wide"
    monkeypatch.setattr(charts, "VALIDATE_SPECS", True)
    with pytest.raises(SchemaValidationError):
        charts.vega_spec(bad)
