"""Marking a referral offered from a script: it lands on the client's current check-in through a correction,
so the earlier version is kept and the change is audited; stale pages and other people's clients save nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models.base.errors import ValidationFailed
from models.base.timeutil import utcnow
from models.rules.permissions import PermissionDenied
from models.services.checkins import EditConflict, check_in_history, correct_check_in
from models.services.referrals import current_check_in, mark_referrals_offered
from models.store.entities import AuditEvent, CheckInRevision
from tests.unit.helpers import check_in, checkin_form


def _check_in(db, actor, content, code, hours_ago: int, key: str, **kw):  # type: ignore[no-untyped-def]
    return check_in(db, actor, content, code, submission_key=key, harm_contact="some", note="Talked about the week.",
                    occurred_at=utcnow().replace(microsecond=0) - timedelta(hours=hours_ago), **kw)


def test_no_check_in_yet_says_so_and_saves_nothing(db, people, content, client):
    assert current_check_in(db, people.ada, client) is None
    with pytest.raises(ValidationFailed) as err:
        mark_referrals_offered(db, people.ada, content, client, ["ndvh"], check_in_id=1, expected_version=1)
    assert "no check-in yet" in err.value.errors["check_in"]


def test_the_current_check_in_is_the_latest_by_when_it_happened(db, people, content, client):
    _check_in(db, people.ada, content, client, 2, "later-one-000")
    _check_in(db, people.ada, content, client, 30, "earlier-one-0")  # recorded afterwards, happened before
    current = current_check_in(db, people.ada, client)
    assert current is not None and current.occurred_at > utcnow() - timedelta(hours=3)


def test_marking_offered_goes_through_a_correction_that_keeps_history(db, people, content, client):
    saved = _check_in(db, people.ada, content, client, 1, "mark-offered-1", referrals_offered=["ndvh"],
                      referrals_accepted=["ndvh"])
    view = mark_referrals_offered(db, people.ada, content, client, ["lifeline-988", "ndvh"],
                                  check_in_id=saved.id, expected_version=saved.version)
    assert view.referrals_offered == ("lifeline-988", "ndvh")
    assert view.referrals_accepted == ("ndvh",)  # taken up stays taken up
    assert view.version == 2 and view.note == "Talked about the week."
    history = check_in_history(db, people.ada, saved.id)
    assert [c.field for c in history[0].changes] == ["referrals_offered"]
    with db.reading() as s:
        assert s.scalar(select(CheckInRevision.version).where(CheckInRevision.check_in_id == saved.id)) == 1
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "check_in_corrected")).one()
    assert event.target == client and "referrals_offered" in event.detail


def test_marking_what_is_already_offered_changes_nothing(db, people, content, client):
    saved = _check_in(db, people.ada, content, client, 1, "already-there", referrals_offered=["ndvh"])
    view = mark_referrals_offered(db, people.ada, content, client, ["ndvh"], check_in_id=saved.id,
                                  expected_version=1)
    assert view.version == 1


def test_a_stale_page_is_refused_and_saves_nothing(db, people, content, client):
    saved = _check_in(db, people.ada, content, client, 1, "stale-page-01")
    correct_check_in(db, people.ada, content, saved.id, checkin_form(
        client, occurred_at=saved.occurred_at, harm_contact="some", concern="high", note=saved.note),
        expected_version=1)
    with pytest.raises(EditConflict):
        mark_referrals_offered(db, people.ada, content, client, ["ndvh"], check_in_id=saved.id, expected_version=1)
    newer = _check_in(db, people.ada, content, client, 0, "newer-one-001")
    with pytest.raises(ValidationFailed, match="newer check-in"):
        mark_referrals_offered(db, people.ada, content, client, ["ndvh"], check_in_id=saved.id, expected_version=2)
    assert current_check_in(db, people.ada, client).id == newer.id
    assert newer.referrals_offered == ()


def test_unknown_resources_and_an_empty_choice_are_refused(db, people, content, client):
    saved = _check_in(db, people.ada, content, client, 1, "unknown-res-1")
    with pytest.raises(ValidationFailed, match="not in the resource list: local-line"):
        mark_referrals_offered(db, people.ada, content, client, ["local-line"], check_in_id=saved.id,
                               expected_version=1)
    with pytest.raises(ValidationFailed, match="at least one"):
        mark_referrals_offered(db, people.ada, content, client, [], check_in_id=saved.id, expected_version=1)


@pytest.mark.parametrize("who", ["bo", "sam"])
def test_only_the_clients_advocate_marks_and_refusals_are_audited(db, people, content, client, who):
    saved = _check_in(db, people.ada, content, client, 1, f"not-yours-{who}")
    with pytest.raises(PermissionDenied):
        mark_referrals_offered(db, getattr(people, who), content, client, ["ndvh"], check_in_id=saved.id,
                               expected_version=1)
    with db.reading() as s:
        denied = s.scalars(select(AuditEvent).where(AuditEvent.outcome == "denied")).all()
    assert [e.action for e in denied] == ["check_in_corrected"]
    assert current_check_in(db, people.ada, client).referrals_offered == ()
