"""Trends read from the per-day summaries give exactly what reading the records gives: every headline figure,
every chart's frame and every hidden cell, for each period the page offers, in the agency's zone and in UTC, on
SQLite and PostgreSQL; and where the summaries cannot answer (a filter, another zone) the records do."""

from __future__ import annotations

import random
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models.services import releases, trend_reads, trend_summary
from models.services.checkins import CheckInForm, record_check_in
from models.services.clients import open_client
from models.services.periods import Period, fiscal_year_of, month_of, quarter_of, so_far, year_to_date
from models.services.trends import TrendFilter, preset, trends
from tests.unit.helpers import make_account
from tests.unit.test_trends import FRAMES, NOW, TODAY, _check, _populate, _wipe


@pytest.fixture
def team(db):  # type: ignore[no-untyped-def]
    return {name: make_account(db, name, role, password="quiet harbour lamp")
            for name, role in (("ada", "advocate"), ("ben", "advocate"), ("cy", "advocate"), ("sam", "supervisor"))}


PERIODS = ("4 weeks", "month so far", "last month", "quarter so far", "last quarter", "year to date",
           "fiscal year so far", "custom")


def _period(choice: str, rng: random.Random) -> Period:
    if choice == "custom":
        first = TODAY - timedelta(days=rng.randint(1, 220))
        return Period(first, min(TODAY, first + timedelta(days=rng.randint(0, 120))))
    return {"4 weeks": lambda: preset("4 weeks", TODAY), "month so far": lambda: so_far(month_of(TODAY), TODAY),
            "last month": lambda: month_of(TODAY).previous(),
            "quarter so far": lambda: so_far(quarter_of(TODAY), TODAY),
            "last quarter": lambda: quarter_of(TODAY).previous(), "year to date": lambda: year_to_date(TODAY),
            "fiscal year so far": lambda: so_far(fiscal_year_of(TODAY, 10), TODAY)}[choice]()


def _context(content) -> str:  # type: ignore[no-untyped-def]
    return content.checklist.section("contexts").items[0].code


def _metrics(report) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [(m.label, m.value, m.previous, m.hidden, m.previous_hidden, m.compared) for m in report.metrics]


def _same_reports(db, content, team, f: TrendFilter, k: int) -> None:  # type: ignore[no-untyped-def]
    summed = trends(db, team["sam"], content, f, k=k, now=NOW)
    counted = trends(db, team["sam"], content, f, k=k, now=NOW, summaries=False)
    assert summed.read_from == "summaries" and counted.read_from == "records"
    assert _metrics(summed) == _metrics(counted)
    assert summed.counted_from == counted.counted_from
    for name in (*FRAMES, "closings"):
        pd.testing.assert_frame_equal(getattr(summed, name).reset_index(drop=True),
                                      getattr(counted, name).reset_index(drop=True), check_dtype=False, obj=name)
    _check(db, content, team, f, k)  # and both equal the naive pandas computation


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), clients=st.integers(1, 9), check_ins=st.integers(0, 60),
       gap=st.integers(0, 4), choice=st.sampled_from(PERIODS), k=st.sampled_from([1, 2, 5]),
       zone=st.sampled_from([None, "America/Chicago", "Pacific/Auckland"]))
def test_summaries_give_what_the_records_give(db, content, team, seed, clients, check_ins, gap, choice, k, zone):
    _wipe(db)
    rng = random.Random(seed)
    _populate(db, content, team, rng, clients, check_ins, gap)
    if zone is not None:
        trend_summary.rebuild(db, zone)  # in UTC they were kept in step by every save above
    assert trend_summary.verify(db) == []
    _same_reports(db, content, team, TrendFilter(_period(choice, rng), zone=zone), k)
    if zone is not None:
        trend_summary.rebuild(db, trend_reads.UTC_NAME)


def test_a_filtered_view_or_another_zone_reads_the_records(db, content, team):
    _populate(db, content, team, random.Random(5), 6, 40, 1)
    period = so_far(quarter_of(TODAY), TODAY)
    assert trends(db, team["sam"], content, TrendFilter(period), k=1).read_from == "summaries"
    assert trends(db, team["sam"], content, TrendFilter(period, zone="Etc/UTC"), k=1).read_from == "summaries"
    assert trends(db, team["sam"], content, TrendFilter(period, advocate_id=team["ben"].user_id),
                  k=1).read_from == "records"
    assert trends(db, team["sam"], content, TrendFilter(period, concern="high"), k=1).read_from == "records"
    assert trends(db, team["sam"], content, TrendFilter(period, zone="America/Chicago"), k=1).read_from == "records"


def test_a_client_seen_in_several_weeks_is_one_client(db, content, team):
    """Found while building: a period of whole weeks only counted each client once per week."""
    code = open_client(db, team["ada"], content, relationship_context=_context(content), factors=[],
                       opened_on=TODAY - timedelta(weeks=12)).code
    monday = TODAY - timedelta(days=TODAY.weekday())
    for n in range(6):
        when = NOW.replace(hour=12) - timedelta(days=(TODAY - (monday - timedelta(weeks=n + 1))).days)
        record_check_in(db, team["ada"], content, CheckInForm(
            client=code, occurred_at=when, contact_mode="phone", harm_contact="some", concern="low", items=[],
            next_due_at=when + timedelta(days=7)), submission_key=f"weeks-check-in-{n}")
    period = Period(monday - timedelta(weeks=6), monday - timedelta(days=1))
    report = trends(db, team["sam"], content, TrendFilter(period), k=1, now=NOW)
    seen = next(m for m in report.metrics if m.label == "Clients seen")
    assert report.read_from == "summaries" and seen.value == 1


def test_a_sign_seen_by_few_clients_each_day_but_many_over_the_period_is_shown(db, content, team):
    """The busiest day had one client with the sign: the bound says nothing, so the exact count is read."""
    item = next(iter(content.checklist.checkin_sections())).items[0].code
    for n in range(6):
        code = open_client(db, team["ada"], content, relationship_context=_context(content), factors=[],
                           opened_on=TODAY - timedelta(weeks=5)).code
        when = NOW - timedelta(days=n + 1)
        record_check_in(db, team["ada"], content, CheckInForm(
            client=code, occurred_at=when, contact_mode="phone", harm_contact="some", concern="low", items=[item],
            next_due_at=when + timedelta(days=7)), submission_key=f"few-clients-{n}")
    report = trends(db, team["sam"], content, TrendFilter(Period(TODAY - timedelta(days=10), TODAY)), k=5, now=NOW)
    row = report.items.set_index("code").loc[item]
    assert report.read_from == "summaries" and not row["hidden"] and row["check_ins"] == 6


@pytest.mark.parametrize("start,end", [(date(2026, 9, 28), date(2026, 11, 22)), (date(2026, 10, 1), date(2026, 12, 2)),
                                       (date(2025, 10, 1), date(2026, 9, 30)), (date(2026, 11, 3), date(2026, 11, 3)),
                                       (date(2026, 2, 25), date(2026, 4, 9))])
def test_pieces_cover_each_day_once_with_whole_weeks_and_months(start, end):
    p = trend_reads.pieces(start, end)
    days: list[date] = []
    for first in p.months:
        assert first.day == 1
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        days += [first + timedelta(days=d) for d in range((following - first).days)]
    for first in p.weeks:
        assert first.weekday() == 0
        days += [first + timedelta(days=d) for d in range(7)]
    for first, last in p.days:
        days += [first + timedelta(days=d) for d in range((last - first).days + 1)]
    assert sorted(days) == [start + timedelta(days=d) for d in range((end - start).days + 1)]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                 HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), clients=st.integers(1, 9), check_ins=st.integers(0, 60),
       k=st.sampled_from([1, 2, 5]), zone=st.sampled_from(["America/Chicago", "Pacific/Auckland"]),
       year=st.booleans())
def test_a_report_counted_from_the_summaries_has_the_cells_counted_from_the_records(db, content, team, seed, clients,
                                                                                   check_ins, k, zone, year):
    _wipe(db)
    _populate(db, content, team, random.Random(seed), clients, check_ins, 0)
    trend_summary.rebuild(db, zone)
    period = fiscal_year_of(TODAY, 10).previous() if year else quarter_of(TODAY).previous()
    with db.reading() as s:
        summed = releases._quarter_cells(s, content, period, k, ZoneInfo(zone), NOW, summaries=True)
        counted = releases._quarter_cells(s, content, period, k, ZoneInfo(zone), NOW, summaries=False)
        assert isinstance(releases._source(s, period, k, ZoneInfo(zone), True), releases._Summaries)
    assert summed == counted
    trend_summary.rebuild(db, trend_reads.UTC_NAME)
