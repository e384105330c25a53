"""Issue 15, item 4: an admin alone cannot make (or reset) an account that reads records and then use it.

The attack: admins may not read case records, yet an admin created a supervisor account with a password of their
choosing, signed in as it and read every note (audited, but allowed). The same worked by resetting an existing
supervisor's password. Now such an account waits for another supervisor's confirmation, which issues a one-time
setup code to the person; the admin never holds a password or code for it (models/services/account_review.py).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from models.base.errors import ValidationFailed
from models.base.settings import Settings
from models.base.timeutil import utcnow
from models.rules.permissions import Permission, PermissionDenied, can, reads_records
from models.services import account_admin, account_review, auth
from models.services.accounts import NO_FIRST_PASSWORD, bootstrap_user, create_user, list_users, set_active
from models.services.checkins import client_timeline
from models.services.liveness import SessionEnded
from models.store.entities import AuditEvent, User
from tests.unit.helpers import client_with_check_in, make_account

PASSWORD = "correct horse battery staple 7"
CHOSEN = "lantern meadow copper finch"
NOTE = "She is staying with her sister this week."


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Many tries from the one test address: the throttle itself is tested in test_security_throttle.py."""
    return Settings(database_url=database_url, lockout_attempts=1000, mfa_required=frozenset())  # password only


@pytest.fixture
def team(db, settings):  # type: ignore[no-untyped-def]
    for name, role in (("ada", "advocate"), ("alex", "admin"), ("sam", "supervisor"), ("sue", "supervisor")):
        make_account(db, name, role, password=PASSWORD)
    return {name: auth.sign_in(db, settings, name, PASSWORD).actor for name in ("ada", "alex", "sam", "sue")}


def _client_with_note(db, content, ada) -> str:  # type: ignore[no-untyped-def]
    code, _ = client_with_check_in(db, ada, content, days_ago=10, note=NOTE)
    return code


def _actions(db, action: str, outcome: str | None = None) -> list[AuditEvent]:  # type: ignore[no-untyped-def]
    query = select(AuditEvent).where(AuditEvent.action == action)
    if outcome:
        query = query.where(AuditEvent.outcome == outcome)
    with db.reading() as s:
        return list(s.scalars(query.order_by(AuditEvent.id)))


def test_an_admin_cannot_make_a_supervisor_and_read_notes_as_it(db, settings, content, team):
    """Reproduced the attack before the fix: create_user took the admin's password, sign_in succeeded and the
    timeline held the note. Now the account has no password the admin knows and cannot sign in."""
    code = _client_with_note(db, content, team["ada"])
    alex = team["alex"]
    with pytest.raises(ValidationFailed) as refused:
        create_user(db, alex, username="mallory", display_name="Mallory", role="supervisor", password=PASSWORD)
    assert refused.value.errors == {"password": NO_FIRST_PASSWORD}
    uid = create_user(db, alex, username="mallory", display_name="Mallory", role="supervisor")
    for guess in (PASSWORD, "", auth.NO_PASSWORD, "waypoint-timing-equaliser"):
        with pytest.raises(auth.SignInFailed):
            auth.sign_in(db, settings, "mallory", guess)
    (failed, *_) = _actions(db, "sign_in_failed")
    assert failed.target == str(uid) and failed.detail == "waiting for a supervisor"
    assert {u.username: u.status for u in list_users(db, alex)}["mallory"] == "waiting for a supervisor"
    # The admin cannot confirm it either; the refusal is audited.
    with pytest.raises(PermissionDenied):
        account_review.confirm_account(db, alex, uid)
    assert _actions(db, "account_confirmed", "denied")[0].actor_id == alex.user_id
    # Nor can the admin use a setup code: none exists until a supervisor confirms, and the admin never sees it.
    with pytest.raises(auth.SignInFailed):
        auth.set_up_password(db, settings, "mallory", "AAAA-BBBB-CCCC", CHOSEN, CHOSEN)
    # The honest path: another supervisor confirms, the person sets their own password and then reads.
    setup = account_review.confirm_account(db, team["sam"], uid)
    signed = auth.set_up_password(db, settings, "mallory", setup.code.lower(), CHOSEN, CHOSEN)
    assert signed.actor.role == "supervisor"
    assert NOTE in [v.note for v in client_timeline(db, signed.actor, content, code).check_ins]


def test_an_admin_cannot_reset_a_supervisor_to_a_known_password(db, settings, content, team):
    """Reproduced before the fix: reset_password set the admin's password and sign_in with it succeeded."""
    alex, sam = team["alex"], team["sam"]
    with pytest.raises(ValidationFailed) as refused:
        account_admin.reset_password(db, alex, sam.user_id, CHOSEN)
    assert refused.value.errors == {"password": account_admin.NO_RESET_PASSWORD}
    code = _client_with_note(db, content, team["ada"])
    client_timeline(db, sam, content, code)  # still live: the refused reset changed nothing
    account_admin.reset_password(db, alex, sam.user_id)
    for guess in (PASSWORD, CHOSEN):
        with pytest.raises(auth.SignInFailed):
            auth.sign_in(db, settings, "sam", guess)
    with pytest.raises(SessionEnded):
        client_timeline(db, sam, content, code)  # the session Sam had ended with the reset
    (reset,) = _actions(db, "password_reset")
    assert reset.detail == "waiting for a supervisor; 1 session ended"
    with pytest.raises(SessionEnded):
        account_review.confirm_account(db, sam, sam.user_id)  # Sam's session ended with the reset
    with pytest.raises(PermissionDenied):  # and without a session (a stale actor): nobody confirms themselves
        account_review.confirm_account(db, replace(sam, session_id=None), sam.user_id)
    setup = account_review.confirm_account(db, team["sue"], sam.user_id)
    signed = auth.set_up_password(db, settings, "sam", setup.code, CHOSEN, CHOSEN)
    client_timeline(db, signed.actor, content, code)
    assert auth.sign_in(db, settings, "sam", CHOSEN).actor.role == "supervisor"


def test_only_another_supervisor_confirms_or_declines_and_refusals_are_audited(db, settings, team):
    alex = team["alex"]
    uid = create_user(db, alex, username="newbie", display_name="New Advocate", role="advocate")
    assert not can(alex, Permission.CONFIRM_ACCOUNTS) and not can(team["ada"], Permission.CONFIRM_ACCOUNTS)
    for who in ("alex", "ada"):
        for decide in (account_review.confirm_account, account_review.decline_account):
            with pytest.raises(PermissionDenied):
                decide(db, team[who], uid)
        with pytest.raises(PermissionDenied):
            account_review.pending_accounts(db, team[who])
    assert len(_actions(db, "account_confirmed", "denied")) == 2
    assert len(_actions(db, "account_declined", "denied")) == 2
    (waiting,) = account_review.pending_accounts(db, team["sam"])
    assert (waiting.username, waiting.role, waiting.reason, waiting.requested_by) == \
        ("newbie", "advocate", "new account", "alex")
    with pytest.raises(ValidationFailed):
        account_review.confirm_account(db, team["sam"], team["ada"].user_id)  # not waiting
    with pytest.raises(ValidationFailed):
        account_review.confirm_account(db, team["sam"], 999_999)
    account_review.decline_account(db, team["sam"], uid)
    assert account_review.pending_accounts(db, team["sam"]) == []
    with db.reading() as s:
        user = s.get(User, uid)
        assert user is not None and not user.active and user.password_hash == auth.NO_PASSWORD
    # Reactivating a declined account gives nobody a way in: it still has no password.
    set_active(db, alex, uid, True)
    with pytest.raises(auth.SignInFailed):
        auth.sign_in(db, settings, "newbie", "")
    (declined,) = _actions(db, "account_declined", "ok")
    assert declined.actor_id == team["sam"].user_id and declined.detail == "advocate; new account; deactivated"


def test_setup_codes_are_one_time_expire_and_follow_the_password_policy(db, settings, team):
    uid = create_user(db, team["alex"], username="newbie", display_name="New Advocate", role="advocate")
    setup = account_review.confirm_account(db, team["sam"], uid)
    assert auth.setup_code_hash(setup.code) is not None
    with db.reading() as s:
        stored = s.get(User, uid)
        assert stored is not None and stored.setup_code_hash == auth.setup_code_hash(setup.code)
        assert setup.code not in stored.setup_code_hash and stored.pending_since is None
    confirmed = _actions(db, "account_confirmed", "ok")[0]
    assert setup.code not in (confirmed.detail or "") and confirmed.detail.startswith("advocate; new account")
    with pytest.raises(auth.SignInFailed):  # a code is no password
        auth.sign_in(db, settings, "newbie", setup.code)
    with pytest.raises(ValidationFailed) as weak:
        auth.set_up_password(db, settings, "newbie", setup.code, "password1234", "password1234")
    assert set(weak.value.errors) == {"new"}
    with pytest.raises(ValidationFailed) as differ:
        auth.set_up_password(db, settings, "newbie", setup.code, CHOSEN, CHOSEN + "x")
    assert set(differ.value.errors) == {"confirm"}
    with pytest.raises(auth.SignInFailed):
        auth.set_up_password(db, settings, "ada", setup.code, CHOSEN, CHOSEN)  # another account's code
    auth.set_up_password(db, settings, "newbie", f" {setup.code} ", CHOSEN, CHOSEN)
    with pytest.raises(auth.SignInFailed):
        auth.set_up_password(db, settings, "newbie", setup.code, CHOSEN + " again", None)  # spent
    assert auth.sign_in(db, settings, "newbie", CHOSEN).actor.username == "newbie"
    assert [e.detail for e in _actions(db, "account_set_up")] == ["own password chosen with a setup code"]

    # Expired: refused, and audited as such.
    account_admin.reset_password(db, team["alex"], uid)
    late = account_review.confirm_account(db, team["sue"], uid)
    with db.writing() as s:
        s.execute(update(User).where(User.id == uid).values(setup_code_expires_at=utcnow() - timedelta(seconds=1)))
    with pytest.raises(auth.SignInFailed):
        auth.set_up_password(db, settings, "newbie", late.code, CHOSEN + " later", None)
    assert _actions(db, "setup_failed")[-1].detail == "code expired"


def test_a_supervisor_cannot_confirm_a_reset_of_their_own_account_and_a_new_reset_voids_a_code(db, settings, team):
    alex, sam, sue = team["alex"], team["sam"], team["sue"]
    account_admin.reset_password(db, alex, sue.user_id)
    with pytest.raises(PermissionDenied):
        account_review.decline_account(db, replace(sue, session_id=None), sue.user_id)
    assert _actions(db, "account_declined", "denied")[0].detail == "own account"
    first = account_review.confirm_account(db, sam, sue.user_id)
    account_admin.reset_password(db, alex, sue.user_id)  # reset again before the code was used
    with pytest.raises(auth.SignInFailed):
        auth.set_up_password(db, settings, "sue", first.code, CHOSEN, CHOSEN)


def test_admin_accounts_and_the_command_line_stay_immediate(db, settings, team):
    assert reads_records("advocate") and reads_records("supervisor") and not reads_records("admin")
    assert not reads_records("root") and not reads_records(None)
    create_user(db, team["alex"], username="ops2", display_name="Ops Two", role="admin", password=PASSWORD)
    assert auth.sign_in(db, settings, "ops2", PASSWORD).actor.role == "admin"
    ops2 = auth.sign_in(db, settings, "ops2", PASSWORD).actor
    account_admin.reset_password(db, team["alex"], ops2.user_id, CHOSEN)
    assert auth.sign_in(db, settings, "ops2", CHOSEN).actor.must_change_password
    bootstrap_user(db, username="cli-sup", display_name="Cli Sup", role="supervisor", password=PASSWORD)
    assert auth.sign_in(db, settings, "cli-sup", PASSWORD).actor.role == "supervisor"
    # The command line can also issue a setup code (the only supervisor forgot their password): audited.
    setup = account_review.issue_setup_code_at_command_line(db, "CLI-SUP")
    with pytest.raises(auth.SignInFailed):
        auth.sign_in(db, settings, "cli-sup", PASSWORD)
    auth.set_up_password(db, settings, "cli-sup", setup.code, CHOSEN, CHOSEN)
    assert _actions(db, "account_confirmed")[-1].actor_id is None


def test_a_session_of_an_account_made_pending_ends_at_once(db, settings, content, team):
    """Defence in depth: even a session that somehow outlived the reset stops being served."""
    sam = team["sam"]
    token = auth.sign_in(db, settings, "sam", PASSWORD)
    with db.writing() as s:
        s.execute(update(User).where(User.id == sam.user_id).values(pending_since=utcnow()))
    with pytest.raises(SessionEnded):
        client_timeline(db, sam, content, _client_with_note(db, content, team["ada"]))
    assert auth.resume(db, settings, token.token) is None
