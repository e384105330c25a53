"""Accounts: created at the server's command line or by an admin, never by a stranger on the web.

An admin may not read case records, so an admin alone cannot make an account that does: an advocate or supervisor
account an admin creates has no password and waits for a supervisor to confirm it (models/services/
account_review.py); the person then chooses their own password with a one-time setup code the admin never sees.
Admin accounts an admin creates work at once, with the first password the admin gives. The server's command line
(bootstrap_user) makes any account at once: whoever runs it already holds the database and the note key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select

from models.base.errors import ValidationFailed
from models.base.i18n import N_, _
from models.base.inputs import has_control, row_id, storable
from models.base.settings import Settings
from models.base.timeutil import utcnow
from models.rules import passwords
from models.rules.permissions import Actor, Permission, reads_records, require
from models.services import audit, auth, liveness
from models.services.auth import NO_PASSWORD, hash_password, waiting
from models.store.database import Database
from models.store.entities import ROLES, SignInThrottle, User

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
MIN_PASSWORD = passwords.MIN_LENGTH
NO_FIRST_PASSWORD = N_("Leave the first password empty: advocates and supervisors choose their own with a setup "
                       "code once a supervisor confirms the account.")
NO_SUCH_ACCOUNT = N_("No such account.")
# An account's status (UserSummary.status) stays this English, which pages compare and the command line prints; the
# Accounts page shows it through _(). auth.waiting() gives the first two.
WAITING = N_("waiting for a supervisor")
NO_PASSWORD_YET = N_("no password")  # declined, or made an admin while it waited: an admin's reset gives it one
DEACTIVATED = N_("deactivated")
DECLINED = N_("declined: deactivated, no password")
STATUSES = (WAITING, N_("setup code not used yet"), DEACTIVATED, DECLINED, NO_PASSWORD_YET)


@dataclass(frozen=True)
class UserSummary:
    id: int
    username: str
    display_name: str
    role: str
    active: bool
    locked: bool
    last_login_at: datetime | None
    status: str = ""  # one of STATUSES, in English (shown through _()); "" when it works


def display_name_problem(shown: str) -> str | None:
    """Why a (stripped) display name cannot be stored, or None: the same rule for a new account and a rename."""
    if not shown or len(shown) > 120:
        return _("Give a display name of up to 120 characters.")
    if not storable(shown) or has_control(shown):
        return _("Leave control characters and direction marks out of the display name; "
                 "use letters, spaces and punctuation.")
    return None


def _validate(s, username: str, display_name: str, role: str, password: str | None,  # type: ignore[no-untyped-def]
              needs_password: bool = True) -> tuple[str, str]:
    errors: dict[str, str] = {}
    name = username.strip().lower() if isinstance(username, str) else ""
    shown = display_name.strip() if isinstance(display_name, str) else ""
    if not needs_password:
        if password not in (None, ""):
            errors["password"] = _(NO_FIRST_PASSWORD)
    elif not isinstance(password, str):
        password = ""
    if not USERNAME_RE.match(name):
        errors["username"] = _("Use 2 to 32 lower-case letters, digits, dots, dashes or underscores.")
    elif s.scalar(select(func.count()).select_from(User).where(User.username == name)):
        errors["username"] = _("That username is taken.")
    shown_problem = display_name_problem(shown)
    if shown_problem:
        errors["display_name"] = shown_problem
    if not isinstance(role, str) or role not in ROLES:
        # TRANSLATORS: {roles} lists the role codes as typed at the command line (advocate, supervisor, admin): keep
        # them.
        errors["role"] = _("Choose one of: {roles}.").format(roles=", ".join(ROLES))
    weak = passwords.problem(password, username=name, display_name=shown) if needs_password else None
    if weak:
        errors["password"] = weak
    if errors:
        raise ValidationFailed(errors)
    return name, shown


def _insert(s, actor: Actor | None, username: str, display_name: str, role: str,  # type: ignore[no-untyped-def]
            password: str | None, via: str) -> int:
    confirmed = actor is None or not reads_records(role)  # the command line, or an admin account
    name, shown = _validate(s, username, display_name, role, password, needs_password=confirmed)
    now = utcnow()
    user = User(username=name, display_name=shown, role=role, created_at=now,
                password_hash=hash_password(password) if confirmed else NO_PASSWORD)  # type: ignore[arg-type]
    if not confirmed:
        assert actor is not None
        user.pending_since = now
        user.pending_reason = "new account"
        user.pending_requested_by = actor.user_id
    s.add(user)
    s.flush()
    audit.record(s, actor, "user_created", target_type="user", target=str(user.id),
                 detail=f"{role} via {via}" + ("" if confirmed else f"; {WAITING}"))
    return user.id


def bootstrap_user(db: Database, *, username: str, display_name: str, role: str, password: str) -> int:
    """For the server's command line only: whoever runs it already controls the server."""
    with db.writing() as s:
        return _insert(s, None, username, display_name, role, password, "command line")


def create_user(db: Database, actor: Actor, *, username: str, display_name: str, role: str,
                password: str | None = None) -> int:
    """An admin account works at once with `password`; an advocate or supervisor account takes no password and
    waits for a supervisor's confirmation (ValidationFailed keyed "password" if one is given)."""
    require(actor, Permission.MANAGE_ACCOUNTS)
    with db.writing() as s:
        return _insert(s, actor, username, display_name, role, password, "admin")


def _status(user: User) -> str:
    """What keeps an account from working, in words; "" when it works. A declined account is the only one left
    inactive with no password at all (account_review.decline_account)."""
    if waiting(user):
        return waiting(user) or ""
    if not user.active:
        return DECLINED if not auth.usable(user.password_hash) else DEACTIVATED
    if not auth.usable(user.password_hash):
        return NO_PASSWORD_YET
    return ""


def list_users(db: Database, actor: Actor) -> list[UserSummary]:
    require(actor, Permission.MANAGE_ACCOUNTS)
    now = utcnow()
    with db.reading() as s:
        users = s.scalars(select(User).order_by(User.role, User.username)).all()
        return [
            UserSummary(u.id, u.username, u.display_name, u.role, u.active,
                        u.locked_until is not None and u.locked_until > now, u.last_login_at, _status(u))
            for u in users
        ]


def list_advocates(db: Database, actor: Actor) -> list[UserSummary]:
    """Who a client can be assigned to; supervisors and admins need this, advocates do not."""
    if actor.role == "advocate":
        require(actor, Permission.REASSIGN_CLIENTS)
    with db.reading() as s:
        users = s.scalars(select(User).where(User.role == "advocate", User.active.is_(True))
                          .order_by(User.display_name)).all()
        return [UserSummary(u.id, u.username, u.display_name, u.role, u.active, False, u.last_login_at)
                for u in users]


def sign_in_waits(db: Database, actor: Actor, settings: Settings) -> dict[int, float]:
    """Accounts whose failed sign-ins make some address wait now ({user id: seconds}), for an admin to Unlock."""
    require(actor, Permission.MANAGE_ACCOUNTS)
    with db.reading() as s:
        return auth.account_waits(s, settings)


def unlock_user(db: Database, actor: Actor, user_id: int) -> None:
    """Clears the change-password lock and every sign-in wait counted against this account, from any address (an
    address-wide wait belongs to no account and stays). Audited with what it cleared."""
    require(actor, Permission.MANAGE_ACCOUNTS)
    with db.writing() as s:
        user = s.get(User, user_id) if row_id(user_id) else None
        if user is None:
            raise ValidationFailed({"user": _(NO_SUCH_ACCOUNT)})
        was_locked = user.locked_until is not None and user.locked_until > utcnow()
        user.locked_until = None
        user.failed_attempts = 0
        # Sign-in delays counted against this account from any address end too (models/services/auth.py).
        cleared = s.execute(delete(SignInThrottle).where(SignInThrottle.user_id == user_id,
                                                         SignInThrottle.known.is_(False))).rowcount or 0
        audit.record(s, actor, "user_unlocked", target_type="user", target=str(user_id),
                     detail=("lock cleared; " if was_locked else "") + f"sign-in counts cleared: {cleared}")


def set_active(db: Database, actor: Actor, user_id: int, active: bool) -> None:
    """Deactivate or reactivate an account. Deactivating ends every open session of it at once, in the same
    transaction, so the person's next action is refused (models/services/liveness.py) and they cannot sign in;
    their clients, check-ins and audit rows stay, still under their name. Reactivating restores whatever password
    the account had (the person's own; none after a decline, so it still needs a reset and a supervisor)."""
    require(actor, Permission.MANAGE_ACCOUNTS)
    if user_id == actor.user_id and not active:
        raise ValidationFailed({"user": _("You cannot deactivate your own account.")})
    if not isinstance(active, bool):
        raise ValidationFailed({"active": _("Choose whether the account is active.")})
    with db.writing() as s:
        user = s.get(User, user_id, with_for_update=True) if row_id(user_id) else None
        if user is None:
            raise ValidationFailed({"user": _(NO_SUCH_ACCOUNT)})
        user.active = active
        ended = 0
        if not active:
            ended = liveness.end_all(s, user.id, "account_inactive")
        audit.record(s, actor, "user_activated" if active else "user_deactivated", target_type="user",
                     target=str(user_id), detail=None if active else f"{ended} sessions ended")
