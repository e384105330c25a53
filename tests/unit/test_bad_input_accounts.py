"""Bad input to accounts, sign-in, sessions and passwords, on SQLite and PostgreSQL.

Usernames and passwords are the one input a stranger controls before signing in, so every text, however odd,
must end in "those details did not work" or a plain refusal of the field, and never in a driver error: a NUL in
the username box used to reach PostgreSQL as a parameter and come back as a DataError.
"""

from __future__ import annotations

import uuid

import pytest
from hypothesis import event, example, given
from hypothesis import strategies as st
from sqlalchemy import select

from models.base.errors import ValidationFailed
from models.base.settings import Settings
from models.rules import passwords
from models.rules.permissions import PermissionDenied
from models.services.account_admin import change_own_password, end_sessions, reset_password, sign_in_history
from models.services.accounts import create_user, set_active, unlock_user
from models.services.auth import SignInFailed, resume, sign_in, sign_out, verify_password
from models.store.entities import AuditEvent, User
from tests.unit.bad_inputs import (
    DB_SETTINGS,
    SLOW_DB_SETTINGS,
    any_datetime,
    any_id,
    any_text,
    corrupt,
    counts,
    data_counts,
    not_text,
)
from tests.unit.helpers import make_user, password_hash

GOOD_PASSWORD = "tidal quartz marmalade heron"


@pytest.fixture
def admin(db):  # type: ignore[no-untyped-def]
    return make_user(db, "alex", "admin")


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, lockout_attempts=1000, mfa_required=frozenset())  # password only


ACCOUNT_JUNK = {
    "username": st.one_of(any_text, not_text, st.sampled_from(["'; DROP TABLE users; --", "a", "A" * 33, "%", "_x"])),
    "display_name": st.one_of(any_text, not_text, st.sampled_from(["B\x00o", "Bo\u202eevil", "x" * 100_000, " "])),
    "role": st.one_of(st.sampled_from(["ADVOCATE", "admin ", "root", "", "advocate\x00"]), any_text, not_text),
    "password": st.one_of(any_text, not_text, st.sampled_from(["\x00" * 20, "x" * 100_000, "password1234"])),
}


@SLOW_DB_SETTINGS
@given(data=st.data())
def test_create_user_saves_exactly_one_account_or_refuses_with_nothing_saved(db, admin, data) -> None:  # type: ignore[no-untyped-def]
    """A valid account with none, one or two fields spoiled: one account and one audit row, or a refusal of
    just the spoiled fields with nothing saved."""
    valid = {
        "username": f"u{uuid.uuid4().hex[:10]}",
        "display_name": data.draw(st.text(alphabet=st.characters(categories=["L", "Zs", "P", "S", "N"]), min_size=1,
                                          max_size=60).filter(lambda t: bool(t.strip())), label="valid name"),
        "role": data.draw(st.sampled_from(["advocate", "supervisor", "admin"])),
    }
    # Only an admin account takes a first password from an admin; advocates and supervisors set their own.
    valid["password"] = GOOD_PASSWORD if valid["role"] == "admin" else None
    f, spoiled = corrupt(data, valid, ACCOUNT_JUNK)
    before = counts(db)
    try:
        user_id = create_user(db, admin, username=f["username"], display_name=f["display_name"], role=f["role"],
                              password=f["password"])
    except ValidationFailed as refused:
        event("refused")
        assert refused.errors and all(isinstance(v, str) and v for v in refused.errors.values())
        # The password check also looks for the name inside the password, so a name can refuse it too.
        # A spoiled role decides whether a password was due, so it can refuse the password too.
        if "password" in refused.errors and "password" not in spoiled and "role" not in spoiled:
            assert refused.errors["password"] == passwords.HAS_NAME
        assert set(refused.errors) - {"password"} <= spoiled
        assert counts(db) == before
        return
    event("saved")
    after = counts(db)
    assert after["users"] == before["users"] + 1
    assert after["audit_events"] == before["audit_events"] + 1
    with db.reading() as s:
        user = s.get(User, user_id)
        assert user is not None
        assert user.display_name == f["display_name"].strip()
        assert "\x00" not in user.display_name and "\u202e" not in user.display_name
        assert user.role == f["role"] and user.username == f["username"].strip().lower()


def test_create_user_refuses_control_characters_in_display_names(db, admin) -> None:  # type: ignore[no-untyped-def]
    for name in ("B\x00o", "Bo\x1b[2J", "Bo\u202eevil", "Bo\u2066x"):
        before = counts(db)
        with pytest.raises(ValidationFailed) as refused:
            create_user(db, admin, username="bo", display_name=name, role="advocate")
        assert set(refused.value.errors) == {"display_name"}
        assert counts(db) == before
    assert create_user(db, admin, username="bo", display_name="Bó <b>Ng</b> 😀", role="advocate")


@SLOW_DB_SETTINGS
@given(username=st.one_of(any_text, not_text, st.just("ada"), st.just(" ADA ")),
       password=st.one_of(any_text, not_text))
@example(username="a\x00b", password="x")
@example(username="ada\x00", password=GOOD_PASSWORD)
@example(username="' OR '1'='1", password="' OR '1'='1")
@example(username="%", password="%")
@example(username="a" * 100_000, password="b" * 100_000)
def test_sign_in_with_anything_is_one_plain_failure(db, settings, username: object, password: object) -> None:  # type: ignore[no-untyped-def]
    """Unknown, odd or hostile usernames and passwords all get SignInFailed, and the log never keeps the text."""
    _ensure_ada(db)
    before = counts(db)
    with pytest.raises(SignInFailed) as failed:
        sign_in(db, settings, username, password)  # type: ignore[arg-type]
    assert str(failed.value) == SignInFailed().args[0]
    after = counts(db)
    assert after["sessions"] == before["sessions"]
    assert after["audit_events"] == before["audit_events"] + 1
    with db.reading() as s:
        row = s.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert row is not None and row.action == "sign_in_failed" and row.outcome == "failed"
    # What was typed is kept only when it could be a username: short, and letters, digits and ._-@ only.
    kept = row.actor_username or ""
    assert kept == "(not a username)" or (len(kept) <= 64 and all(c.isalnum() or c in "._-@" for c in kept))


def _ensure_ada(db) -> None:  # type: ignore[no-untyped-def]
    """One real account, made once per database, so some attempts hit a known username with a wrong password."""
    with db.reading() as s:
        known = s.scalars(select(User).where(User.username == "ada")).first() is not None
    if not known:
        make_user(db, "ada", password_hash=password_hash(GOOD_PASSWORD))


def test_the_right_password_still_signs_in_after_odd_attempts(db, settings) -> None:  # type: ignore[no-untyped-def]
    _ensure_ada(db)
    for typed in ("ada\x00", "ada\u200b", "a%", "ad_"):
        with pytest.raises(SignInFailed):
            sign_in(db, settings, typed, GOOD_PASSWORD)
    signed = sign_in(db, settings, " Ada ", GOOD_PASSWORD)
    assert resume(db, settings, signed.token) is not None


@DB_SETTINGS
@given(token=st.one_of(any_text, not_text))
@example(token="\x00")
@example(token="x" * 100_000)
def test_resume_and_sign_out_with_any_token_end_nothing(db, settings, token: object) -> None:  # type: ignore[no-untyped-def]
    """A forged or garbled session cookie is no session: None, and no row changes."""
    before = counts(db)
    assert resume(db, settings, token) is None  # type: ignore[arg-type]
    sign_out(db, token)  # type: ignore[arg-type]
    assert counts(db) == before


@DB_SETTINGS
@given(user_id=any_id, password=st.one_of(any_text, not_text, st.just(GOOD_PASSWORD)))
@example(user_id=2**70, password=GOOD_PASSWORD)
@example(user_id=2**31, password=GOOD_PASSWORD)
@example(user_id=True, password=GOOD_PASSWORD)
def test_admin_actions_on_any_account_id_refuse_in_words(db, admin, user_id: object, password: object) -> None:  # type: ignore[no-untyped-def]
    """Ids that name no account (too big for the column, negative, not numbers) are 'No such account.'"""
    target = make_user(db, f"t{counts(db)['users']}", "advocate")
    ids_known = {admin.user_id, target.user_id}
    before = data_counts(db)
    for action in (lambda: unlock_user(db, admin, user_id),  # type: ignore[arg-type]
                   lambda: set_active(db, admin, user_id, True),  # type: ignore[arg-type]
                   lambda: end_sessions(db, admin, user_id)):  # type: ignore[arg-type]
        if type(user_id) is int and user_id in ids_known:
            action()
            continue
        with pytest.raises(ValidationFailed) as refused:
            action()
        assert refused.value.errors == {"user": "No such account."}
    if not (type(user_id) is int and user_id in ids_known):
        with pytest.raises(ValidationFailed):
            reset_password(db, admin, user_id, password)  # type: ignore[arg-type]
    assert data_counts(db) == before


@SLOW_DB_SETTINGS
@given(password=st.one_of(any_text, not_text))
@example(password="\x00" * 20)
@example(password="correct\x00horse\x00battery")
@example(password="x" * 100_000)
def test_reset_password_takes_a_good_password_or_keeps_the_old_one(db, admin, password: object) -> None:  # type: ignore[no-untyped-def]
    # An admin account: only those take a password from an admin's reset (tests/unit/test_security_roles.py).
    target = make_user(db, f"t{counts(db)['users']}", "admin")
    with db.reading() as s:
        old_hash = s.get(User, target.user_id).password_hash  # type: ignore[union-attr]
    try:
        reset_password(db, admin, target.user_id, password)  # type: ignore[arg-type]
    except ValidationFailed as refused:
        assert set(refused.errors) == {"password"}
        with db.reading() as s:
            assert s.get(User, target.user_id).password_hash == old_hash  # type: ignore[union-attr]
        return
    assert isinstance(password, str)
    assert passwords.problem(password, username=target.username, display_name=target.display_name) is None
    with db.reading() as s:
        user = s.get(User, target.user_id)
        assert user is not None and user.must_change_password and user.password_hash != old_hash


@SLOW_DB_SETTINGS
@given(current=st.one_of(any_text, not_text), new=st.one_of(any_text, not_text),
       confirm=st.one_of(any_text, st.none()))
@example(current=GOOD_PASSWORD, new="\x00" * 20, confirm="\x00" * 20)
@example(current=GOOD_PASSWORD, new=5, confirm=None)
@example(current=GOOD_PASSWORD, new="x" * 100_000, confirm=None)
def test_change_own_password_with_anything_refuses_per_field(db, settings, current: object, new: object,
                                                             confirm: str | None) -> None:  # type: ignore[no-untyped-def]
    n = counts(db)["users"]
    actor = make_user(db, f"u{n}", "advocate", password_hash=password_hash(GOOD_PASSWORD))
    try:
        change_own_password(db, settings, actor, current=current, new=new, confirm=confirm)  # type: ignore[arg-type]
    except ValidationFailed as refused:
        assert set(refused.errors) <= {"current", "new", "confirm"} and refused.errors
        with db.reading() as s:
            user = s.get(User, actor.user_id)
            assert user is not None
            assert verify_password(user.password_hash, GOOD_PASSWORD)
        return
    assert current == GOOD_PASSWORD and isinstance(new, str) and passwords.problem(new) is None


@DB_SETTINGS
@given(username=st.one_of(any_text, not_text), since=any_datetime, limit=st.one_of(st.integers(), not_text))
@example(username="a\x00", since=None, limit=10)
@example(username="%", since=None, limit=2**70)
def test_sign_in_history_filters_take_anything(db, admin, username: object, since: object, limit: object) -> None:  # type: ignore[no-untyped-def]
    """The supervisor's and admin's sign-in list: odd filters give a (maybe empty) list or a field refusal."""
    try:
        rows = sign_in_history(db, admin, username=username, since=since, limit=limit)  # type: ignore[arg-type]
    except ValidationFailed as refused:
        assert set(refused.errors) <= {"username", "since"}
        assert (username is not None and not isinstance(username, str)) or since is not None
        return
    assert isinstance(rows, list)
    if isinstance(username, str) and username.strip() and username.strip().lower() != admin.username:
        assert all(r.person != admin.username for r in rows)


def test_advocates_cannot_use_admin_account_services(db, admin) -> None:  # type: ignore[no-untyped-def]
    ada = make_user(db, "ada", "advocate")
    before = data_counts(db)
    for action in (lambda: create_user(db, ada, username="evil", display_name="E", role="admin",
                                       password=GOOD_PASSWORD),
                   lambda: reset_password(db, ada, admin.user_id, GOOD_PASSWORD),
                   lambda: end_sessions(db, ada, admin.user_id),
                   lambda: unlock_user(db, ada, admin.user_id),
                   lambda: set_active(db, ada, admin.user_id, False),
                   lambda: sign_in_history(db, ada)):
        with pytest.raises(PermissionDenied):
            action()
    assert data_counts(db) == before
