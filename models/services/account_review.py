"""A supervisor confirms each advocate or supervisor account an admin makes or resets, before it works.

Admins keep accounts running but may not read case records. Before this rule an admin could create a supervisor
account with a password of their choosing, sign in as it and read every note. Now:

- an advocate or supervisor account an admin creates, or whose password an admin resets, has no usable password
  and is *pending*: it cannot sign in, and a session it still had ends (models/services/auth.py, liveness.py);
- a supervisor who is not that person (and not the admin who asked) confirms or declines it. Admins and advocates
  cannot; every refusal is audited;
- confirming issues a one-time setup code (random, shown to the supervisor once, stored only as a SHA-256, valid
  SETUP_HOURS): the supervisor passes it to the person, who signs in with it once and chooses their own password
  (auth.set_up_password). The admin never sees a password or a code;
- declining deactivates the account (and it still has no password: making it work again takes another reset and
  another supervisor's confirmation).

The server's command line stays immediate (accounts.bootstrap_user, issue_setup_code_at_command_line): whoever
runs it already holds the database and the note key, so a second person there would prove nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from models.base.errors import ValidationFailed
from models.base.i18n import N_, _
from models.base.inputs import row_id
from models.base.timeutil import utcnow
from models.rules.permissions import Actor, Permission, PermissionDenied, can, reads_records
from models.services import audit, liveness
from models.services.auth import NO_PASSWORD, new_setup_code, setup_code_hash
from models.store.database import Database
from models.store.entities import User

SETUP_HOURS = 72
# What a person is told: translated with _() where raised (PermissionDenied translates its own message).
NOT_PENDING = N_("That account is not waiting for a confirmation.")
NOT_YOURS = N_("Another supervisor must confirm this: nobody confirms their own account, or one they asked for.")
NO_SUCH_ACCOUNT = N_("No such account.")


@dataclass(frozen=True)
class PendingAccount:
    user_id: int
    username: str
    display_name: str
    role: str
    reason: str  # "new account", "password reset" or "role change"
    requested_by: str  # the admin's username ("(unknown)" if that account is gone)
    since: datetime


@dataclass(frozen=True)
class SetupCode:
    username: str
    code: str  # shown once; never stored, never audited
    expires_at: datetime


def _refuse(db: Database, actor: Actor | None, action: str, target: object, why: str) -> None:
    audit.record_now(db, actor, action, outcome="denied", target_type="user",
                     target=str(target) if row_id(target) else None, detail=why)


def pending_accounts(db: Database, actor: Actor) -> list[PendingAccount]:
    """Accounts waiting for a supervisor, oldest first: for supervisors (their Home page)."""
    if not can(actor, Permission.CONFIRM_ACCOUNTS):
        raise PermissionDenied()
    with db.reading() as s:
        rows = s.scalars(select(User).where(User.pending_since.is_not(None))
                         .order_by(User.pending_since, User.id)).all()
        ids = {u.pending_requested_by for u in rows if u.pending_requested_by is not None}
        names = dict(s.execute(select(User.id, User.username).where(User.id.in_(ids))).all()) if ids else {}
        return [PendingAccount(u.id, u.username, u.display_name, u.role, u.pending_reason or "new account",
                               names.get(u.pending_requested_by, _("(unknown)")), u.pending_since)  # type: ignore[arg-type]
                for u in rows]


def _check(db: Database, actor: Actor, user_id: int, action: str) -> None:
    if not can(actor, Permission.CONFIRM_ACCOUNTS):
        _refuse(db, actor if actor is not None and actor.user_id else None, action, user_id,
                f"role {getattr(actor, 'role', None)} may not")
        raise PermissionDenied()
    if not row_id(user_id):
        raise ValidationFailed({"user": _(NO_SUCH_ACCOUNT)})


def _pending(s, user_id: int) -> User:  # type: ignore[no-untyped-def]
    user = s.get(User, user_id, with_for_update=True)
    if user is None:
        raise ValidationFailed({"user": _(NO_SUCH_ACCOUNT)})
    if user.pending_since is None:
        raise ValidationFailed({"user": _(NOT_PENDING)})
    return user


def _own(db: Database, actor: Actor, user_id: int, action: str) -> None:
    """Refuse (audited) a supervisor deciding on their own account or one they asked for."""
    with db.reading() as s:
        asked = s.execute(select(User.pending_requested_by).where(User.id == user_id)).scalar_one_or_none()
    if user_id == actor.user_id or asked == actor.user_id:
        _refuse(db, actor, action, user_id, "own account" if user_id == actor.user_id else "asked for it")
        raise PermissionDenied(NOT_YOURS)


def confirm_account(db: Database, actor: Actor, user_id: int) -> SetupCode:
    """A supervisor confirms a pending account: the person gets a one-time setup code, returned here only."""
    _check(db, actor, user_id, "account_confirmed")
    _own(db, actor, user_id, "account_confirmed")
    code = new_setup_code()
    with db.writing() as s:
        user = _pending(s, user_id)
        if not reads_records(user.role) or not user.active:
            raise ValidationFailed({"user": _(NOT_PENDING)})
        reason = user.pending_reason or "new account"
        expires = utcnow() + timedelta(hours=SETUP_HOURS)
        user.pending_since = user.pending_reason = user.pending_requested_by = None
        user.setup_code_hash = setup_code_hash(code)
        user.setup_code_expires_at = expires
        user.password_hash = NO_PASSWORD
        audit.record(s, actor, "account_confirmed", target_type="user", target=str(user.id),
                     detail=f"{user.role}; {reason}; setup code issued for {SETUP_HOURS} h")
        return SetupCode(user.username, code, expires)


def decline_account(db: Database, actor: Actor, user_id: int) -> None:
    """A supervisor declines a pending account: it is deactivated and keeps no password."""
    _check(db, actor, user_id, "account_declined")
    _own(db, actor, user_id, "account_declined")
    with db.writing() as s:
        user = _pending(s, user_id)
        reason = user.pending_reason or "new account"
        user.pending_since = user.pending_reason = user.pending_requested_by = None
        user.setup_code_hash = user.setup_code_expires_at = None
        user.password_hash = NO_PASSWORD
        user.active = False
        liveness.end_all(s, user.id, "account_inactive")
        audit.record(s, actor, "account_declined", target_type="user", target=str(user.id),
                     detail=f"{user.role}; {reason}; deactivated")


def issue_setup_code_at_command_line(db: Database, username: str) -> SetupCode:
    """The server's command line: a setup code for any active account, pending or not (say, the only supervisor
    forgot their password). Whoever runs it already holds the database; it is audited all the same."""
    name = username.strip().lower() if isinstance(username, str) else ""
    code = new_setup_code()
    with db.writing() as s:
        user = s.scalars(select(User).where(User.username == name).with_for_update()).one_or_none()
        if user is None or not user.active:
            raise ValidationFailed({"username": _("No active account has that username.")})
        expires = utcnow() + timedelta(hours=SETUP_HOURS)
        user.pending_since = user.pending_reason = user.pending_requested_by = None
        user.setup_code_hash = setup_code_hash(code)
        user.setup_code_expires_at = expires
        user.password_hash = NO_PASSWORD
        user.must_change_password = False
        liveness.end_all(s, user.id, "password_reset")
        audit.record(s, None, "account_confirmed", username=None, target_type="user", target=str(user.id),
                     detail=f"{user.role}; setup code issued at the command line for {SETUP_HOURS} h")
        return SetupCode(user.username, code, expires)
