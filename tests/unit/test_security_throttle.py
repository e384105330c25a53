"""Issue 15, item 9: a stranger at the sign-in box can neither lock a person out nor starve real sign-ins.

Before: five wrong passwords from anywhere locked the account for 15 minutes (the right password from the person's
own desk was refused), and every attempt ran argon2 under the process-wide lock, so a flood queued real sign-ins.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from models.base.timeutil import utcnow
from models.services import auth
from models.services.accounts import bootstrap_user
from models.store.entities import AuditEvent, SignInThrottle, User

PASSWORD = "a long enough passphrase"
ATTACKER, DESK, NEW_LAPTOP = "203.0.113.66", "198.51.100.7", "192.0.2.44"


@pytest.fixture(autouse=True)
def still_clock(monkeypatch):
    """Sign-in's clock stands still: a wait of a few seconds must not run out because the machine is slow (a loop of
    refused tries each waits as long as a password check would). Tests that need time to pass move it themselves."""
    now = utcnow()
    monkeypatch.setattr(auth, "utcnow", lambda: now)
    return now


@pytest.fixture
def ada(db):
    return bootstrap_user(db, username="ada", display_name="Ada", role="advocate", password=PASSWORD)


@pytest.fixture
def checks(monkeypatch):
    """How many argon2 checks ran."""
    calls = []
    real = auth.verify_password

    def counted(stored: str, password: str) -> bool:
        calls.append(1)
        return real(stored, password)

    monkeypatch.setattr(auth, "verify_password", counted)
    monkeypatch.setattr(auth, "_CHECK_SECONDS", 0.0)
    return calls


def _fail(db, settings, times: int, address: str, username: str = "ada") -> None:
    for _ in range(times):
        with pytest.raises(auth.SignInFailed) as refused:
            auth.sign_in(db, settings, username, "a wrong guess at it", address)
        if isinstance(refused.value, auth.SignInPaused):  # a try during a wait says so (test_paused_...)
            assert str(refused.value).startswith("Sign-ins from here are paused for ")
        else:
            assert str(refused.value) == auth.SIGN_IN_FAILED  # one message whatever the reason


def test_a_stranger_cannot_lock_a_person_out(db, settings, ada):
    auth.sign_in(db, settings, "ada", PASSWORD, DESK)  # Ada has signed in from her desk before
    _fail(db, settings, 40, ATTACKER)  # far past the old "5 failures lock the account for 15 minutes"
    with db.reading() as s:
        assert s.get(User, ada).locked_until is None
    assert auth.sign_in(db, settings, "ada", PASSWORD, DESK).actor.user_id == ada
    with pytest.raises(auth.SignInFailed):  # ... while the attacker's own address waits, even with the password
        auth.sign_in(db, settings, "ada", PASSWORD, ATTACKER)


def test_a_flood_from_one_address_stops_costing_password_checks(db, settings, ada, checks):
    settings = replace(settings, lockout_attempts=5)
    for n in range(60):  # unknown names count against the address too
        _fail(db, settings, 1, ATTACKER, f"nobody-{n}")
    free = settings.lockout_attempts * 4
    assert len(checks) == free  # after the free allowance no attempt reaches argon2 (or its lock)
    before = len(checks)
    assert auth.sign_in(db, settings, "ada", PASSWORD, DESK).actor.user_id == ada  # elsewhere: straight in
    assert len(checks) == before + 1
    with db.reading() as s:
        audited = s.scalars(select(AuditEvent).where(AuditEvent.action.in_(("sign_in_failed", "sign_in_throttled"))))
        actions = [a.action for a in audited]
    # Refused attempts write nothing: the flood cannot turn into a flood of writes either.
    assert actions.count("sign_in_failed") == free and actions.count("sign_in_throttled") == 1


def test_delays_grow_and_then_let_the_next_try_through(db, settings, ada, checks):
    settings = replace(settings, lockout_attempts=2, lockout_minutes=15)
    _fail(db, settings, 2, ATTACKER)
    for expected in (2, 4, 8):
        with pytest.raises(auth.SignInFailed):
            auth.sign_in(db, settings, "ada", PASSWORD, ATTACKER)  # too soon, refused unchecked
        with db.writing() as s:
            row = s.scalars(select(SignInThrottle).where(SignInThrottle.user_id == ada,
                                                         SignInThrottle.failures > 0)).first()
            waited = auth._wait_until(row, 2, settings, row.last_failure_at)
            assert waited == row.last_failure_at + timedelta(seconds=expected)
            for r in s.scalars(select(SignInThrottle)):
                if r.last_failure_at is not None:
                    r.last_failure_at -= timedelta(seconds=expected)
        _fail(db, settings, 1, ATTACKER)  # allowed again, checked, wrong: the next delay doubles
    assert len(checks) == 5


def test_past_the_account_ceiling_a_new_address_is_slowed_not_shut_out(db, settings, ada, monkeypatch):
    monkeypatch.setattr(auth, "ACCOUNT_CEILING", 6)
    auth.sign_in(db, settings, "ada", PASSWORD, DESK)
    for n in range(6):  # a spread-out guess at Ada's password, two tries from each of three addresses
        _fail(db, settings, 2, f"203.0.113.{n // 2 + 1}")
    # A fourth address gets one try before its own delay starts (not the usual five) ...
    _fail(db, settings, 1, "203.0.113.200")
    with pytest.raises(auth.SignInFailed):
        auth.sign_in(db, settings, "ada", PASSWORD, "203.0.113.200")
    # ... Ada on a new laptop is not held back by any of that: her first try works,
    assert auth.sign_in(db, settings, "ada", PASSWORD, NEW_LAPTOP).actor.user_id == ada
    # and her own desk never was.
    assert auth.sign_in(db, settings, "ada", PASSWORD, DESK).actor.user_id == ada


def test_the_table_holds_no_address_or_username_in_the_clear(db, settings, ada):
    _fail(db, settings, 2, ATTACKER)
    _fail(db, settings, 1, ATTACKER, "Winter-Garden-2027")
    with db.reading() as s:
        rows = list(s.scalars(select(SignInThrottle)))
    text = " ".join(f"{r.key} {r.user_id}" for r in rows).lower()
    assert rows and ATTACKER not in text and "winter" not in text and "ada" not in text


# --------------------------------------------------------------------------- a try during a wait says so


def test_the_right_password_during_a_wait_is_told_of_the_pause_not_that_it_is_wrong(db, settings, ada, checks):
    settings = replace(settings, lockout_attempts=2, lockout_minutes=15)
    _fail(db, settings, 2, ATTACKER)
    with pytest.raises(auth.SignInPaused) as paused:
        auth.sign_in(db, settings, "ada", PASSWORD, ATTACKER)
    assert str(paused.value) == ("Sign-ins from here are paused for 2 seconds after several unsuccessful tries, so "
                                 "what you typed was not checked. Wait, then try again; an administrator can clear "
                                 "the pause for an account.")
    assert paused.value.seconds == pytest.approx(2)
    assert len(checks) == 2  # still no password check during the wait


def test_an_unknown_username_is_paused_exactly_like_an_account(db, settings, ada, checks):
    """The pause must not tell a stranger which usernames exist: the same tries, the same answers, the same wait."""
    settings = replace(settings, lockout_attempts=3, lockout_minutes=15)

    def answers(username: str) -> list[str]:
        out = []
        for _ in range(5):
            with pytest.raises(auth.SignInFailed) as refused:
                auth.sign_in(db, settings, username, "a wrong guess at it", ATTACKER)
            out.append(str(refused.value))
        return out

    known, unknown = answers("ada"), answers("not-an-account")
    assert known == unknown
    assert known[:3] == [auth.SIGN_IN_FAILED] * 3 and known[3].startswith("Sign-ins from here are paused for 2 ")
    # The setup-code sign-in answers the same during a wait.
    with pytest.raises(auth.SignInPaused):
        auth.set_up_password(db, settings, "not-an-account", "K7QM-3XHD-WP9A", PASSWORD, PASSWORD, ATTACKER)
    with pytest.raises(auth.SignInPaused):
        auth.set_up_password(db, settings, "ada", "K7QM-3XHD-WP9A", PASSWORD, PASSWORD, ATTACKER)


def test_waits_are_said_in_words():
    assert auth.SignInPaused(1).args[0].startswith("Sign-ins from here are paused for 1 second after")
    assert "for 59 seconds" in str(auth.SignInPaused(58.2))
    assert "for about 2 minutes" in str(auth.SignInPaused(61))
    assert "for about 15 minutes" in str(auth.SignInPaused(900))


def test_an_admins_unlock_clears_the_accounts_waits_and_says_so_in_the_audit(db, settings, ada):
    from models.rules.permissions import Actor, PermissionDenied
    from models.services import accounts

    admin_id = bootstrap_user(db, username="alex", display_name="Alex", role="admin", password=PASSWORD)
    admin = Actor(admin_id, "alex", "Alex", "admin")
    settings = replace(settings, lockout_attempts=2, lockout_minutes=15)
    _fail(db, settings, 2, ATTACKER)
    _fail(db, settings, 2, ATTACKER, "not-an-account")
    waits = accounts.sign_in_waits(db, admin, settings)
    assert set(waits) == {ada} and waits[ada] == pytest.approx(2)  # an unknown name is no account to list
    with pytest.raises(PermissionDenied):
        accounts.sign_in_waits(db, Actor(ada, "ada", "Ada", "advocate"), settings)
    accounts.unlock_user(db, admin, ada)
    assert accounts.sign_in_waits(db, admin, settings) == {}
    assert auth.sign_in(db, settings, "ada", PASSWORD, ATTACKER).actor.user_id == ada
    with db.reading() as s:
        row = s.scalars(select(AuditEvent).where(AuditEvent.action == "user_unlocked")).one()
    assert row.target == str(ada) and row.detail == "sign-in counts cleared: 2"
