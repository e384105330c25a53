"""Accounts: created at the server's command line or by an admin, never by a stranger on the web."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select

from models.base.errors import ValidationFailed
from models.base.inputs import has_control, row_id, storable
from models.base.timeutil import utcnow
from models.rules import passwords
from models.rules.permissions import Actor, Permission, require
from models.services import audit
from models.services.auth import hash_password
from models.store.database import Database
from models.store.entities import ROLES, SignInThrottle, User

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
MIN_PASSWORD = passwords.MIN_LENGTH


@dataclass(frozen=True)
class UserSummary:
    id: int
    username: str
    display_name: str
    role: str
    active: bool
    locked: bool
    last_login_at: datetime | None


def _validate(s, username: str, display_name: str, role: str, password: str) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    errors: dict[str, str] = {}
    name = username.strip().lower() if isinstance(username, str) else ""
    shown = display_name.strip() if isinstance(display_name, str) else ""
    if not isinstance(password, str):
        password = ""
    if not USERNAME_RE.match(name):
        errors["username"] = "Use 2 to 32 lower-case letters, digits, dots, dashes or underscores."
    elif s.scalar(select(func.count()).select_from(User).where(User.username == name)):
        errors["username"] = "That username is taken."
    if not shown or len(shown) > 120:
        errors["display_name"] = "Give a display name of up to 120 characters."
    elif not storable(shown) or has_control(shown):
        errors["display_name"] = ("Leave control characters and direction marks out of the display name; "
                                  "use letters, spaces and punctuation.")
    if not isinstance(role, str) or role not in ROLES:
        errors["role"] = f"Choose one of: {', '.join(ROLES)}."
    weak = passwords.problem(password, username=name, display_name=shown)
    if weak:
        errors["password"] = weak
    if errors:
        raise ValidationFailed(errors)
    return name, shown


def _insert(s, actor: Actor | None, username: str, display_name: str, role: str, password: str,  # type: ignore[no-untyped-def]
            via: str) -> int:
    name, shown = _validate(s, username, display_name, role, password)
    user = User(username=name, display_name=shown, role=role, password_hash=hash_password(password),
                created_at=utcnow())
    s.add(user)
    s.flush()
    audit.record(s, actor, "user_created", target_type="user", target=str(user.id), detail=f"{role} via {via}")
    return user.id


def bootstrap_user(db: Database, *, username: str, display_name: str, role: str, password: str) -> int:
    """For the server's command line only: whoever runs it already controls the server."""
    with db.writing() as s:
        return _insert(s, None, username, display_name, role, password, "command line")


def create_user(db: Database, actor: Actor, *, username: str, display_name: str, role: str, password: str) -> int:
    require(actor, Permission.MANAGE_ACCOUNTS)
    with db.writing() as s:
        return _insert(s, actor, username, display_name, role, password, "admin")


def list_users(db: Database, actor: Actor) -> list[UserSummary]:
    require(actor, Permission.MANAGE_ACCOUNTS)
    now = utcnow()
    with db.reading() as s:
        users = s.scalars(select(User).order_by(User.role, User.username)).all()
        return [
            UserSummary(u.id, u.username, u.display_name, u.role, u.active,
                        u.locked_until is not None and u.locked_until > now, u.last_login_at)
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


def unlock_user(db: Database, actor: Actor, user_id: int) -> None:
    require(actor, Permission.MANAGE_ACCOUNTS)
    with db.writing() as s:
        user = s.get(User, user_id) if row_id(user_id) else None
        if user is None:
            raise ValidationFailed({"user": "No such account."})
        user.locked_until = None
        user.failed_attempts = 0
        # Sign-in delays counted against this account from any address end too (models/services/auth.py).
        s.execute(delete(SignInThrottle).where(SignInThrottle.user_id == user_id, SignInThrottle.known.is_(False)))
        audit.record(s, actor, "user_unlocked", target_type="user", target=str(user_id))


def set_active(db: Database, actor: Actor, user_id: int, active: bool) -> None:
    require(actor, Permission.MANAGE_ACCOUNTS)
    if user_id == actor.user_id and not active:
        raise ValidationFailed({"user": "You cannot deactivate your own account."})
    if not isinstance(active, bool):
        raise ValidationFailed({"active": "Choose whether the account is active."})
    with db.writing() as s:
        user = s.get(User, user_id) if row_id(user_id) else None
        if user is None:
            raise ValidationFailed({"user": "No such account."})
        user.active = active
        audit.record(s, actor, "user_activated" if active else "user_deactivated", target_type="user",
                     target=str(user_id))
