"""Bad input to what supervisors and admins filter and export: caseload, needs attention, trends, the exports,
the audit log viewer and its CSV, retention and erasure.

Filters are where odd values used to reach PostgreSQL raw (a NUL in a name, an id past the column's range) and
dates at the calendar's ends overflowed Python's arithmetic. Every filter now answers with rows or refuses in
words; the exports show names and labels as text (escaped in HTML, never a formula in a spreadsheet).
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st
from sqlalchemy import select

from models.base.errors import ValidationFailed
from models.base.timeutil import utcnow
from models.rules.permissions import PermissionDenied
from models.services.attention import needs_attention
from models.services.audit_log import CSV_COLUMNS, export_audit_csv, search_audit
from models.services.caseload import caseload
from models.services.clients import open_client
from models.services.retention import apply_retention, erase_client, plan_retention
from models.services.trends import Period, TrendFilter, trends
from models.store.entities import AuditEvent, CheckIn, Client
from tests.unit.bad_inputs import (
    DB_SETTINGS,
    FAR_DATES,
    NASTY,
    any_code,
    any_date,
    any_id,
    any_text,
    corrupt,
    counts,
    data_counts,
    denied_since,
    last_audit_id,
    not_text,
    refused_alike,
)
from tests.unit.helpers import client_with_check_in, context_code, make_people

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def team(db, content):  # type: ignore[no-untyped-def]
    """Two advocates with a client and a check-in each (one closed long ago), a supervisor and an admin."""
    team = make_people(db)
    team.codes = [client_with_check_in(db, who, content, days_ago=20, occurred_at=utcnow() - timedelta(days=3),
                                       concern="high")[0] for who in (team.ada, team.bo)]
    team.context = context_code(content)
    return team


# --------------------------------------------------------------------------- caseload and attention


@DB_SETTINGS
@given(advocate_id=any_id, overdue_only=st.one_of(st.booleans(), not_text),
       high_only=st.one_of(st.booleans(), not_text))
@example(advocate_id=2**70, overdue_only=True, high_only=True)
@example(advocate_id=True, overdue_only=False, high_only=False)
def test_caseload_with_any_advocate_id(db, team, advocate_id, overdue_only, high_only) -> None:  # type: ignore[no-untyped-def]
    """A supervisor's odd id is a plain refusal; an advocate naming anyone but themselves is refused and audited."""
    try:
        rows = caseload(db, team.sam, advocate_id=advocate_id, overdue_only=overdue_only,
                        high_concern_only=high_only)
    except ValidationFailed as refused:
        event("refused")
        assert set(refused.errors) == {"advocate"}
    else:
        assert advocate_id is None or (type(advocate_id) is int and all(r.advocate_id == advocate_id for r in rows))
    if advocate_id is None or advocate_id == team.ada.user_id:
        return
    mark = last_audit_id(db)
    with pytest.raises(PermissionDenied):
        caseload(db, team.ada, advocate_id=advocate_id)
    assert [e.action for e in denied_since(db, mark)] == ["caseload_viewed"]


@DB_SETTINGS
@given(data=st.data())
@example(data=None)
def test_needs_attention_with_any_filters(db, team, data) -> None:  # type: ignore[no-untyped-def]
    """Days overdue and advocate filters: a list, or a refusal of the spoiled field; the list never changes data."""
    if data is None:  # the explicit example: the two values that used to crash (timedelta overflow, int8 range)
        overdue_days, advocate_id, spoiled = 10**12, 2**70, frozenset({"overdue_days", "advocate"})
    else:
        valid = {"overdue_days": data.draw(st.integers(0, 3650)),
                 "advocate": data.draw(st.sampled_from([None, team.ada.user_id, team.bo.user_id]))}
        junk = {"overdue_days": st.one_of(st.integers(min_value=-(2**70), max_value=-1),
                                          st.integers(min_value=3651, max_value=2**70), not_text),
                "advocate": st.one_of(any_id.filter(lambda v: v is not None and v not in (1, 2, 3, 4)))}
        f, spoiled = corrupt(data, valid, junk)
        overdue_days, advocate_id = f["overdue_days"], f["advocate"]
    before = data_counts(db)
    try:
        rows = needs_attention(db, team.sam, overdue_days=overdue_days, advocate_id=advocate_id)
    except ValidationFailed as refused:
        event("refused")
        assert set(refused.errors) <= spoiled and refused.errors
    else:
        event("listed")
        assert type(overdue_days) is int and 0 <= overdue_days <= 3650
        assert all(r.code in team.codes for r in rows)
    assert data_counts(db) == before
    with pytest.raises(PermissionDenied):
        needs_attention(db, team.ada, overdue_days=overdue_days, advocate_id=advocate_id)


# --------------------------------------------------------------------------- trends and exports


def _filter(start: object, end: object, **kw: object) -> TrendFilter | None:
    try:
        return TrendFilter(Period(start, end), **kw)  # type: ignore[arg-type]
    except ValueError:  # ValidationFailed included: the period itself was refused in words
        return None


valid_period = st.builds(lambda d, n: (d, d + timedelta(days=n)),
                         st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 1, 1)), st.integers(0, 900))
TREND_JUNK = {
    "span": st.tuples(st.one_of(any_date, not_text), st.one_of(any_date, not_text)),
    "advocate_id": any_id.filter(lambda v: v is not None),
    "context": st.one_of(not_text.filter(lambda v: v is not None), st.just("x" * 81), st.just("a\x00")),
    "concern": st.one_of(any_text.filter(lambda v: v not in ("", "low", "moderate", "high", "immediate")),
                         not_text.filter(lambda v: v is not None)),
}


@DB_SETTINGS
@given(data=st.data())
@example(data=[(date.min, date.min), None, None, None])
@example(data=[(date.max, date.max), None, None, None])
@example(data=[(date(2020, 1, 1), date(2020, 2, 1)), 2**70, "a\x00", "x\x00"])
@example(data=[(date(2020, 1, 1), date(2020, 2, 1)), None, "%", "'; --"])
def test_trends_with_any_period_and_filters(db, content, team, data) -> None:  # type: ignore[no-untyped-def]
    """Custom periods and filters: a report, or a refusal naming the field. Never a driver error or overflow."""
    if isinstance(data, list):  # explicit examples: values that used to overflow or reach PostgreSQL raw
        span, advocate_id, context, concern = data
    else:
        valid = {"span": data.draw(valid_period), "advocate_id": data.draw(st.sampled_from([None, team.ada.user_id])),
                 "context": data.draw(st.sampled_from([None, "", team.context, "contexts.other-thing"])),
                 "concern": data.draw(st.sampled_from([None, "low", "immediate"]))}
        fields, _ = corrupt(data, valid, TREND_JUNK)
        span, advocate_id, context, concern = (fields[k] for k in ("span", "advocate_id", "context", "concern"))
    start, end = span
    f = _filter(start, end, advocate_id=advocate_id, context=context, concern=concern)
    if f is None:
        event("period refused")
        assert not (isinstance(start, date) and isinstance(end, date) and not isinstance(start, datetime)
                    and not isinstance(end, datetime) and start <= end)
        return
    try:
        report = trends(db, team.sam, content, f, k=5)
    except ValidationFailed as refused:
        event("refused")
        assert set(refused.errors) <= {"period", "advocate", "context", "concern"} and refused.errors
        return
    event("report")
    assert report.filter == f
    assert date(1970, 1, 1) <= f.period.start <= f.period.end <= date(2200, 12, 31)
    shown = repr(report)  # everything the page could draw from it
    for code in team.codes:
        assert code not in shown


def test_period_refuses_wrong_types_in_words() -> None:
    for start, end in ((None, None), ("2020-01-01", "2020-02-01"), (datetime(2020, 1, 1), datetime(2020, 2, 1)),
                       (date(2020, 2, 1), date(2020, 1, 1))):
        with pytest.raises(ValueError) as refused:
            Period(start, end)  # type: ignore[arg-type]
        assert str(refused.value)


def test_trends_refuse_calendar_edges_and_long_periods(db, content, team) -> None:  # type: ignore[no-untyped-def]
    for start, end in ((date.min, date.min), (date.max, date.max), (date(1, 1, 1), date(2020, 1, 1)),
                       (date(1971, 1, 1), date(2000, 1, 1))):
        with pytest.raises(ValidationFailed) as refused:
            trends(db, team.sam, content, TrendFilter(Period(start, end)), k=5)
        assert set(refused.value.errors) == {"period"}


# --------------------------------------------------------------------------- the audit log viewer


AUDIT_JUNK = {"person": not_text.filter(lambda v: v is not None), "action": not_text.filter(lambda v: v is not None),
              "client_code": not_text.filter(lambda v: v is not None), "start": st.one_of(st.datetimes(), not_text),
              "end": st.one_of(st.datetimes(), not_text), "limit": not_text.filter(lambda v: type(v) is not int)}


@DB_SETTINGS
@given(data=st.data())
def test_audit_log_filters_and_csv_take_anything(db, team, data) -> None:  # type: ignore[no-untyped-def]
    """Filters give matching rows or a refusal per field; wildcards are literal; the CSV carries no formula."""
    valid = {"person": data.draw(st.one_of(st.none(), st.sampled_from(["ada", "ALEX ", "%", "_", "' OR 1=1 --",
                                                                        "a\x00"]), any_text)),
             "action": data.draw(st.one_of(st.none(), st.sampled_from(["client_opened", "%", "_", "x\x00"]), any_text)),
             "client_code": data.draw(st.one_of(st.none(), st.sampled_from(team.codes), any_code)),
             "start": data.draw(st.one_of(st.none(), any_date)), "end": data.draw(st.one_of(st.none(), any_date)),
             "limit": data.draw(st.one_of(st.integers(-5, 6000), st.sampled_from([2**70, -(2**70)])))}
    f, spoiled = corrupt(data, valid, AUDIT_JUNK)
    person, action, client_code, start, end, limit = (f[k] for k in ("person", "action", "client_code", "start",
                                                                       "end", "limit"))
    before = data_counts(db)
    try:
        rows = search_audit(db, team.alex, person=person, action=action, client_code=client_code, start=start,
                            end=end, limit=limit)
    except ValidationFailed as refused:
        event("refused")
        # Only a spoiled field is refused, or an end before the start (which valid dates can be).
        assert set(refused.errors) - {"end"} <= spoiled
        assert "end" not in refused.errors or "end" in spoiled or (start is not None and end < start)
        assert data_counts(db) == before
        return
    event("listed")
    if isinstance(person, str) and person.strip() in ("%", "_", "' OR 1=1 --"):
        assert rows == []
    if isinstance(action, str) and action in ("%", "_"):
        assert rows == []
    mark = last_audit_id(db)
    text = export_audit_csv(db, team.alex, person=person, action=action, client_code=client_code, start=start,
                            end=end, limit=limit)
    parsed = list(csv.reader(io.StringIO(text)))
    assert tuple(parsed[0]) == CSV_COLUMNS
    assert len(parsed) - 1 == len(rows)
    assert all(not cell.startswith(FORMULA_START) for row in parsed[1:] for cell in row)
    with db.reading() as s:
        exported = s.scalars(select(AuditEvent).where(AuditEvent.id > mark)).all()
    assert [e.action for e in exported] == ["audit_exported"]
    assert data_counts(db) == before


def test_only_admins_read_or_export_the_audit_log(db, team) -> None:  # type: ignore[no-untyped-def]
    for who in (team.ada, team.sam):
        mark = last_audit_id(db)
        with pytest.raises(PermissionDenied):
            search_audit(db, who, person="%")
        with pytest.raises(PermissionDenied):
            export_audit_csv(db, who)
        assert len(denied_since(db, mark)) == 2


# --------------------------------------------------------------------------- retention and erasure


@DB_SETTINGS
@given(years=st.one_of(st.integers(min_value=-(2**40), max_value=2**40), not_text.filter(lambda v: v is not None),
                       st.sampled_from([0, 1, 7, 150, 151, -1, 10**6])))
@example(years=-5)
@example(years=0)
@example(years=10**6)
def test_retention_years_outside_the_policy_are_refused_and_remove_nothing(db, team, years) -> None:  # type: ignore[no-untyped-def]
    """Zero or negative years used to put the cutoff in the future and would have removed every closed file."""
    with db.writing() as s:  # one client closed yesterday: no sane policy removes it
        client = s.scalars(select(Client).where(Client.code == team.codes[1])).one()
        if client.status == "open":
            client.status, client.closed_on, client.next_due_at = "closed", utcnow().date() - timedelta(days=1), None
    before = counts(db)
    try:
        plan = plan_retention(db, team.alex, years=years)
    except ValidationFailed as refused:
        event("refused")
        assert set(refused.errors) == {"years"}
        with pytest.raises(ValidationFailed):
            apply_retention(db, team.alex, years=years)
        assert counts(db) == before
        return
    assert type(years) is int and 1 <= years <= 150
    assert plan.clients == ()
    removed = apply_retention(db, team.alex, years=years)
    assert removed.clients == 0
    assert data_counts(db) == {k: v for k, v in before.items() if k != "audit_events"}


@DB_SETTINGS
@given(code=st.one_of(any_code, not_text, st.just("mine"), st.just("mine"), st.just("mine")),
       confirm=st.one_of(any_code, not_text, st.sampled_from(["same", "compact", "theirs"]), st.just("same")))
@example(code="%", confirm="%")
@example(code="mine", confirm="same")
@example(code="mine", confirm="compact")
@example(code="mine", confirm="theirs")
@example(code="K7F\x003QX", confirm="K7F\x003QX")
@example(code="___-___", confirm="___-___")
def test_erasure_with_any_codes_erases_exactly_one_client_or_nothing(db, content, team, code, confirm) -> None:  # type: ignore[no-untyped-def]
    """Only a real code typed twice erases, and then exactly that client; anything else changes nothing."""
    with db.reading() as s:
        existing = list(s.scalars(select(Client.code)))
    while len(existing) < 2:  # earlier examples erased the team's clients: open more, so erasures keep happening
        existing.append(open_client(db, team.ada, content, relationship_context=team.context, factors=[]).code)
    target = existing[0] if code == "mine" and existing else code
    others = [c for c in existing if c != target]
    named = {"same": target, "compact": str(target).lower().replace("-", " "),
             "theirs": others[0] if others else "AAA-AAA"}
    second = named.get(confirm, confirm) if isinstance(confirm, str) else confirm
    before = counts(db)
    try:
        erase_client(db, team.alex, target, second)
    except ValidationFailed as refused:
        event("refused")
        assert set(refused.errors) <= {"code", "confirm_code"} and refused.errors
        assert counts(db) == before
        return
    event("erased")
    with db.reading() as s:
        left = list(s.scalars(select(Client.code)))
        assert s.scalar(select(CheckIn.id).join(Client).where(Client.code == target)) is None
    assert len(left) == len(existing) - 1 and target not in left


def test_advocates_and_supervisors_cannot_erase_or_run_retention(db, team) -> None:  # type: ignore[no-untyped-def]
    before = data_counts(db)
    for who in (team.ada, team.sam):
        refused_alike(db, (lambda: erase_client(db, who, team.codes[0], team.codes[0]),  # noqa: B023
                           lambda: plan_retention(db, who, years=1),  # noqa: B023
                           lambda: apply_retention(db, who, years=1)))  # noqa: B023
    assert data_counts(db) == before


def test_the_shared_lists_reach_the_edges() -> None:
    assert date.min in FAR_DATES and date.max in FAR_DATES and "\x00" in NASTY
