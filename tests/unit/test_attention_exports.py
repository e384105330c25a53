"""Needs-attention list: the right clients for the right reasons; advocates are refused it. (Report files are
tested in test_report_files.py.)"""

from __future__ import annotations

from datetime import timedelta

import pytest

from models.base.timeutil import utcnow
from models.rules.permissions import PermissionDenied
from models.services.attention import needs_attention
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


