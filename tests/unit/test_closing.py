"""Closing a client's file with a reason, reopening it, the first due date, and closings counted on Trends.

Each test runs on SQLite and PostgreSQL (the `db` fixture).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models.base.errors import ValidationFailed
from models.base.timeutil import utcnow
from models.rules.privacy import HIDDEN
from models.services.audit_log import named_details
from models.services.caseload import caseload
from models.services.checkins import NEXT_DUE_DAYS
from models.services.clients import (
    CLOSING_REASONS,
    FIRST_DUE_DAYS,
    close_client,
    get_client,
    reason_label,
    reassign_client,
    reopen_client,
)
from models.services.overview import advocate_overview
from models.services.trends import Period, TrendFilter, trends
from models.store.entities import Client, ClientClosure
from tests.unit.helpers import events, make_user, new_client


def _closures(db, code: str) -> list[ClientClosure]:  # type: ignore[no-untyped-def]
    with db.reading() as s:
        client_id = s.scalar(select(Client.id).where(Client.code == code))
        return list(s.scalars(select(ClientClosure).where(ClientClosure.client_id == client_id)
                              .order_by(ClientClosure.id)))


@pytest.mark.parametrize("reason", list(CLOSING_REASONS))
def test_a_file_closes_with_each_reason_and_keeps_a_closure_row(db, people, content, reason):
    code = new_client(db, people.ada, content).code
    closed = close_client(db, people.ada, code, reason=reason)
    assert closed.status == "closed" and closed.closed_reason == reason and closed.next_due_at is None
    assert reason_label(closed.closed_reason) == CLOSING_REASONS[reason]
    [row] = _closures(db, code)
    assert (row.reason, row.closed_on, row.reopened_on) == (reason, utcnow().date(), None)
    assert row.advocate_id == people.ada.user_id and row.closed_by == people.ada.user_id
    # The audit row names the code and nothing about why: the reason is about the client.
    [event] = events(db, "client_closed")
    assert event.target == code and event.outcome == "ok"
    assert reason not in (event.detail or "") and CLOSING_REASONS[reason].lower() not in (event.detail or "").lower()


@pytest.mark.parametrize("reason", [None, "", "bored", 3, "GOALS_MET"])
def test_closing_without_a_reason_from_the_list_is_refused_and_nothing_changes(db, people, content, reason):
    code = new_client(db, people.ada, content).code
    with pytest.raises(ValidationFailed) as refused:
        close_client(db, people.ada, code, reason=reason)
    assert refused.value.errors == {"reason": "Choose why the file is being closed from the list."}
    assert get_client(db, people.ada, code).status == "open"
    assert _closures(db, code) == [] and events(db, "client_closed") == []


def test_reopening_keeps_the_closure_history_and_a_second_closing_adds_a_row(db, people, content):
    code = new_client(db, people.ada, content, days_ago=60).code
    close_client(db, people.ada, code, reason="lost_contact", closed_on=utcnow().date() - timedelta(days=10))
    reopened = reopen_client(db, people.ada, code)
    assert reopened.status == "open" and reopened.closed_reason is None and reopened.closed_on is None
    [first] = _closures(db, code)
    assert first.reason == "lost_contact" and first.reopened_on == utcnow().date()
    close_client(db, people.sam, code, reason="moved_away")  # a supervisor may close too
    rows = _closures(db, code)
    assert [(r.reason, r.reopened_on is None, r.closed_by) for r in rows] == [
        ("lost_contact", False, people.ada.user_id), ("moved_away", True, people.sam.user_id)]
    assert get_client(db, people.ada, code).closed_reason == "moved_away"


def test_a_new_client_is_first_due_a_week_after_opening_and_not_overdue_today(db, people, content):
    assert NEXT_DUE_DAYS["moderate"] == FIRST_DUE_DAYS  # the same follow-up as a moderate-concern check-in
    before = utcnow().replace(microsecond=0)
    view = new_client(db, people.ada, content, days_ago=None)
    # A week from the moment it was opened: not midnight UTC (18:00 the evening before in Chicago).
    assert before + timedelta(days=7) <= view.next_due_at <= utcnow() + timedelta(days=7)
    [row] = caseload(db, people.ada)
    assert row.code == view.code and not row.overdue
    home = advocate_overview(db, people.ada)
    assert home.overdue == 0 and home.due_today == 0
    # Opened (backdated) more than a week ago without a check-in: overdue, as it should be.
    old = new_client(db, people.ada, content, days_ago=9)
    assert {r.code: r.overdue for r in caseload(db, people.ada)} == {view.code: False, old.code: True}


def test_a_reopened_file_is_due_a_week_later_not_at_once(db, people, content):
    code = new_client(db, people.ada, content, days_ago=40).code
    close_client(db, people.ada, code, reason="client_ended")
    reopened = reopen_client(db, people.ada, code)
    assert reopened.next_due_at is not None
    assert abs(reopened.next_due_at - (utcnow() + timedelta(days=7))) < timedelta(minutes=1)
    assert not caseload(db, people.ada)[0].overdue


def test_the_reassign_audit_row_reads_as_staff_names_on_the_audit_log(db, people, content):
    code = new_client(db, people.ada, content).code
    reassign_client(db, people.sam, code, people.bo.user_id)
    [event] = events(db, "client_reassigned")
    names = {people.ada.user_id: "Ada", people.bo.user_id: "Bo"}
    assert named_details(event.detail, names) == "from Ada to Bo"


# --------------------------------------------------------------------------- trends


def _close_many(db, people, content, reason: str, n: int, *, days_ago: int = 3) -> list[str]:  # type: ignore[no-untyped-def]
    codes = []
    for _ in range(n):
        code = new_client(db, people.ada, content, days_ago=40).code
        close_client(db, people.ada, code, reason=reason, closed_on=utcnow().date() - timedelta(days=days_ago))
        codes.append(code)
    return codes


def _period() -> TrendFilter:
    today = utcnow().date()
    return TrendFilter(Period(today - timedelta(days=13), today))


def _by_reason(report) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {r.reason: (None if getattr(r, HIDDEN) else int(r.closings)) for r in report.closings.itertuples()}


def test_trends_count_closings_by_reason_and_hide_small_cells_with_their_complement(db, people, content):
    _close_many(db, people, content, "goals_met", 6)
    _close_many(db, people, content, "lost_contact", 5)
    _close_many(db, people, content, "moved_away", 2)  # too few: hidden
    _close_many(db, people, content, "referred", 3, days_ago=20)  # the period before: not counted here
    report = trends(db, people.sam, content, _period(), k=5)
    counts = _by_reason(report)
    # moved_away alone would be the total minus the shown cells; the smallest other non-empty cell goes with it.
    assert counts == {"goals_met": 6, "lost_contact": None, "moved_away": None, "client_ended": 0, "referred": 0,
                      "other": 0}
    total = report.closings_total
    assert total is not None and not total.hidden and total.value == 13
    assert total.previous_hidden and total.previous is None  # the previous period's 3 closings: fewer than 5


def test_a_reopened_file_still_counts_and_few_closings_hide_the_total(db, people, content):
    codes = _close_many(db, people, content, "goals_met", 3)
    reopen_client(db, people.ada, codes[0])
    report = trends(db, people.sam, content, _period(), k=5)
    assert _by_reason(report)["goals_met"] is None  # three clients: hidden
    assert report.closings_total is not None and report.closings_total.hidden and report.closings_total.value is None
    shown = trends(db, people.sam, content, _period(), k=1)
    assert _by_reason(shown)["goals_met"] == 3 and shown.closings_total.value == 3


def test_closings_follow_the_advocate_and_context_filters_and_sit_out_a_concern_filter(db, people, content):
    _close_many(db, people, content, "other", 2)
    cy = make_user(db, "cy", "advocate")
    report = trends(db, people.sam, content, TrendFilter(_period().period, advocate_id=cy.user_id), k=1)
    assert report.closings_total is not None and report.closings_total.value == 0
    mine = trends(db, people.sam, content, TrendFilter(_period().period, advocate_id=people.ada.user_id), k=1)
    assert _by_reason(mine)["other"] == 2
    by_concern = trends(db, people.sam, content, TrendFilter(_period().period, concern="high"), k=1)
    assert by_concern.closings_total is None and by_concern.closings.empty


