"""Trends by calendar period in the agency's zone: bounds at local midnight, weeks that start at local midnight on
Mondays across a daylight-saving change, the compared period's dates for each kind, part weeks, and no change shown
when nothing was recorded before the period."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from models.base.errors import ValidationFailed
from models.services.periods import Period, fiscal_year_of, month_of, quarter_of, so_far, year_to_date
from models.services.trends import Bucket, TrendFilter, bucket_unit, buckets, trends
from tests.unit.helpers import check_in, make_account, new_client

CHICAGO = "America/Chicago"


@pytest.fixture
def team(db):
    return {name: make_account(db, name, role, password="quiet harbour lamp")
            for name, role in (("ada", "advocate"), ("ben", "advocate"), ("sam", "supervisor"))}


def _at(db, content, team, *moments: datetime, who: str = "ada") -> None:
    code = new_client(db, team[who], content, days_ago=400).code
    for moment in moments:
        check_in(db, team[who], content, code, occurred_at=moment, concern="low")


def _count(db, content, team, f: TrendFilter) -> float | None:
    report = trends(db, team["sam"], content, f, k=1)
    return next(m.value for m in report.metrics if m.label == "Check-ins")


def test_a_check_in_late_on_30_september_in_chicago_belongs_to_q3_there_and_to_q4_in_utc(db, content, team):
    _at(db, content, team, datetime(2026, 10, 1, 3, 0))  # 22:00 on 30 Sep in Chicago (CDT, UTC-5)
    q3, q4 = quarter_of(date(2026, 8, 1)), quarter_of(date(2026, 11, 1))
    assert _count(db, content, team, TrendFilter(q3, zone=CHICAGO)) == 1
    assert _count(db, content, team, TrendFilter(q4, zone=CHICAGO)) == 0
    assert _count(db, content, team, TrendFilter(q3)) == 0  # whole UTC days
    assert _count(db, content, team, TrendFilter(q4)) == 1
    assert q4.bounds(ZoneInfo(CHICAGO))[0] == datetime(2026, 10, 1, 5, 0)


def test_weeks_start_at_local_midnight_on_mondays_across_the_end_of_daylight_saving(db, content, team):
    # Chicago leaves daylight saving on Sunday 1 Nov 2026: Monday 26 Oct begins at 05:00 UTC, Monday 2 Nov at 06:00.
    # Seven days of 24 hours after 26 Oct 05:00 would be 2 Nov 05:00: an hour early.
    _at(db, content, team, datetime(2026, 11, 2, 5, 30),  # 23:30 on Sunday 1 Nov in Chicago: the first week
        datetime(2026, 11, 2, 6, 30),  # 00:30 on Monday 2 Nov: the second
        datetime(2026, 11, 9, 5, 59))  # 23:59 on Sunday 8 Nov: still the second
    period = Period(date(2026, 10, 26), date(2026, 11, 15))
    report = trends(db, team["sam"], content, TrendFilter(period, zone=CHICAGO), k=1)
    weekly = dict(zip(report.weekly["week_start"], report.weekly["check_ins"], strict=True))
    assert weekly == {date(2026, 10, 26): 1, date(2026, 11, 2): 2, date(2026, 11, 9): 0}
    # In whole UTC days the first falls on Monday 2 Nov, and the last on Monday 9 Nov.
    utc = trends(db, team["sam"], content, TrendFilter(period), k=1)
    assert list(utc.weekly["check_ins"]) == [0, 2, 1]


def test_months_start_at_local_midnight_too(db, content, team):
    _at(db, content, team, datetime(2026, 3, 1, 5, 30),  # 23:30 on 28 Feb in Chicago (CST)
        datetime(2026, 4, 1, 5, 30))  # 00:30 on 1 Apr (CDT since 8 Mar)
    year = fiscal_year_of(date(2026, 3, 1), 1)  # FY 2026, a calendar year: by month
    report = trends(db, team["sam"], content, TrendFilter(year, zone=CHICAGO), k=1)
    assert report.unit == "month" and len(report.spans) == 12
    cells = report.progress  # one row per month, whatever the counts
    assert list(cells["bucket_start"]) == [date(2026, m, 1) for m in range(1, 13)]
    rows = report.items_over_time.drop_duplicates("bucket_start")
    assert list(rows["bucket_start"]) == [date(2026, m, 1) for m in range(1, 13)]
    weekly = report.weekly.set_index("week_start")["check_ins"]
    assert weekly[date(2026, 2, 23)] == 1 and weekly[date(2026, 3, 30)] == 1


@pytest.mark.parametrize(("period", "before"), [
    (month_of(date(2026, 11, 5)), Period(date(2026, 10, 1), date(2026, 10, 31), "month")),
    (so_far(month_of(date(2026, 12, 2)), date(2026, 12, 2)), Period(date(2026, 11, 1), date(2026, 11, 2), "month")),
    (quarter_of(date(2026, 8, 1)), Period(date(2026, 4, 1), date(2026, 6, 30), "quarter")),
    (so_far(quarter_of(date(2026, 12, 2)), date(2026, 12, 2)),  # 63 days so far: the first 63 of Q3
     Period(date(2026, 7, 1), date(2026, 9, 1), "quarter")),
    (fiscal_year_of(date(2026, 3, 1), 10), Period(date(2024, 10, 1), date(2025, 9, 30), "fiscal_year")),
    (year_to_date(date(2026, 12, 2), 10), Period(date(2025, 1, 1), date(2025, 12, 2), "year_to_date")),
    (Period(date(2026, 11, 1), date(2026, 11, 30)), Period(date(2026, 10, 2), date(2026, 10, 31))),
])
def test_the_previous_period_of_each_kind(period, before):
    assert period.previous() == before


def test_part_weeks_at_both_ends_of_a_custom_month_are_marked():
    november = Period(date(2026, 11, 1), date(2026, 11, 30))  # a Sunday to a Monday
    weeks = buckets(november, "week")
    assert [w.first for w in weeks] == [date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16),
                                       date(2026, 11, 23), date(2026, 11, 30)]
    assert weeks[0] == Bucket(date(2026, 10, 26), date(2026, 11, 1), date(2026, 11, 1), "week")
    assert [w.note() for w in weeks] == ["part week (1 day)", "", "", "", "", "part week (1 day)"]
    assert bucket_unit(november) == "week"
    so_far_q4 = so_far(quarter_of(date(2026, 12, 2)), date(2026, 12, 2))
    assert buckets(so_far_q4, "week")[-1].note() == "part week (3 days)"  # Mon 30 Nov to Wed 2 Dec
    # Ten weeks of a fiscal year are shown by week; more than a quarter's fourteen, by calendar month.
    assert bucket_unit(so_far(fiscal_year_of(date(2026, 12, 2), 10), date(2026, 12, 2))) == "week"
    fiscal = so_far(fiscal_year_of(date(2027, 2, 2), 10), date(2027, 2, 2))
    assert bucket_unit(fiscal) == "month"
    assert [m.note() for m in buckets(fiscal, "month")] == ["", "", "", "", "part month (2 days)"]


def test_no_change_is_shown_when_nothing_was_recorded_before_the_period(db, content, team):
    _at(db, content, team, datetime(2026, 11, 10, 15, 0), datetime(2026, 11, 12, 15, 0))
    november = month_of(date(2026, 11, 1))
    report = trends(db, team["sam"], content, TrendFilter(november, zone=CHICAGO), k=1)
    assert not report.earlier_records and report.first_record == date(2026, 11, 10)
    check_ins = next(m for m in report.metrics if m.label == "Check-ins")
    assert check_ins.value == 2 and check_ins.previous == 0 and check_ins.change is None and not check_ins.compared
    # A first record inside October, the period compared with, still makes no whole October to compare with.
    _at(db, content, team, datetime(2026, 10, 20, 15, 0), who="ben")
    assert not trends(db, team["sam"], content, TrendFilter(november, zone=CHICAGO), k=1).earlier_records
    # One check-in by anyone before October (here Ben's, outside an Ada filter) makes the comparison honest:
    # the records were being kept, and Ada's zero in October is an observation.
    _at(db, content, team, datetime(2026, 9, 20, 15, 0), who="ben")
    ada = trends(db, team["sam"], content, TrendFilter(november, advocate_id=team["ada"].user_id, zone=CHICAGO), k=1)
    assert ada.earlier_records
    assert next(m for m in ada.metrics if m.label == "Check-ins").change == 2


def test_an_unknown_zone_is_refused_in_plain_words(db, content, team):
    with pytest.raises(ValidationFailed) as refused:
        trends(db, team["sam"], content, TrendFilter(month_of(date(2026, 11, 1)), zone="Mars/Olympus"), k=5)
    assert "zone" in refused.value.errors
