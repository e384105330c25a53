"""Issue 15: what an unauthenticated stranger can do at the sign-in box (items 6 and 9)."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from models.rules.permissions import Actor
from models.services.accounts import bootstrap_user
from models.services.audit_log import export_audit_csv, search_audit
from models.services.auth import SignInFailed, sign_in
from models.store.database import Database
from models.store.entities import AuditEvent
from models.store.migrate import upgrade

PASSWORD = "correct horse battery staple 7"
TYPED = "Winter-Garden-2027"  # a password typed into the username box: looks like a username, is no account's


def _admin(db) -> Actor:
    uid = bootstrap_user(db, username="alex", display_name="Alex", role="admin", password=PASSWORD)
    return Actor(uid, "alex", "Alex", "admin")


# --------------------------------------------------------------------------- item 6


def test_a_password_typed_as_a_username_is_stored_nowhere(db, settings):
    admin = _admin(db)
    with pytest.raises(SignInFailed):
        sign_in(db, settings, TYPED, "whatever")
    with db.reading() as s:
        rows = list(s.scalars(select(AuditEvent)))
    failed = [r for r in rows if r.action == "sign_in_failed"]
    assert len(failed) == 1 and failed[0].detail == "unknown user" and failed[0].actor_username is None
    for row in rows:
        assert TYPED.lower() not in " ".join(str(v).lower() for v in vars(row).values())
    shown = search_audit(db, admin)
    assert not any(TYPED.lower() in (r.person or "").lower() for r in shown)
    assert TYPED.lower() not in export_audit_csv(db, admin).lower()


def test_a_known_username_is_still_named_on_its_failures(db, settings):
    _admin(db)
    with pytest.raises(SignInFailed):
        sign_in(db, settings, "ALEX", "wrong password")
    with db.reading() as s:
        row = s.scalars(select(AuditEvent).where(AuditEvent.action == "sign_in_failed")).one()
    assert row.actor_username == "alex" and row.target_type == "user"


def test_the_upgrade_forgets_names_kept_by_earlier_versions(blank_database_url):
    db = Database(blank_database_url)
    upgrade(db.engine, "0005")
    with db.engine.begin() as conn:
        conn.execute(text("INSERT INTO audit_events (at, actor_username, action, outcome, detail) VALUES "
                          "(CURRENT_TIMESTAMP, :typed, 'sign_in_failed', 'failed', 'unknown user'), "
                          "(CURRENT_TIMESTAMP, 'ada', 'sign_in_failed', 'failed', 'attempt 1')"),
                     {"typed": TYPED.lower()})
    upgrade(db.engine)
    with db.engine.connect() as conn:
        kept = conn.execute(text("SELECT actor_username FROM audit_events ORDER BY id")).scalars().all()
    assert kept == [None, "ada"]
    db.dispose()
