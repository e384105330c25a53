"""Sign-in, throttling and session expiry, counted in the database."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from models.services import auth
from models.services.accounts import bootstrap_user
from models.store.entities import AuditEvent, AuthSession, SignInThrottle, User

PASSWORD = "a long enough passphrase"


@pytest.fixture
def ada(db):
    return bootstrap_user(db, username="ada", display_name="Ada", role="advocate", password=PASSWORD)


def _actions(db) -> list[tuple[str, str]]:
    with db.reading() as s:
        return [(e.action, e.outcome) for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_password_is_stored_as_argon2id(db, ada):
    with db.reading() as s:
        stored = s.get(User, ada).password_hash
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


def test_sign_in_opens_a_session_and_is_audited(db, settings, ada):
    signed = auth.sign_in(db, settings, "  ADA ", PASSWORD)
    assert signed.actor.username == "ada" and signed.actor.role == "advocate"
    with db.reading() as s:
        row = s.scalars(select(AuthSession)).one()
    assert row.token_hash == auth.token_hash(signed.token) != signed.token
    assert ("sign_in", "ok") in _actions(db)
    state = auth.resume(db, settings, signed.token)
    assert state is not None and state.actor.user_id == ada


def test_unknown_user_and_wrong_password_fail_the_same_way(db, settings, ada):
    with pytest.raises(auth.SignInFailed) as unknown:
        auth.sign_in(db, settings, "nobody", PASSWORD)
    with pytest.raises(auth.SignInFailed) as wrong:
        auth.sign_in(db, settings, "ada", "not the password")
    assert str(unknown.value) == str(wrong.value) == auth.SIGN_IN_FAILED
    assert _actions(db).count(("sign_in_failed", "failed")) == 2


def _let_time_pass(db, minutes: int = 60) -> None:
    with db.writing() as s:
        for row in s.scalars(select(SignInThrottle)):
            if row.last_failure_at is not None:
                row.last_failure_at -= timedelta(minutes=minutes)


def test_repeated_failures_delay_that_address_even_with_the_right_password(db, settings, ada):
    """No account lock any more (issue 15, item 9): the address the failures come from waits, growing each time."""
    settings = replace(settings, lockout_attempts=3)
    for _ in range(3):
        with pytest.raises(auth.SignInFailed):
            auth.sign_in(db, settings, "ada", "wrong password!", "203.0.113.9")
    with pytest.raises(auth.SignInFailed):
        auth.sign_in(db, settings, "ada", PASSWORD, "203.0.113.9")  # too soon: refused like a wrong password
    assert ("sign_in_throttled", "failed") in _actions(db)
    with db.reading() as s:
        assert s.get(User, ada).locked_until is None
    _let_time_pass(db)
    assert auth.sign_in(db, settings, "ada", PASSWORD, "203.0.113.9").actor.user_id == ada


def test_failures_below_the_limit_are_forgotten_after_a_success(db, settings, ada):
    settings = replace(settings, lockout_attempts=3)
    for _ in range(2):
        with pytest.raises(auth.SignInFailed):
            auth.sign_in(db, settings, "ada", "wrong password!")
    auth.sign_in(db, settings, "ada", PASSWORD)
    with db.reading() as s:
        assert s.get(User, ada).failed_attempts == 0
        counted = [r.failures for r in s.scalars(select(SignInThrottle)) if r.user_id == ada and r.failures]
    assert counted == [2]  # only the account-wide ceiling remembers them (a day); this address starts afresh


def test_idle_session_expires_and_is_ended_server_side(db, settings, ada):
    signed = auth.sign_in(db, settings, "ada", PASSWORD)
    with db.writing() as s:
        row = s.scalars(select(AuthSession)).one()
        row.last_seen_at -= timedelta(minutes=16)
    assert auth.resume(db, settings, signed.token) is None
    with db.reading() as s:
        assert s.scalars(select(AuthSession)).one().end_reason == "idle_timeout"
    assert ("session_ended", "ok") in _actions(db)


def test_absolute_limit_ends_even_an_active_session(db, settings, ada):
    signed = auth.sign_in(db, settings, "ada", PASSWORD)
    with db.writing() as s:
        row = s.scalars(select(AuthSession)).one()
        row.expires_at = row.created_at - timedelta(seconds=1)
    assert auth.resume(db, settings, signed.token) is None


def test_sign_out_ends_the_session(db, settings, ada):
    signed = auth.sign_in(db, settings, "ada", PASSWORD)
    auth.sign_out(db, signed.token)
    assert auth.resume(db, settings, signed.token) is None
    assert ("sign_out", "ok") in _actions(db)


def test_deactivated_account_cannot_sign_in_or_resume(db, settings, ada):
    signed = auth.sign_in(db, settings, "ada", PASSWORD)
    with db.writing() as s:
        s.get(User, ada).active = False
    assert auth.resume(db, settings, signed.token) is None
    with pytest.raises(auth.SignInFailed):
        auth.sign_in(db, settings, "ada", PASSWORD)


def test_a_forged_token_opens_nothing(db, settings, ada):
    auth.sign_in(db, settings, "ada", PASSWORD)
    assert auth.resume(db, settings, "made-up-token") is None
    assert auth.resume(db, settings, "") is None


def test_the_slow_password_check_runs_outside_the_write_transaction(db, settings, ada, monkeypatch):
    """On SQLite a write transaction holds the only write lock: argon2 inside it made sign-ins queue under load."""
    writing, seen = [False], []
    real_writing, real_verify = db.writing, auth.verify_password

    def tracked_writing():  # type: ignore[no-untyped-def]
        from contextlib import contextmanager

        @contextmanager
        def wrapper():  # type: ignore[no-untyped-def]
            with real_writing() as s:
                writing[0] = True
                try:
                    yield s
                finally:
                    writing[0] = False
        return wrapper()

    def tracked_verify(stored: str, password: str) -> bool:
        seen.append(writing[0])
        return real_verify(stored, password)

    monkeypatch.setattr(db, "writing", tracked_writing)
    monkeypatch.setattr(auth, "verify_password", tracked_verify)
    assert auth.sign_in(db, settings, "ada", PASSWORD).actor.user_id == ada
    for name in ("ada", "nobody"):
        with pytest.raises(auth.SignInFailed):
            auth.sign_in(db, settings, name, "wrong password!")
    assert seen == [False, False, False]  # one check per attempt, none under the write lock


def test_a_password_changed_between_the_check_and_the_decision_is_checked_again(db, settings, ada, monkeypatch):
    real_verify = auth.verify_password
    calls = []

    def verify_then_reset(stored: str, password: str) -> bool:
        calls.append(stored)
        result = real_verify(stored, password)
        if len(calls) == 1:  # an admin resets the password just after the check
            with db.writing() as s:
                s.get(User, ada).password_hash = auth.hash_password("a completely new passphrase")
        return result

    monkeypatch.setattr(auth, "verify_password", verify_then_reset)
    with pytest.raises(auth.SignInFailed):
        auth.sign_in(db, settings, "ada", PASSWORD)  # right a moment ago, wrong by the time it counts
    assert len(calls) == 2 and calls[0] != calls[1]


def test_parallel_wrong_guesses_delay_the_address_once_and_the_right_password_then_waits(db, settings, ada):
    import threading

    settings = replace(settings, lockout_attempts=3)
    barrier = threading.Barrier(6)
    results: list[str] = []

    def guess() -> None:
        barrier.wait()
        try:
            auth.sign_in(db, settings, "ada", "wrong password!")
            results.append("in")
        except auth.SignInFailed:
            results.append("refused")

    threads = [threading.Thread(target=guess) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert results == ["refused"] * 6
    # Counted under row locks, so the delay begins once however the guesses interleave (some may already meet it).
    assert _actions(db).count(("sign_in_throttled", "failed")) == 1
    with pytest.raises(auth.SignInFailed):
        auth.sign_in(db, settings, "ada", PASSWORD)
