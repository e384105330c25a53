"""The life of a staff account after it exists: a new role, a new display name, and the same from the command line.

Deactivating and reactivating are accounts.set_active; resets and ended sessions are account_admin. Decisions:

- A role change by an admin follows the rule for every record-reading account (models/services/account_review.py):
  a change to advocate or supervisor is handled like a password reset of such an account. The account loses its
  password, every session ends, and it waits for a supervisor, who confirms it and gives the person a setup code.
  Otherwise an admin could make an admin account with a password they know, turn it into a supervisor and read
  every note. A change to admin works at once (an admin reads no records) and keeps the person's own password;
  sessions end so no page is drawn under the old role.
- Nobody changes their own role, and an inactive account is reactivated before its role changes (a supervisor
  can only confirm an active account).
- An advocate who still has open clients keeps the advocate role until a supervisor hands the clients over
  (models/services/handover.py): a client always belongs to an advocate.
- A display name follows the rule of a new account's; the audit row says it changed, never what to.
- The server's command line is immediate, as create-user and setup-code are (docs/accounts.md): whoever runs it
  already holds the database and the note key. Its rows are audited without an actor, "at the command line".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.base import i18n
from models.base.errors import ValidationFailed
from models.base.i18n import N_, _, ngettext
from models.base.inputs import row_id, storable
from models.base.timeutil import utcnow
from models.rules.permissions import Actor, Permission, reads_records, require
from models.services import audit, liveness
from models.services.accounts import display_name_problem
from models.services.auth import NO_PASSWORD, usable, waiting
from models.store.database import Database
from models.store.entities import ROLES, Client, User

# What a person is told (on the page or at the command line): translated with _() where raised; the constants stay
# English for comparisons.
NO_SUCH_ACCOUNT = N_("No such account.")
NO_SUCH_USERNAME = N_("No account has that username.")
# TRANSLATORS: {roles} lists the role codes as typed at the command line (advocate, supervisor, admin): keep them.
_CHOOSE_ROLE = N_("Choose one of: {roles}.")
CHOOSE_ROLE = _CHOOSE_ROLE.format(roles=", ".join(ROLES))
OWN_ROLE = N_("You cannot change your own role: another admin can.")
SAME_ROLE = N_("That account already has this role.")
INACTIVE = N_("Reactivate the account before changing its role.")
SAME_NAME = N_("That is already the display name.")


def choose_role() -> str:
    """CHOOSE_ROLE in the reader's language (the role codes stay as they are typed)."""
    return _(_CHOOSE_ROLE).format(roles=", ".join(ROLES))


def still_has_clients(count: int) -> str:
    """The refusal for an advocate with open clients, in words a page can show next to the role field."""
    # TRANSLATORS: "Hand over clients" is the name of the page in the menu.
    return ngettext("{n} open client is still assigned to this advocate: a supervisor hands them over to other "
                    "advocates first (Hand over clients).",
                    "{n} open clients are still assigned to this advocate: a supervisor hands them over to other "
                    "advocates first (Hand over clients).", count).format(n=i18n.number(count))


@dataclass(frozen=True)
class RoleChanged:
    """What a role change did, for the page's message."""

    old_role: str
    new_role: str
    waits: bool  # for a supervisor's confirmation (advocate or supervisor made by an admin)
    has_password: bool  # False: an admin account with no password yet; reset it to give a first one
    sessions_ended: int


@dataclass(frozen=True)
class AccountLine:
    """One account as the command line lists it."""

    username: str
    display_name: str
    role: str
    active: bool
    last_login_at: datetime | None
    status: str


def _user(s: Session, user_id: object) -> User:
    user = s.get(User, user_id, with_for_update=True) if row_id(user_id) else None
    if user is None:
        raise ValidationFailed({"user": _(NO_SUCH_ACCOUNT)})
    return user


def _by_username(db: Database, username: object) -> int:
    name = username.strip().lower() if isinstance(username, str) else ""
    if not name or len(name) > 64 or not storable(name):
        raise ValidationFailed({"username": _(NO_SUCH_USERNAME)})
    with db.reading() as s:
        found = s.execute(select(User.id).where(User.username == name)).scalar_one_or_none()
    if found is None:
        raise ValidationFailed({"username": _(NO_SUCH_USERNAME)})
    return found


def _open_clients(s: Session, user_id: int) -> int:
    return s.scalar(select(func.count()).select_from(Client)
                    .where(Client.advocate_id == user_id, Client.status == "open")) or 0


def _change_role(s: Session, actor: Actor | None, user: User, role: object) -> RoleChanged:
    """The checks and the change, shared by the page (an admin) and the command line (actor None)."""
    if not isinstance(role, str) or role not in ROLES:
        raise ValidationFailed({"role": choose_role()})
    if actor is not None and user.id == actor.user_id:
        raise ValidationFailed({"role": _(OWN_ROLE)})
    if not user.active:
        raise ValidationFailed({"role": _(INACTIVE)})
    if role == user.role:
        raise ValidationFailed({"role": _(SAME_ROLE)})
    if user.role == "advocate":
        count = _open_clients(s, user.id)
        if count:
            raise ValidationFailed({"role": still_has_clients(count)})
    old = user.role
    user.role = role
    waits = actor is not None and reads_records(role)
    if waits:
        # Exactly what a reset of a record-reading account does (account_admin.reset_password).
        assert actor is not None
        user.password_hash = NO_PASSWORD
        user.must_change_password = False
        user.failed_attempts = 0
        user.locked_until = None
        user.pending_since = utcnow()
        user.pending_reason = "role change"
        user.pending_requested_by = actor.user_id
        user.setup_code_hash = None
        user.setup_code_expires_at = None
    elif actor is not None:
        # An admin account works at once; a wait or a code meant for a record-reading role no longer applies.
        user.pending_since = user.pending_reason = user.pending_requested_by = None
        user.setup_code_hash = None
        user.setup_code_expires_at = None
    ended = liveness.end_all(s, user.id, "role_changed")
    where = "" if actor is not None else "; at the command line"
    audit.record(s, actor, "role_changed", target_type="user", target=str(user.id),
                 detail=f"{old} to {role}" + ("; waiting for a supervisor" if waits else "")
                 + f"; {ended} sessions ended{where}")
    return RoleChanged(old, role, waits, usable(user.password_hash), ended)


def change_role(db: Database, actor: Actor, user_id: int, role: str) -> RoleChanged:
    """An admin gives an account another role; to advocate or supervisor it then waits for a supervisor.

    Raises ValidationFailed keyed "user" or "role"; nothing changes then."""
    require(actor, Permission.MANAGE_ACCOUNTS)
    with db.writing() as s:
        liveness.check(s, actor, lock=True)  # a signed-out admin is told so before anything about the account
        return _change_role(s, actor, _user(s, user_id), role)


def _rename(s: Session, actor: Actor | None, user: User, display_name: object) -> None:
    shown = display_name.strip() if isinstance(display_name, str) else ""
    problem = display_name_problem(shown)
    if problem:
        raise ValidationFailed({"display_name": problem})
    if shown == user.display_name:
        raise ValidationFailed({"display_name": _(SAME_NAME)})
    user.display_name = shown
    audit.record(s, actor, "display_name_changed", target_type="user", target=str(user.id),
                 detail=None if actor is not None else "at the command line")


def rename(db: Database, actor: Actor, user_id: int, display_name: str) -> None:
    """An admin changes the name an account is shown under (their own too). Plain text, up to 120 characters.

    Raises ValidationFailed keyed "user" or "display_name"; nothing changes then."""
    require(actor, Permission.MANAGE_ACCOUNTS)
    with db.writing() as s:
        liveness.check(s, actor, lock=True)
        _rename(s, actor, _user(s, user_id), display_name)


# --------------------------------------------------------------------------- the server's command line


def list_accounts_at_command_line(db: Database) -> list[AccountLine]:
    """Every account with its last sign-in and whether it can sign in, for `./waypoint accounts`."""
    with db.reading() as s:
        users = s.scalars(select(User).order_by(User.role, User.username)).all()
        return [AccountLine(u.username, u.display_name, u.role, u.active, u.last_login_at,
                            waiting(u) or ("" if usable(u.password_hash) else "no password"))
                for u in users]


def set_active_at_command_line(db: Database, username: str, active: bool) -> None:
    """Deactivate (sessions end at once) or reactivate an account by username, with no admin needed."""
    user_id = _by_username(db, username)
    with db.writing() as s:
        user = _user(s, user_id)
        user.active = active
        ended = 0 if active else liveness.end_all(s, user.id, "account_inactive")
        audit.record(s, None, "user_activated" if active else "user_deactivated", target_type="user",
                     target=str(user.id),
                     detail="at the command line" if active else f"{ended} sessions ended; at the command line")


def change_role_at_command_line(db: Database, username: str, role: str) -> RoleChanged:
    """Immediate: the account keeps its password and the new role works at its next sign-in."""
    user_id = _by_username(db, username)
    with db.writing() as s:
        return _change_role(s, None, _user(s, user_id), role)


def rename_at_command_line(db: Database, username: str, display_name: str) -> None:
    user_id = _by_username(db, username)
    with db.writing() as s:
        _rename(s, None, _user(s, user_id), display_name)

