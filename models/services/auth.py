"""Sign-in, lockout and server-side sessions.

The browser holds a random token; the database holds only its SHA-256, so a copy of the table
cannot be replayed. Idle and absolute limits are checked on every request against the database,
so they hold across app instances and restarts.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select, update

from models.base.inputs import storable
from models.base.settings import Settings
from models.base.timeutil import utcnow
from models.rules.permissions import Actor
from models.services import audit
from models.store.database import Database
from models.store.entities import AuthSession, User

# argon2id with the library's defaults (RFC 9106 low-memory profile).
_hasher = PasswordHasher()
_verifying = threading.Lock()
_DUMMY_HASH = _hasher.hash("waypoint-timing-equaliser")
SIGN_IN_FAILED = "Those details did not work. Check them and try again, or ask an administrator."
# Writing last_seen on every rerun would turn each click into a write; a minute of slack is plenty.
_TOUCH_EVERY = timedelta(seconds=30)


@dataclass(frozen=True)
class SignedIn:
    token: str
    actor: Actor


@dataclass(frozen=True)
class SessionState:
    actor: Actor
    idle_deadline: datetime
    absolute_deadline: datetime


class SignInFailed(Exception):
    """Unknown user, wrong password, locked or inactive: one message for all, so none can be told apart."""

    def __init__(self) -> None:
        super().__init__(SIGN_IN_FAILED)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """One check at a time per process: argon2 uses every core for tens of milliseconds (4 lanes, 64 MiB), so a
    burst of sign-ins at the start of a shift would otherwise starve everyone's pages (bench/load.py: p95 0.6 s ->
    1.7 s with 50 people signing in within 30 s). Sign-ins queue here briefly instead."""
    with _verifying:
        try:
            return _hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _actor(user: User, session_id: int | None) -> Actor:
    return Actor(user.id, user.username, user.display_name, user.role, session_id, user.must_change_password)


def sign_in(db: Database, settings: Settings, username: str, password: str) -> SignedIn:
    now = utcnow()
    name = username.strip().lower() if isinstance(username, str) else ""
    if not isinstance(password, str):
        password = ""
    # No account can have a name like this (models/services/accounts.py), and PostgreSQL refuses a NUL outright: such a
    # name is simply unknown, answered after the same work as any other.
    possible = 0 < len(name) <= 64 and storable(name)
    # argon2 is slow on purpose (tens of milliseconds), so the password is checked before the write transaction:
    # on SQLite that transaction holds the one write lock, and sign-ins at the start of a shift would queue on it
    # past the busy timeout. The decision (lockout counting included) is still taken under the row lock below.
    checked_hash = None
    if possible:
        with db.reading() as s:
            checked_hash = s.scalar(select(User.password_hash).where(User.username == name))
    matched = verify_password(checked_hash or _DUMMY_HASH, password)  # the same work for an unknown name

    def matches(stored_hash: str) -> bool:
        # Changed or reset in the meantime: check against what is stored now.
        return matched if stored_hash == checked_hash else verify_password(stored_hash, password)

    with db.writing() as s:
        user = (s.scalars(select(User).where(User.username == name).with_for_update()).one_or_none()
                if possible else None)
        if user is None:
            # Nothing typed is kept unless it is an account's username: a password typed into the username box
            # would otherwise sit in the audit log (and its CSV) for every admin to read.
            audit.record(s, None, "sign_in_failed", outcome="failed", detail="unknown user")
            failed = True
        elif user.locked_until is not None and user.locked_until > now:
            audit.record(s, None, "sign_in_failed", username=user.username, outcome="failed", detail="locked",
                         target_type="user", target=str(user.id))
            failed = True
        elif not user.active or not matches(user.password_hash):
            failed = True
            user.failed_attempts = (user.failed_attempts or 0) + 1
            audit.record(s, None, "sign_in_failed", username=user.username, outcome="failed",
                         detail="inactive" if not user.active else f"attempt {user.failed_attempts}",
                         target_type="user", target=str(user.id))
            if user.failed_attempts >= settings.lockout_attempts:
                user.locked_until = now + timedelta(minutes=settings.lockout_minutes)
                user.failed_attempts = 0
                audit.record(s, None, "lockout", username=user.username, outcome="failed",
                             detail=f"locked for {settings.lockout_minutes} minutes",
                             target_type="user", target=str(user.id))
        else:
            failed = False
            if _hasher.check_needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            user.failed_attempts = 0
            user.locked_until = None
            user.last_login_at = now
            token = secrets.token_urlsafe(32)
            row = AuthSession(
                user_id=user.id,
                token_hash=token_hash(token),
                created_at=now,
                last_seen_at=now,
                expires_at=now + timedelta(hours=settings.session_hours),
            )
            s.add(row)
            s.flush()
            actor = _actor(user, row.id)
            audit.record(s, actor, "sign_in", target_type="session", target=str(row.id))
    if failed:
        raise SignInFailed()
    return SignedIn(token, actor)


def resume(db: Database, settings: Settings, token: str | None, *, touch: bool = True) -> SessionState | None:
    """The session behind a browser's token, or None when it has ended, idled out or run out of time.

    touch=False looks without counting as activity: the sidebar's timeout notice refreshes itself with it.
    """
    if not token or not isinstance(token, str) or not storable(token):
        return None
    now = utcnow()
    idle = timedelta(minutes=settings.idle_minutes)
    with db.reading() as s:
        row = s.scalars(select(AuthSession).where(AuthSession.token_hash == token_hash(token))).one_or_none()
        if row is None or row.ended_at is not None:
            return None
        user = s.get(User, row.user_id)
        reason = None
        if user is None or not user.active:
            reason = "account_inactive"
        elif now >= row.expires_at:
            reason = "absolute_timeout"
        elif now - row.last_seen_at >= idle:
            reason = "idle_timeout"
        session_id, last_seen, expires = row.id, row.last_seen_at, row.expires_at
        actor = _actor(user, session_id) if user is not None else None
    if reason is not None:
        _end(db, session_id, reason, actor)
        return None
    assert actor is not None
    if touch and now - last_seen >= _TOUCH_EVERY:
        with db.writing() as s:
            s.execute(update(AuthSession).where(AuthSession.id == session_id).values(last_seen_at=now))
        last_seen = now
    return SessionState(actor, min(last_seen + idle, expires), expires)


def _end(db: Database, session_id: int, reason: str, actor: Actor | None) -> None:
    with db.writing() as s:
        changed = s.execute(
            update(AuthSession)
            .where(AuthSession.id == session_id, AuthSession.ended_at.is_(None))
            .values(ended_at=utcnow(), end_reason=reason)
        ).rowcount
        if changed:
            action = "sign_out" if reason == "signed_out" else "session_ended"
            audit.record(s, actor, action, target_type="session", target=str(session_id), detail=reason,
                         live=False)


def sign_out(db: Database, token: str | None) -> None:
    """End the session on the server, so the token is worthless even if it was copied."""
    if not token or not isinstance(token, str) or not storable(token):
        return
    with db.reading() as s:
        row = s.scalars(select(AuthSession).where(AuthSession.token_hash == token_hash(token))).one_or_none()
        if row is None:
            return
        user = s.get(User, row.user_id)
        actor = _actor(user, row.id) if user else None
        session_id = row.id
    _end(db, session_id, "signed_out", actor)
