"""Needs attention, one definition: the caseload's flag is list membership; each rule in words; a supervisor's
review (screened, encrypted note; an audit row without it) hides an entry until something new happens."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, text

from models.base.errors import ValidationFailed
from models.base.timeutil import utcnow
from models.rules.permissions import PermissionDenied
from models.services.attention import OVERDUE_DAYS, mark_reviewed, needs_attention
from models.services.caseload import caseload, closed_clients
from models.services.checkins import CheckInForm, NoteHasIdentifiers, correct_check_in, get_check_in
from models.services.clients import close_client
from models.services.overview import due_now, team_overview
from models.store.entities import AttentionReview, AuditEvent, CheckIn, Client
from tests.unit.helpers import check_in, immediate_items, new_client

NOTE = "Talked it through with the advocate; safety plan looked at again."


@pytest.fixture
def now() -> datetime:
    return utcnow().replace(microsecond=0)


def _client(db, people, content, *concerns: str, items=(), due: datetime | None = None, days_ago: int = 2) -> str:
    code = new_client(db, people.ada, content, days_ago=90).code
    for n, concern in enumerate(concerns):
        last = n == len(concerns) - 1
        when = utcnow().replace(microsecond=0) - timedelta(days=days_ago + len(concerns) - n)
        check_in(db, people.ada, content, code, occurred_at=when, concern=concern,
                 items=list(items) if last else [], next_due_at=(due if last and due else when + timedelta(days=5)))
    return code


def _listed(db, people, content, now, **kw) -> dict[str, object]:
    return {r.code: r for r in needs_attention(db, people.sam, now=now, checklist=content.checklist, **kw)}


def test_the_caseload_flag_is_membership_of_the_list_and_the_reasons_are_the_rules(db, people, content, now):
    item = immediate_items(content)[0]
    ticked = _client(db, people, content, "moderate", "moderate", items=[item])
    danger = _client(db, people, content, "immediate", "immediate")
    rising = _client(db, people, content, "moderate", "high")
    late = _client(db, people, content, "low", due=now - timedelta(days=OVERDUE_DAYS + 2), days_ago=30)
    just_late = _client(db, people, content, "low", due=now - timedelta(days=OVERDUE_DAYS), days_ago=30)
    calm = _client(db, people, content, "high", "low")
    listed = _listed(db, people, content, now)
    assert set(listed) == {ticked, danger, rising, late}  # exactly 7 days late is not "more than 7"
    assert listed[ticked].why == (content.checklist.item(item).label,)
    assert listed[danger].why == ("Immediate danger",)
    assert listed[rising].why == ("Concern rose: moderate → high",)
    assert listed[late].why == (f"Overdue {OVERDUE_DAYS + 2} days",)
    flags = {r.code: r.needs_attention for r in caseload(db, people.ada, now=now, checklist=content.checklist)}
    assert {c for c, f in flags.items() if f} == set(listed)
    assert flags[calm] is False and flags[just_late] is False
    rows = {r.code: r for r in caseload(db, people.sam, now=now, checklist=content.checklist)}
    assert rows[rising].attention == ("Concern rose: moderate → high",)
    assert team_overview(db, people.sam, now=now).needs_attention == len(listed)


def test_a_review_hides_the_entry_until_a_new_check_in(db, people, content, now):
    code = _client(db, people, content, "low", "immediate")
    entry = _listed(db, people, content, now)[code]
    mark_reviewed(db, people.sam, content, code, NOTE, basis=entry.basis, now=now)
    assert code not in _listed(db, people, content, now)
    shown = _listed(db, people, content, now, include_reviewed=True)[code]
    assert shown.review.note == NOTE and shown.review.by == "Sam"
    row = {r.code: r for r in caseload(db, people.ada, now=now)}[code]
    assert row.needs_attention is False and row.attention_reviewed is True
    assert team_overview(db, people.sam, now=now).needs_attention == 0
    check_in(db, people.ada, content, code, concern="immediate")  # something new: back on the list
    assert code in _listed(db, people, content, utcnow())


def test_a_review_comes_back_when_the_concern_changes(db, people, content, now):
    code = _client(db, people, content, "low", "high")
    entry = _listed(db, people, content, now)[code]
    mark_reviewed(db, people.sam, content, code, NOTE, basis=entry.basis, now=now)
    assert code not in _listed(db, people, content, now)
    with db.reading() as s:
        last_id = s.scalar(select(CheckIn.id).join(Client).where(Client.code == code).order_by(CheckIn.seq.desc()))
    last = get_check_in(db, people.ada, last_id)
    saved = correct_check_in(db, people.ada, content, last.id,
                             CheckInForm(**{**CheckInForm.from_view(last).__dict__, "concern": "immediate"}),
                             expected_version=last.version)
    assert saved.concern == "immediate"
    back = _listed(db, people, content, now)[code]
    assert back.reasons[0] == "immediate" and not back.reviewed


def test_an_overdue_review_comes_back_a_week_further_overdue(db, people, content, now):
    code = _client(db, people, content, "low", due=now - timedelta(days=OVERDUE_DAYS + 1), days_ago=30)
    entry = _listed(db, people, content, now)[code]
    mark_reviewed(db, people.sam, content, code, NOTE, basis=entry.basis, now=now)
    assert code not in _listed(db, people, content, now + timedelta(days=1))
    assert code in _listed(db, people, content, now + timedelta(days=7))


def test_the_note_is_screened_and_encrypted_and_the_audit_row_holds_no_note(db, people, content, now):
    code = _client(db, people, content, "low", "immediate")
    entry = _listed(db, people, content, now)[code]
    with pytest.raises(NoteHasIdentifiers) as refused:
        mark_reviewed(db, people.sam, content, code, "Called her on 555-201-7788 tonight.", basis=entry.basis)
    assert "phone number" in refused.value.errors["note"]
    with pytest.raises(ValidationFailed) as empty:
        mark_reviewed(db, people.sam, content, code, "   ", basis=entry.basis)
    assert set(empty.value.errors) == {"note"}
    with pytest.raises(ValidationFailed) as stale:
        mark_reviewed(db, people.sam, content, code, NOTE, basis="ci1.1/0|something else")
    assert set(stale.value.errors) == {"client"}
    with db.reading() as s:
        assert s.scalar(select(AttentionReview.id)) is None  # nothing half-saved
    mark_reviewed(db, people.sam, content, code, NOTE, basis=entry.basis, now=now)
    with db.reading() as s:
        raw = s.execute(text("SELECT note, basis FROM attention_reviews")).one()
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "attention_reviewed")).all()
    assert raw.note and "safety plan" not in raw.note and db.notes.decrypt(raw.note) == NOTE
    assert raw.basis == entry.basis
    assert len(events) == 1 and events[0].target == code and events[0].outcome == "ok"
    assert "safety" not in (events[0].detail or "") and "Talked" not in (events[0].detail or "")


def test_an_advocate_cannot_review_and_the_refusal_is_audited(db, people, content, now):
    code = _client(db, people, content, "low", "immediate")
    entry = _listed(db, people, content, now)[code]
    with pytest.raises(PermissionDenied):
        mark_reviewed(db, people.ada, content, code, NOTE, basis=entry.basis)
    with db.reading() as s:
        denied = s.scalars(select(AuditEvent).where(AuditEvent.action == "attention_reviewed")).all()
        assert s.scalar(select(AttentionReview.id)) is None
    assert [e.outcome for e in denied] == ["denied"]
    assert code in _listed(db, people, content, now)


def test_closed_clients_and_todays_due_list(db, people, content, now):
    gone = new_client(db, people.ada, content, days_ago=20).code
    close_client(db, people.ada, gone, reason="moved_away")
    mine = {r.code for r in closed_clients(db, people.ada)}
    assert mine == {gone}
    assert closed_clients(db, people.bo) == []
    row = closed_clients(db, people.sam)[0]
    assert row.code == gone and row.closed_on is not None and "Moved away" in row.reason
    late = _client(db, people, content, "low", due=now - timedelta(days=3), days_ago=10)
    later = _client(db, people, content, "low", due=now + timedelta(days=3), days_ago=10)
    due = due_now(db, people.ada, now=now, day_ends_at=now + timedelta(hours=1))
    assert [d.code for d in due] == [late] and due[0].overdue and due[0].days_overdue == 3
    assert later not in [d.code for d in due_now(db, people.ada, now=now, day_ends_at=now + timedelta(hours=1))]
