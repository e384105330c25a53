"""Passwords and sessions after an account exists: ending sessions, resets, own changes, sign-in history.

Decisions worth knowing:
- A wrong *current* password on "change password" counts toward a lock of the account (failed sign-ins do not:
  they delay their address, models/services/auth.py):
  otherwise anyone at an unattended, signed-in tab could guess the password without limit. When it locks,
  every session of that person ends, so the tab is signed out too.
- An admin's reset unlocks the account and ends every session of that person. For an admin account it sets the
  first password the admin gives, which they must change at their next sign-in (until they do, `permissions.can`
  grants them nothing). For an advocate or supervisor it sets no password at all: the account waits for a
  supervisor to confirm the reset and issue a one-time setup code (models/services/account_review.py), so an admin
  cannot reset a record-reading account to a password they know and sign in as it.
- Changing your own password ends your other sessions and keeps the one you are using.
- The sign-in history never shows what was typed as the username of an unknown account: people paste
  passwords into the wrong box.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from models.base import i18n
from models.base.errors import ValidationFailed
from models.base.i18n import N_, _
from models.base.inputs import row_id, storable
from models.base.settings import Settings
from models.base.timeutil import utcnow
from models.rules import passwords
from models.rules.permissions import Actor, Permission, PermissionDenied, reads_records, require
from models.services import audit, liveness
from models.services.auth import NO_PASSWORD, hash_password, verify_password
from models.store.database import Database
from models.store.entities import AuditEvent, AuthSession, User

# What a person is told (catalog texts, translated with _() when raised).
WRONG_CURRENT = N_("That is not your current password.")
MISMATCH = N_("The two new passwords are not the same.")
SAME_AS_CURRENT = N_("Choose a password different from the current one.")
LOCKED_OUT = N_("Too many wrong passwords: your account is locked for a while and you are signed out. "
                "Ask an administrator if you need in sooner.")
NO_SUCH_ACCOUNT = N_("No such account.")
# TRANSLATORS: “Your account” is the name of the page where a person changes their own password.
RESET_OWN = N_("Use \u201cYour account\u201d for your own account.")
NO_RESET_PASSWORD = N_("Leave the new password empty: a supervisor confirms the reset of an advocate or supervisor "
                       "and gives them a setup code to choose their own.")

SIGN_IN_ACTIONS = ("sign_in", "sign_in_failed", "sign_in_throttled", "lockout", "sign_out", "session_ended",
                   "sessions_ended", "password_reset", "password_changed", "password_change_failed",
                   "account_confirmed", "account_declined", "account_set_up", "setup_failed",
                   "user_deactivated", "user_activated", "role_changed", "second_factor_asked",
                   "second_factor_failed", "second_factor_enrolled", "second_factor_reset", "recovery_code_used",
                   "recovery_codes_renewed", "identity_sign_in_failed", "identity_linked", "identity_unlinked",
                   "identity_link_confirmed", "identity_link_declined", "user_unlocked")
DEFAULT_LIMIT = 200
MAX_LIMIT = 2000


class LockedOut(Exception):
    """Too many wrong current passwords: the account is locked and every session of it has ended."""

    def __init__(self) -> None:
        super().__init__(_(LOCKED_OUT))


@dataclass(frozen=True)
class SignInEvent:
    at: datetime
    person: str
    action: str
    outcome: str
    detail: str | None
    about: str | None = None  # the account an admin acted on (a reset, ended sessions)


def _naive_utc(value: datetime) -> datetime:
    """The audit log holds naive UTC; an aware time (a page's local clock) is converted, not compared as is."""
    if value.tzinfo is None:
        return value
    try:
        return value.astimezone(UTC).replace(tzinfo=None)
    except OverflowError:  # within a day of the calendar's ends: as good as the end itself
        return datetime.min if value.year < 5000 else datetime.max


def _sessions(n: int, kind: str = "") -> str:
    """"1 session", "2 other sessions": audit details read as sentences on the Sign-ins page."""
    return f"{n} {kind}session" + ("" if n == 1 else "s")


def _user(s, user_id: int) -> User:  # type: ignore[no-untyped-def]
    user = s.get(User, user_id, with_for_update=True) if row_id(user_id) else None
    if user is None:
        raise ValidationFailed({"user": _(NO_SUCH_ACCOUNT)})
    return user


def _live(now: datetime) -> tuple:  # type: ignore[type-arg]
    """A session still usable now: not ended, within its absolute and idle limits. A tab closed without signing out
    leaves its row open until the idle limit, and counting those would overstate who is signed in."""
    idle = timedelta(minutes=liveness.idle_minutes())
    return AuthSession.ended_at.is_(None), AuthSession.expires_at > now, AuthSession.last_seen_at > now - idle


def open_session_counts(db: Database, actor: Actor) -> dict[int, int]:
    """How many live sessions each account has (_live), for the admin's accounts page."""
    require(actor, Permission.MANAGE_ACCOUNTS)
    with db.reading() as s:
        rows = s.execute(select(AuthSession.user_id, func.count()).where(*_live(utcnow()))
                         .group_by(AuthSession.user_id)).all()
    return {user_id: count for user_id, count in rows}


def end_sessions(db: Database, actor: Actor, user_id: int) -> int:
    """End every open session of one person, on the server; returns how many were live (_live): rows left open by
    closed tabs are ended too, but not counted as sessions someone was using."""
    require(actor, Permission.MANAGE_ACCOUNTS)
    with db.writing() as s:
        liveness.check(s, actor, lock=True)  # before ending what may include the admin's own session
        _user(s, user_id)
        ended = s.scalar(select(func.count()).select_from(AuthSession)
                         .where(AuthSession.user_id == user_id, *_live(utcnow()))) or 0
        liveness.end_all(s, user_id, "ended_by_admin")
        audit.record(s, actor, "sessions_ended", target_type="user", target=str(user_id), detail=f"{ended} ended")
    return ended


def reset_password(db: Database, actor: Actor, user_id: int, new_password: str | None = None) -> None:
    """An admin: a new first password they must change at their next sign-in. An advocate or supervisor: no
    password (give none) and the account waits for a supervisor, who issues a setup code."""
    require(actor, Permission.MANAGE_ACCOUNTS)
    if user_id == actor.user_id:
        raise ValidationFailed({"password": _(RESET_OWN)})
    with db.writing() as s:
        liveness.check(s, actor, lock=True)  # a signed-out admin is told so before anything about the account
        user = _user(s, user_id)
        if reads_records(user.role):
            if new_password not in (None, ""):
                raise ValidationFailed({"password": _(NO_RESET_PASSWORD)})
            user.password_hash = NO_PASSWORD
            user.must_change_password = False
            user.failed_attempts = 0
            user.locked_until = None
            user.pending_since = utcnow()
            user.pending_reason = "password reset"
            user.pending_requested_by = actor.user_id
            user.setup_code_hash = None  # a code issued before this reset no longer works
            user.setup_code_expires_at = None
            ended = liveness.end_all(s, user_id, "password_reset")
            audit.record(s, actor, "password_reset", target_type="user", target=str(user_id),
                         detail=f"waiting for a supervisor; {_sessions(ended)} ended")
            return
        if not isinstance(new_password, str):
            raise ValidationFailed({"password": passwords.too_short()})
        weak = passwords.problem(new_password, username=user.username, display_name=user.display_name)
        if weak:
            raise ValidationFailed({"password": weak})
        user.password_hash = hash_password(new_password)
        user.must_change_password = True
        user.failed_attempts = 0
        user.locked_until = None
        ended = liveness.end_all(s, user_id, "password_reset")
        audit.record(s, actor, "password_reset", target_type="user", target=str(user_id),
                     detail=f"must change; {_sessions(ended)} ended")


def change_own_password(db: Database, settings: Settings, actor: Actor, *, current: str, new: str,
                        confirm: str | None = None) -> None:
    """Anyone signed in changes their own password, proving they know the current one.

    Raises ValidationFailed with errors keyed "current", "new" or "confirm", or LockedOut.
    """
    if actor is None or not actor.user_id:
        raise PermissionDenied()
    now = utcnow()
    locked = wrong = False
    current = current if isinstance(current, str) else ""
    if not isinstance(new, str):
        raise ValidationFailed({"new": passwords.too_short()})
    with db.writing() as s:
        user = _user(s, actor.user_id)
        if not user.active or (user.locked_until is not None and user.locked_until > now):
            raise PermissionDenied()
        if not verify_password(user.password_hash, current):
            user.failed_attempts = (user.failed_attempts or 0) + 1
            audit.record(s, actor, "password_change_failed", outcome="failed", target_type="user",
                         target=str(user.id), detail=f"attempt {user.failed_attempts}")
            if user.failed_attempts >= settings.lockout_attempts:
                user.locked_until = now + timedelta(minutes=settings.lockout_minutes)
                user.failed_attempts = 0
                ended = liveness.end_all(s, user.id, "locked_out")
                audit.record(s, actor, "lockout", outcome="failed", target_type="user", target=str(user.id),
                             detail=f"locked for {settings.lockout_minutes} minutes; {_sessions(ended)} ended")
                locked = True
            else:
                wrong = True
        else:
            errors: dict[str, str] = {}
            weak = passwords.problem(new, username=user.username, display_name=user.display_name)
            if weak:
                errors["new"] = weak
            elif new == current:
                errors["new"] = _(SAME_AS_CURRENT)
            if confirm is not None and confirm != new:
                errors["confirm"] = _(MISMATCH)
            if errors:
                raise ValidationFailed(errors)
            user.password_hash = hash_password(new)
            user.must_change_password = False
            user.failed_attempts = 0
            ended = liveness.end_all(s, user.id, "password_changed", keep=actor.session_id)
            audit.record(s, actor, "password_changed", target_type="user", target=str(user.id),
                         detail=f"{_sessions(ended, 'other ')} ended")
    # Raised after the transaction commits, so the failed attempt and any lockout are kept.
    if locked:
        raise LockedOut()
    if wrong:
        raise ValidationFailed({"current": _(WRONG_CURRENT)})


def sign_in_history(db: Database, actor: Actor, *, since: datetime | None = None, username: str | None = None,
                    limit: int = DEFAULT_LIMIT) -> list[SignInEvent]:
    """Who signed in when, failures, lockouts, sign-outs and ended sessions: newest first, from the audit log."""
    require(actor, Permission.VIEW_SIGN_INS)
    limit = max(1, min(limit, MAX_LIMIT)) if isinstance(limit, int) and not isinstance(limit, bool) \
        else DEFAULT_LIMIT
    if since is not None and not isinstance(since, datetime):
        raise ValidationFailed({"since": _("Give the date and time to show sign-ins from.")})
    if username is not None and not isinstance(username, str):
        raise ValidationFailed({"username": _("Give a username to filter by.")})
    query = select(AuditEvent).where(AuditEvent.action.in_(SIGN_IN_ACTIONS))
    if since is not None:
        query = query.where(AuditEvent.at >= _naive_utc(since))
    if username and username.strip():
        name = username.strip().lower()
        if not storable(name) or len(name) > 64:
            return []  # no account has a name like this (PostgreSQL would refuse the NUL as a parameter)
        query = query.where(AuditEvent.actor_username == name)
    query = query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    with db.reading() as s:
        rows = s.scalars(query).all()
        ids = {int(r.target) for r in rows if r.target_type == "user" and r.target and r.target.isdigit()}
        names = dict(s.execute(select(User.id, User.username).where(User.id.in_(ids))).all()) if ids else {}
        out = []
        for row in rows:
            unknown = row.action == "sign_in_failed" and row.detail == "unknown user"
            # TRANSLATORS: shown in the Person column of the sign-in history instead of a username.
            person = _("(unknown username)") if unknown else (row.actor_username or _("(unknown)"))
            about = names.get(int(row.target)) if row.target_type == "user" and row.target and row.target.isdigit() \
                else None
            out.append(SignInEvent(row.at, person, row.action, row.outcome, row.detail, about))
    return out


def set_own_language(db: Database, actor: Actor, code: str | None) -> None:
    """Anyone signed in chooses the language they read Waypoint in; None goes back to the agency's default.
    Their own account only: a language is a preference, never something another person sets for them."""
    if actor is None or not actor.user_id:
        raise PermissionDenied()
    if code is not None and not i18n.known(code):
        raise ValidationFailed({"language": _("Choose one of the languages listed.")})
    with db.writing() as s:
        liveness.check(s, actor)
        user = s.get(User, actor.user_id)
        if user is None:
            raise PermissionDenied()
        user.language = code
