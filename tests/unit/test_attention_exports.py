"""Needs-attention list and de-identified exports: the right clients for the right reasons; exports carry the
period and filters, apply suppression, hold no client code, and are audited; advocates are refused both."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from models.base.timeutil import utcnow
from models.rules.permissions import PermissionDenied
from models.services.attention import needs_attention
from models.services.exports import COLUMNS, export_csv, printable_summary
from models.services.trends import TrendFilter, preset, trends
from models.store.entities import AuditEvent
from tests.unit.helpers import check_in, make_account, new_client

NOW = utcnow().replace(microsecond=0)


@pytest.fixture
def people(db):
    return tuple(make_account(db, name, password="quiet harbour lamp") for name in ("ada", "sam"))


def _client(db, content, ada, *concerns: str, items=(), last_due_days: int = 10, days_ago: int = 1) -> str:
    code = new_client(db, ada, content, opened_on=(NOW - timedelta(days=90)).date()).code
    for n, concern in enumerate(concerns):
        when = NOW - timedelta(days=days_ago + len(concerns) - n)
        last = n == len(concerns) - 1
        check_in(db, ada, content, code, occurred_at=when, harm_contact="some", concern=concern,
                 items=list(items) if last else [], next_due_at=when + timedelta(days=last_due_days if last else 5),
                 submission_key=f"{code}-{n:04d}")
    return code


def test_needs_attention_lists_each_reason_and_leaves_calm_clients_out(db, content, people):
    ada, sam = people
    urgent = _client(db, content, ada, "low", "moderate", items=["behavioural.self-harm"])
    danger = _client(db, content, ada, "low", "immediate")
    rising = _client(db, content, ada, "low", "high")
    late = _client(db, content, ada, "low", "low", last_due_days=1, days_ago=20)
    calm = _client(db, content, ada, "high", "low")
    rows = {r.code: r for r in needs_attention(db, sam, overdue_days=7, now=NOW)}
    assert "immediate" in rows[urgent].reasons
    assert rows[danger].reasons[0] == "immediate"
    assert rows[rising].reasons == ("rising",) and rows[rising].previous_concern == "low"
    assert rows[late].reasons == ("overdue",) and rows[late].days_overdue >= 18
    assert calm not in rows
    assert [r.code for r in needs_attention(db, sam, overdue_days=7, now=NOW)][:2] in ([urgent, danger],
                                                                                          [danger, urgent])
    assert late not in {r.code for r in needs_attention(db, sam, overdue_days=60, now=NOW)}


def test_advocates_cannot_call_the_supervisor_services(db, content, people):
    ada, _ = people
    with pytest.raises(PermissionDenied):
        needs_attention(db, ada)
    f = TrendFilter(preset("4 weeks", NOW.date()))
    report = trends(db, people[1], content, f, k=5, now=NOW)
    with pytest.raises(PermissionDenied):
        export_csv(db, ada, content, report, {})
    with pytest.raises(PermissionDenied):
        printable_summary(db, ada, content, report, {})


def test_csv_export_is_suppressed_has_the_scope_and_no_codes_and_is_audited(db, content, people):
    ada, sam = people
    codes = [_client(db, content, ada, "moderate", "high", items=["signs.self-blame"]) for _ in range(3)]
    f = TrendFilter(preset("Quarter", NOW.date()), concern="high")
    report = trends(db, sam, content, f, k=5, now=NOW)
    data = export_csv(db, sam, content, report, {ada.user_id: "Ada"}).decode()
    rows = list(csv.DictReader(io.StringIO(data)))
    assert tuple(rows[0]) == COLUMNS
    assert {r["period_start"] for r in rows} == {f.period.start.isoformat()}
    assert {r["level_of_concern"] for r in rows} == {"High"}
    assert not any(code in data for code in codes)
    assert not any(code.replace("-", "") in data for code in codes)
    self_blame = [r for r in rows if r["table"] == "signs and reactions" and r["row"].startswith("Blames themself")]
    assert {r["value"] for r in self_blame} == {"fewer than 5"}  # 3 clients only
    numbers = [r["value"] for r in rows if r["table"] == "check-ins per week" and r["value"] not in ("", "0")]
    assert numbers and set(numbers) == {"fewer than 5"}
    with db.reading() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "aggregates_exported")).all()
    assert len(events) == 1 and events[0].actor_id == sam.user_id and "csv" in events[0].detail


def test_printable_summary_is_one_plain_page_without_codes(db, content, people):
    ada, sam = people
    codes = [_client(db, content, ada, "low", "moderate") for _ in range(6)]
    report = trends(db, sam, content, TrendFilter(preset("Quarter", NOW.date())), k=5, now=NOW)
    page = printable_summary(db, sam, content, report, {ada.user_id: "Ada"})
    assert page.startswith("<!doctype html>") and "@media print" in page
    assert "Caseload summary" in page and report.filter.period.start.isoformat() in page
    assert not any(code in page for code in codes)
    assert "not scores" in page
