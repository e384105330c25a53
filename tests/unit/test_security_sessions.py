"""Issue 15, item 1: a session that has ended stops every action at the moment it acts, in the service itself.

The attack: an advocate fills a check-in; an admin ends all her sessions (or her idle limit passes); she presses
Save. Streamlit runs the button's callback before the app's own session check, so the save went through, audited.
Now every audited service checks the session row inside its own transaction and saves nothing.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from models.base.settings import Settings
from models.base.timeutil import utcnow
from models.services import auth
from models.services.account_admin import end_sessions, reset_password
from models.services.accounts import create_user
from models.services.checkins import CheckInForm, client_timeline, correct_check_in, record_check_in
from models.services.liveness import SessionEnded
from models.services.referrals import mark_referrals_offered
from models.services.safety_plans import update_safety_plan
from models.store.entities import AuditEvent, AuthSession, User
from tests.unit.helpers import checkin_form, make_account, new_client, row_counts

PASSWORD = "correct horse battery staple 7"


@pytest.fixture
def signed(db, settings):  # type: ignore[no-untyped-def]
    for name in ("ada", "alex", "sam", "bo"):
        make_account(db, name, password=PASSWORD)
    return {name: auth.sign_in(db, settings, name, PASSWORD).actor for name in ("ada", "alex", "sam")}


def _counts(db) -> dict[str, int]:
    """Rows in every table but the sessions (which signing in and out change)."""
    return {name: n for name, n in row_counts(db).items() if name != "auth_sessions"}


def _form(code: str, **kw) -> CheckInForm:  # type: ignore[no-untyped-def]
    kw.setdefault("note", "We talked through the weekend.")
    return checkin_form(code, **kw)


def _client(db, content, actor) -> str:  # type: ignore[no-untyped-def]
    return new_client(db, actor, content, days_ago=10).code


def test_a_save_after_an_admin_ended_the_session_saves_nothing(db, content, signed):
    ada, alex = signed["ada"], signed["alex"]
    code = _client(db, content, ada)
    saved = record_check_in(db, ada, content, _form(code), submission_key="live-session-0001")
    end_sessions(db, alex, ada.user_id)  # while Ada is typing
    before = _counts(db)
    attempts = [
        lambda: record_check_in(db, ada, content, _form(code), submission_key="live-session-0002"),
        lambda: correct_check_in(db, ada, content, saved.id, _form(code, concern="high"), expected_version=1),
        lambda: _client(db, content, ada),
        lambda: update_safety_plan(db, ada, content, code, {content.guidance.all_codes()[0]: True}),
        lambda: mark_referrals_offered(db, ada, content, code, [content.resources[0].code],
                                       check_in_id=saved.id, expected_version=1),
        lambda: client_timeline(db, ada, content, code),  # reading is acting too
    ]
    for attempt in attempts:
        with pytest.raises(SessionEnded):
            attempt()
    assert _counts(db) == before  # no check-in, client, plan step, revision or audit row


def test_a_save_after_the_idle_limit_saves_nothing(db, content, signed, monkeypatch):
    ada = signed["ada"]
    code = _client(db, content, ada)
    monkeypatch.setenv("WAYPOINT_IDLE_MINUTES", "15")
    with db.writing() as s:
        s.execute(update(AuthSession).where(AuthSession.id == ada.session_id)
                  .values(last_seen_at=utcnow() - timedelta(minutes=16)))
    before = _counts(db)
    with pytest.raises(SessionEnded):
        record_check_in(db, ada, content, _form(code), submission_key="live-session-0003")
    assert _counts(db) == before


def test_account_actions_after_the_admin_signed_out_elsewhere_are_refused(db, settings, signed):
    alex = signed["alex"]
    other = auth.sign_in(db, settings, "alex", PASSWORD)
    with db.writing() as s:  # the first session is ended (say, signed out on another tab)
        s.execute(update(AuthSession).where(AuthSession.id == alex.session_id).values(ended_at=utcnow(),
                                                                                      end_reason="signed_out"))
    before = _counts(db)
    bo = None
    with db.reading() as s:
        bo = s.scalar(select(User.id).where(User.username == "bo"))
    for attempt in (lambda: create_user(db, alex, username="cat", display_name="Cat", role="admin",
                                        password=PASSWORD),
                    lambda: reset_password(db, alex, bo, PASSWORD + "x"),
                    lambda: end_sessions(db, alex, bo)):
        with pytest.raises(SessionEnded):
            attempt()
    assert _counts(db) == before
    create_user(db, other.actor, username="cat", display_name="Cat", role="admin", password=PASSWORD)  # live: fine


def test_a_role_changed_under_a_session_stops_it(db, content, signed):
    sam = signed["sam"]
    code = _client(db, content, signed["ada"])
    client_timeline(db, sam, content, code)
    with db.writing() as s:  # the account is no longer a supervisor: the session it had must not read on
        s.execute(update(User).where(User.id == sam.user_id).values(role="admin"))
    with pytest.raises(SessionEnded):
        client_timeline(db, sam, content, code)


def test_a_live_session_acts_as_before_and_ending_ones_own_sessions_works(db, content, signed):
    ada, alex = signed["ada"], signed["alex"]
    code = _client(db, content, ada)
    record_check_in(db, ada, content, _form(code), submission_key="live-session-0004")
    assert end_sessions(db, alex, alex.user_id) == 1  # the admin's own, current session included
    with db.reading() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "sessions_ended")) == 1
    assert auth.resume(db, Settings(database_url=str(db.url)), "not-a-token") is None
