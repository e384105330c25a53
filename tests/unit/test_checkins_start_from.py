"""Starting a new check-in from the client's last one (issue 17): only what was observed and how, never the note;
only for someone who may add a check-in to that client; every read audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from models.base.timeutil import utcnow
from models.rules.permissions import PermissionDenied
from models.services.checkins import StartingPoint, last_check_in
from models.store.entities import AuditEvent
from tests.unit.helpers import check_in


def test_the_latest_check_in_is_the_starting_point_without_its_note(db, people, content, client):
    assert last_check_in(db, people.ada, client) is None
    signs = [i.code for i in content.checklist.section("signs").items[:3]]
    check_in(db, people.ada, content, client, occurred_at=utcnow() - timedelta(days=9), concern="low")
    latest = check_in(db, people.ada, content, client, occurred_at=utcnow() - timedelta(days=2), items=signs,
                      contact_mode="video", harm_contact="frequent", concern="high", note="Private words.")
    check_in(db, people.ada, content, client, occurred_at=utcnow() - timedelta(days=5), concern="moderate")
    found = last_check_in(db, people.ada, client)
    assert found == StartingPoint(client, latest.occurred_at, "video", "frequent", "high", tuple(sorted(signs)))
    assert not hasattr(found, "note") and not hasattr(found, "referrals_offered")
    with db.reading() as s:
        details = s.scalars(select(AuditEvent.detail).where(AuditEvent.action == "client_viewed")).all()
    assert details == [f"check-in {latest.id}, to start a new one from"]  # the empty look found nothing to audit


@pytest.mark.parametrize("who", ["bo", "sam", "alex"])
def test_someone_who_may_not_add_a_check_in_gets_nothing_and_is_audited(db, people, content, client, who):
    check_in(db, people.ada, content, client, note="Private words.")
    with pytest.raises(PermissionDenied):
        last_check_in(db, getattr(people, who), client)
    with db.reading() as s:
        refused = s.scalars(select(AuditEvent).where(AuditEvent.action == "client_viewed")).all()
    assert [e.outcome for e in refused] == ["denied"]
