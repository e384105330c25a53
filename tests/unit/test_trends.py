"""Trends: every aggregate equals a plain pandas computation over the same random data (including weeks with
no check-ins, back-dated check-ins and reassigned clients), on SQLite and PostgreSQL; suppression holds;
advocates are refused."""

from __future__ import annotations

import random
from datetime import date, timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from bench.naive_trends import compute, load
from models.base.timeutil import utcnow
from models.rules.permissions import PermissionDenied
from models.rules.privacy import HIDDEN
from models.services.checkins import CheckInForm, correct_check_in, record_check_in
from models.services.clients import open_client, reassign_client
from models.services.periods import fiscal_year_of, month_of, so_far
from models.services.trends import Period, TrendFilter, preset, trends
from models.store.entities import (
    CheckIn,
    CheckInItem,
    CheckInReferral,
    CheckInRevision,
    Client,
    ClientFactor,
    TrendClientSpan,
    TrendDay,
)
from tests.unit.helpers import check_in, make_account, new_client

NOW = utcnow().replace(microsecond=0)
TODAY = NOW.date()
FRAMES = ("weekly", "items", "items_over_time", "concern", "referrals", "overdue", "progress")


@pytest.fixture
def team(db):
    return {name: make_account(db, name, role, password="quiet harbour lamp")
            for name, role in (("ada", "advocate"), ("ben", "advocate"), ("cy", "advocate"), ("sam", "supervisor"))}


def _wipe(db) -> None:
    with db.writing() as s:
        # Audit rows stay: the log is append-only, and trends never read it. The trend summaries go with the
        # records (removed here behind the services' backs, so nothing else keeps them in step).
        for model in (TrendDay, TrendClientSpan, CheckInItem, CheckInReferral, CheckInRevision, CheckIn,
                      ClientFactor, Client):
            s.execute(delete(model))


def _populate(db, content, team, rng: random.Random, clients: int, check_ins: int, gap_weeks: int) -> None:
    """Clients opened up to 30 weeks ago; check-ins saved through the service in random (not time) order,
    skipping a run of `gap_weeks` weeks; some clients reassigned afterwards."""
    advocates = [team["ada"], team["ben"], team["cy"]]
    contexts = [i.code for i in content.checklist.section("contexts").items][:3]
    observed = [i.code for s in content.checklist.checkin_sections() for i in s.items][:8]
    resources = [r.code for r in content.resources][:4]
    codes = []
    for _ in range(clients):
        owner = rng.choice(advocates)
        opened = TODAY - timedelta(weeks=30)
        codes.append((open_client(db, owner, content, relationship_context=rng.choice(contexts), factors=[],
                                  opened_on=opened).code, owner))
    gap_start = rng.randint(2, 20)
    for n in range(check_ins):
        code, owner = rng.choice(codes)
        week = rng.randint(0, 29)
        if gap_start <= week < gap_start + gap_weeks:
            week = gap_start - 1
        when = NOW - timedelta(weeks=week, days=rng.random() * 6, minutes=rng.randint(1, 600))
        offered = rng.sample(resources, rng.randint(0, 2))
        record_check_in(db, owner, content, CheckInForm(
            client=code, occurred_at=when, contact_mode="phone", harm_contact="some",
            concern=rng.choice(["low", "moderate", "high", "immediate"]), items=rng.sample(observed, rng.randint(0, 5)),
            safety_planning=rng.random() < 0.5, referrals_offered=offered,
            referrals_accepted=[r for r in offered if rng.random() < 0.5],
            next_due_at=when + timedelta(days=rng.randint(1, 30))), submission_key=f"key-{n:06d}-{rng.random()}")
    # Corrections move some check-ins in time and change what was observed: items and referrals must follow.
    with db.reading() as s:
        saved = s.execute(select(CheckIn.id, CheckIn.version, Client.code).join(Client)).all()
    owners = dict(codes)
    for check_in_id, version, code in rng.sample(saved, len(saved) // 5):
        when = NOW - timedelta(weeks=rng.randint(0, 29), days=rng.random() * 6, minutes=rng.randint(1, 600))
        offered = rng.sample(resources, rng.randint(0, 2))
        correct_check_in(db, owners[code], content, check_in_id, CheckInForm(
            client=code, occurred_at=when, contact_mode="video", harm_contact="none",
            concern=rng.choice(["low", "moderate", "high", "immediate"]), items=rng.sample(observed, rng.randint(0, 5)),
            referrals_offered=offered, referrals_accepted=offered[:1],
            next_due_at=when + timedelta(days=rng.randint(1, 30))), expected_version=version)
    for code, owner in rng.sample(codes, max(1, clients // 4)):
        other = rng.choice([a for a in advocates if a is not owner])
        reassign_client(db, team["sam"], code, other.user_id)


def _same(sql: pd.DataFrame, ref: pd.DataFrame, name: str) -> None:
    left = sql.reset_index(drop=True)
    right = ref[left.columns].reset_index(drop=True)
    pd.testing.assert_frame_equal(left, right, check_dtype=False, check_exact=False, rtol=1e-9, obj=name)


def _check(db, content, team, f: TrendFilter, k: int) -> None:
    report = trends(db, team["sam"], content, f, k=k, now=NOW)
    reference = compute(load(db), content, f, k=k, now=NOW)
    for name in FRAMES:
        _same(getattr(report, name), reference[name], name)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), clients=st.integers(1, 9), check_ins=st.integers(0, 60),
       gap=st.integers(0, 4), choice=st.sampled_from(["4 weeks", "Quarter", "Year", "Month", "Fiscal year"]),
       k=st.sampled_from([1, 2, 5]),
       filtered=st.sampled_from(["none", "advocate", "context", "concern"]),
       zone=st.sampled_from([None, "America/Chicago", "Pacific/Auckland"]))
def test_sql_aggregates_equal_a_pandas_computation(db, content, team, seed, clients, check_ins, gap, choice, k,
                                                   filtered, zone):
    _wipe(db)
    rng = random.Random(seed)
    _populate(db, content, team, rng, clients, check_ins, gap)
    period = {"Month": month_of(TODAY), "Fiscal year": so_far(fiscal_year_of(TODAY, 10), TODAY)}.get(choice) \
        or preset(choice, TODAY)
    f = TrendFilter(period,
                    advocate_id=team["ben"].user_id if filtered == "advocate" else None,
                    context=content.checklist.section("contexts").items[0].code if filtered == "context" else None,
                    concern="high" if filtered == "concern" else None, zone=zone)
    _check(db, content, team, f, k)


def test_a_custom_period_that_does_not_start_on_a_monday(db, content, team):
    _populate(db, content, team, random.Random(3), 6, 50, 2)
    _check(db, content, team, TrendFilter(Period(date(2026, 8, 13), date(2026, 10, 2))), 1)
    _check(db, content, team, TrendFilter(Period(date(2026, 8, 13), date(2026, 10, 2))), 5)


def test_stored_check_in_order_matches_time_order_after_back_dated_saves(db, content, team):
    _populate(db, content, team, random.Random(11), 3, 40, 0)
    with db.reading() as s:
        rows = s.execute(select(CheckIn.client_id, CheckIn.seq, CheckIn.occurred_at, CheckIn.id, CheckIn.sign_count)
                         .order_by(CheckIn.client_id, CheckIn.occurred_at, CheckIn.id)).all()
        firsts = dict(s.execute(select(Client.id, Client.first_sign_count)).all())
    seen: dict[int, int] = {}
    for r in rows:
        seen[r.client_id] = seen.get(r.client_id, 0) + 1
        assert r.seq == seen[r.client_id]
        if r.seq == 1:
            assert firsts[r.client_id] == r.sign_count


def test_items_and_referrals_carry_their_check_in_s_time_client_advocate_and_concern(db, content, team):
    _populate(db, content, team, random.Random(5), 4, 40, 0)
    with db.reading() as s:
        for child in (CheckInItem, CheckInReferral):
            rows = s.execute(select(child.occurred_at, CheckIn.occurred_at, child.client_id, CheckIn.client_id,
                                    child.advocate_id, CheckIn.advocate_id, child.concern, CheckIn.concern)
                             .join(CheckIn, CheckIn.id == child.check_in_id)).all()
            assert rows
            for r in rows:
                assert (r[0], r[2], r[4], r[6]) == (r[1], r[3], r[5], r[7])


def test_weeks_without_check_ins_are_zero_not_missing(db, content, team):
    code = new_client(db, team["ada"], content, opened_on=TODAY - timedelta(weeks=10)).code
    check_in(db, team["ada"], content, code, occurred_at=NOW - timedelta(weeks=2), concern="low",
             submission_key="only-one-check-in")
    report = trends(db, team["sam"], content, TrendFilter(preset("4 weeks", TODAY)), k=1, now=NOW)
    assert len(report.weekly) == 4
    assert report.weekly["check_ins"].sum() == 1 and (report.weekly["check_ins"] == 0).sum() == 3


def test_a_lone_client_never_shows_in_any_aggregate_at_k_5(db, content, team):
    code = new_client(db, team["ada"], content, opened_on=TODAY - timedelta(weeks=10)).code
    for n in range(4):
        check_in(db, team["ada"], content, code, occurred_at=NOW - timedelta(days=3 + 7 * n), concern="high",
                 items=["signs.self-blame"], referrals_offered=["ndvh"], referrals_accepted=["ndvh"],
                 submission_key=f"lone-{n:04d}")
    report = trends(db, team["sam"], content, TrendFilter(preset("Quarter", TODAY)), k=5, now=NOW)
    for name in ("weekly", "items", "items_over_time", "concern"):
        frame = getattr(report, name)
        assert not ((frame["check_ins"].fillna(0) > 0) & ~frame[HIDDEN]).any(), name
    assert report.referrals.loc[report.referrals["resource"] == "ndvh", "offered_hidden"].item()
    assert all(m.hidden for m in report.metrics if m.label in ("Check-ins", "Clients seen", "Referrals offered"))
    assert all(m.value is None for m in report.metrics if m.hidden)  # the value never leaves models/


def test_advocates_cannot_see_trends(db, content, team):
    with pytest.raises(PermissionDenied):
        trends(db, team["ada"], content, TrendFilter(preset("4 weeks", TODAY)), k=5, now=NOW)


def test_periods():
    p = preset("4 weeks", date(2026, 11, 25))  # a Wednesday
    assert p.start == date(2026, 11, 2) and p.start.weekday() == 0 and p.end == date(2026, 11, 25)
    assert len(p.weeks) == 4
    assert p.previous() == Period(date(2026, 10, 9), date(2026, 11, 1))  # the same 24 days just before
    assert preset("Year", date(2026, 11, 25)).bucket_weeks == 4
    with pytest.raises(ValueError):
        Period(date(2026, 11, 2), date(2026, 11, 1))


def test_a_share_of_a_small_group_is_hidden_even_at_zero():
    from models.services.trends import _metrics

    now = {"check_ins": 40, "clients": 12, "safety": 10, "safety_clients": 6, "offered": 3, "accepted": 0,
           "offered_clients": 3, "accepted_clients": 0, "opened": 0}
    taken = next(m for m in _metrics(now, now, 5, include_new=False) if m.label == "Referrals taken up")
    assert taken.hidden  # 0% of three clients' referrals would say what each of them did
