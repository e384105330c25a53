"""Ending sessions, password resets, own password changes, the sign-in history and the timeout notice."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from models.base.errors import ValidationFailed
from models.base.timeutil import utcnow
from models.rules import passwords
from models.rules.permissions import Actor, Permission, PermissionDenied, can
from models.services import account_admin, auth
from models.services.session_notice import timeout_notice
from models.store.entities import AuthSession, User
from tests.unit.helpers import events, make_account

PW = "quiet harbour lamp"
NEW = "seven green kites over the bay"


@pytest.fixture
def team(db) -> dict[str, Actor]:
    """ada, sam and alex, who sign in with PW (one argon2 hash for the whole run)."""
    return {name: make_account(db, name, password=PW) for name in ("ada", "sam", "alex")}


def test_ending_sessions_ends_every_open_one_on_the_server(db, settings, team):
    tabs = [auth.sign_in(db, settings, "ada", PW) for _ in range(2)]
    other = auth.sign_in(db, settings, "sam", PW)
    assert account_admin.open_session_counts(db, team["alex"]) == {team["ada"].user_id: 2, team["sam"].user_id: 1}
    assert account_admin.end_sessions(db, team["alex"], team["ada"].user_id) == 2
    assert all(auth.resume(db, settings, t.token) is None for t in tabs)
    assert auth.resume(db, settings, other.token) is not None  # nobody else's
    with db.reading() as s:
        rows = s.scalars(select(AuthSession).where(AuthSession.user_id == team["ada"].user_id))
        reasons = {r.end_reason for r in rows}
    assert reasons == {"ended_by_admin"}
    (event,) = events(db, "sessions_ended")
    assert event.actor_id == team["alex"].user_id and event.target == str(team["ada"].user_id)
    assert event.detail == "2 ended"


def test_only_admins_end_sessions_reset_passwords_or_count_sessions(db, team):
    for name in ("ada", "sam"):
        with pytest.raises(PermissionDenied):
            account_admin.end_sessions(db, team[name], team["ada"].user_id)
        with pytest.raises(PermissionDenied):
            account_admin.reset_password(db, team[name], team["ada"].user_id, NEW)
        with pytest.raises(PermissionDenied):
            account_admin.open_session_counts(db, team[name])
    with pytest.raises(ValidationFailed):
        account_admin.end_sessions(db, team["alex"], 999_999)


def test_reset_forces_a_change_ends_sessions_and_unlocks(db, settings, team):
    # Another admin: an advocate's or supervisor's reset waits for a supervisor (tests/unit/test_security_roles.py).
    target = make_account(db, "ops", "admin", password=PW)
    tab = auth.sign_in(db, settings, "ops", PW)
    with db.writing() as s:
        s.get(User, target.user_id).locked_until = utcnow() + timedelta(minutes=10)
    with pytest.raises(ValidationFailed) as weak:
        account_admin.reset_password(db, team["alex"], target.user_id, "password1234")
    assert weak.value.errors == {"password": passwords.TOO_COMMON}
    with pytest.raises(ValidationFailed):
        account_admin.reset_password(db, team["alex"], team["alex"].user_id, NEW)  # own: use change password
    account_admin.reset_password(db, team["alex"], target.user_id, NEW)
    assert auth.resume(db, settings, tab.token) is None
    with pytest.raises(auth.SignInFailed):
        auth.sign_in(db, settings, "ops", PW)  # the old password is gone
    signed = auth.sign_in(db, settings, "ops", NEW)  # and the lock with it
    assert signed.actor.must_change_password
    # Until the change, the person may do nothing at all, whatever the role allows.
    assert not can(signed.actor, Permission.VIEW_RESOURCES)
    assert events(db, "password_reset")[0].actor_id == team["alex"].user_id

    account_admin.change_own_password(db, settings, signed.actor, current=NEW, new="a brand new lantern road",
                                      confirm="a brand new lantern road")
    state = auth.resume(db, settings, signed.token)
    assert state is not None and not state.actor.must_change_password
    assert can(state.actor, Permission.VIEW_RESOURCES)


def test_own_change_needs_the_current_password_and_a_good_new_one(db, settings, team):
    signed = auth.sign_in(db, settings, "sam", PW)
    other_tab = auth.sign_in(db, settings, "sam", PW)
    me = signed.actor
    with pytest.raises(ValidationFailed) as wrong:
        account_admin.change_own_password(db, settings, me, current="not it at all", new=NEW, confirm=NEW)
    assert wrong.value.errors == {"current": account_admin.WRONG_CURRENT}
    with pytest.raises(ValidationFailed) as weak:
        account_admin.change_own_password(db, settings, me, current=PW, new="qwerty123456", confirm="different")
    assert weak.value.errors == {"new": passwords.TOO_COMMON, "confirm": account_admin.MISMATCH}
    with pytest.raises(ValidationFailed) as same:
        account_admin.change_own_password(db, settings, me, current=PW, new=PW)
    assert same.value.errors == {"new": account_admin.SAME_AS_CURRENT}
    with db.reading() as s:
        assert s.get(User, me.user_id).failed_attempts == 1  # only the wrong current password counted
    account_admin.change_own_password(db, settings, me, current=PW, new=NEW, confirm=NEW)
    assert auth.resume(db, settings, signed.token) is not None  # this tab stays
    assert auth.resume(db, settings, other_tab.token) is None  # the others end
    assert auth.sign_in(db, settings, "sam", NEW).actor.username == "sam"
    assert [e.outcome for e in events(db, "password_change_failed")] == ["failed"]
    assert events(db, "password_changed")[0].detail == "1 other session ended"


def test_wrong_current_passwords_lock_the_account_like_failed_sign_ins(db, settings, team):
    strict = replace(settings, lockout_attempts=2)
    signed = auth.sign_in(db, strict, "ada", PW)
    with pytest.raises(ValidationFailed):
        account_admin.change_own_password(db, strict, signed.actor, current="guess number one", new=NEW)
    with pytest.raises(account_admin.LockedOut):
        account_admin.change_own_password(db, strict, signed.actor, current="guess number two", new=NEW)
    assert auth.resume(db, strict, signed.token) is None  # the tab is signed out
    with pytest.raises(auth.SignInFailed):
        auth.sign_in(db, strict, "ada", PW)  # locked, even with the right password
    assert events(db, "lockout")[0].outcome == "failed"


def test_sign_in_history_is_for_supervisors_and_admins_and_hides_typed_unknown_names(db, settings, team):
    auth.sign_in(db, settings, "ada", PW)
    with pytest.raises(auth.SignInFailed):
        auth.sign_in(db, settings, "ada", "not the password")
    with pytest.raises(auth.SignInFailed):
        auth.sign_in(db, settings, "mysecretpassword", PW)  # a password typed into the username box
    with pytest.raises(PermissionDenied):
        account_admin.sign_in_history(db, team["ada"])
    for viewer in ("sam", "alex"):
        rows = account_admin.sign_in_history(db, team[viewer])
        assert [(r.person, r.action) for r in rows] == [
            ("(unknown username)", "sign_in_failed"), ("ada", "sign_in_failed"), ("ada", "sign_in")]
        assert all("mysecretpassword" not in str(r) for r in rows)
    assert len(account_admin.sign_in_history(db, team["sam"], limit=1)) == 1
    assert account_admin.sign_in_history(db, team["sam"], since=utcnow() + timedelta(minutes=1)) == []
    assert {r.person for r in account_admin.sign_in_history(db, team["sam"], username="ADA")} == {"ada"}


def test_the_timeout_notice_warns_before_either_limit_acts(db, settings, team):
    now = utcnow()
    actor = team["ada"]
    calm = auth.SessionState(actor, now + timedelta(minutes=10), now + timedelta(hours=5))
    assert timeout_notice(calm, now) is None
    idle = timeout_notice(auth.SessionState(actor, now + timedelta(seconds=60), now + timedelta(hours=5)), now)
    assert idle is not None and idle.kind == "idle"
    assert idle.text == "You will be signed out in about a minute unless you continue."
    ending = timeout_notice(auth.SessionState(actor, now + timedelta(minutes=2), now + timedelta(seconds=100)), now)
    assert ending is not None and ending.kind == "absolute" and "about 2 minutes" in ending.text


def test_looking_at_the_session_without_touching_it_does_not_extend_the_idle_limit(db, settings, team):
    signed = auth.sign_in(db, settings, "ada", PW)
    with db.writing() as s:
        row = s.scalars(select(AuthSession)).one()
        row.last_seen_at -= timedelta(minutes=5)
        before = row.last_seen_at
    looked = auth.resume(db, settings, signed.token, touch=False)
    assert looked is not None
    with db.reading() as s:
        assert s.scalars(select(AuthSession)).one().last_seen_at == before
    assert looked.idle_deadline == before + timedelta(minutes=settings.idle_minutes)
    active = auth.resume(db, settings, signed.token)  # a real request does count
    assert active is not None and active.idle_deadline > looked.idle_deadline
