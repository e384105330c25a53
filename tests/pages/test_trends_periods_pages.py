"""The Trends page's period controls in AppTest: Month / Quarter / Fiscal year / Year to date / Custom, the current
quarter by default, the dates of the period and of the one compared with, 'No earlier records to compare with' and
'No change' without an arrow or a colour, and the pointer to Reports where the exports were."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from streamlit.proto.Metric_pb2 import Metric as MetricProto

from models.base.settings import Settings
from models.services import periods
from models.services.periods import Period
from tests.pages.helpers import actor, check_in, new_client, open_page

pytestmark = pytest.mark.pages


def _today() -> date:
    from dashboard import timeutil_ui as tz

    return tz.now_local().date()


def _span(p: Period) -> str:
    if p.start.year == p.end.year:
        return f"{p.start.day} {p.start:%b} – {p.end.day} {p.end:%b %Y}"
    return p.dates()


def _captions(at) -> str:  # type: ignore[no-untyped-def]
    return "\n".join(c.value for c in at.caption)


def test_the_current_quarter_is_the_default_and_says_what_it_is_compared_with(app, people):
    at = open_page(app, "sam", "trends")
    assert not at.exception
    control = at.segmented_control(key="tr_period")
    assert control.value == "quarter"
    assert control.options == ["Month", "Quarter", "Fiscal year", "Year to date", "Custom"]
    today = _today()
    current = periods.so_far(periods.quarter_of(today), today)
    quarters = at.selectbox(key="tr_quarter")
    assert quarters.value == current
    assert quarters.options[0] == current.label() and len(quarters.options) == 8  # newest first
    words = _captions(at)
    if current.partial:
        assert f"{current.whole().label()} so far, to {today.day} {today:%b}: {_span(current)}" in words
        assert f"Compared with the same {current.days:,} day" in words
    assert f"{_span(current.previous())}." in words
    # Nothing leaves the agency from here any more: the page says where to go instead.
    assert "To hand figures to a funder or a board, use Reports" in words
    assert not [b for b in at.button if "Download" in str(b.label)]


def test_a_whole_month_and_custom_dates_name_their_own_dates_and_the_ones_before(app, people):
    at = open_page(app, "sam", "trends")
    at.segmented_control(key="tr_period").set_value("month").run()
    months = at.selectbox(key="tr_month")
    assert len(months.options) == 13 and months.options[0].endswith("so far") == months.value.partial
    last_month = months.options[1]
    months.select(periods.recent("month", _today(), 10, 2)[1]).run()
    assert not at.exception
    chosen = at.selectbox(key="tr_month").value
    assert chosen.label() == last_month and not chosen.partial
    assert f"{last_month}: {_span(chosen)} ({chosen.days} days). Compared with {_span(chosen.previous())}." \
        in _captions(at)

    at.segmented_control(key="tr_period").set_value("custom").run()
    at.date_input(key="tr_custom").set_value((date(2026, 11, 1), date(2026, 11, 30))).run()
    assert not at.exception
    assert "Custom period: 1 Nov – 30 Nov 2026 (30 days). Compared with 2 Oct – 31 Oct 2026." in _captions(at)

    at.segmented_control(key="tr_period").set_value("year_to_date").run()
    ytd = periods.year_to_date(_today(), Settings.from_env().fiscal_year_start)
    assert f"{ytd.label()}: {_span(ytd)}. Compared with the same days of the year before: " \
           f"{_span(ytd.previous())}." in _captions(at)


def test_with_nothing_recorded_before_the_period_no_change_is_claimed(app, db, content, people):
    ada = actor(people)
    today = _today()
    current = periods.so_far(periods.quarter_of(today), today)
    for _n in range(5):
        code = new_client(db, ada, content, days_ago=(today - current.start).days + 1).code
        check_in(db, ada, content, code, occurred_at=datetime.combine(current.start, time(0, 5)), concern="low")
    at = open_page(app, "sam", "trends")
    assert not at.exception
    checked = next(m for m in at.metric if m.label == "Check-ins")
    assert checked.value == "5"
    assert checked.proto.delta == "No earlier records to compare with"
    assert checked.proto.direction == MetricProto.MetricDirection.NONE  # no arrow
    assert checked.proto.color == MetricProto.MetricColor.GRAY  # neither good nor bad
    assert "No earlier records to compare with: nothing was recorded before this period, by anyone." \
        in _captions(at)


def test_the_same_figure_as_before_says_no_change_without_an_arrow(app, db, content, people):
    ada = actor(people)
    today = _today()
    current = periods.so_far(periods.quarter_of(today), today)
    before = current.previous()
    for _n in range(5):
        code = new_client(db, ada, content, days_ago=(today - before.start).days + 5).code
        check_in(db, ada, content, code, occurred_at=datetime.combine(before.start, time(12)),
                 concern="low")
        check_in(db, ada, content, code, occurred_at=datetime.combine(current.start, time(0, 5)), concern="low")
    # Records kept since before the quarter compared with: its figures are observations.
    check_in(db, ada, content, code, occurred_at=datetime.combine(before.start - timedelta(days=2), time(12)),
             concern="low")
    at = open_page(app, "sam", "trends")
    assert not at.exception
    checked = next(m for m in at.metric if m.label == "Check-ins")
    assert (checked.value, checked.proto.delta) == ("5", "No change")
    assert checked.proto.direction == MetricProto.MetricDirection.NONE
    assert all(m.proto.color == MetricProto.MetricColor.GRAY for m in at.metric if m.proto.delta)
