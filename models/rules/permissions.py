"""What each role may do. Services call require() themselves, so a page that forgets cannot leak."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from models.base.i18n import N_, _


@dataclass(frozen=True)
class Actor:
    """The signed-in person, as every service sees them: what the rules below decide on."""

    user_id: int
    username: str
    display_name: str
    role: str
    session_id: int | None = None
    must_change_password: bool = False
    language: str | None = None  # their interface language; None: the agency's default


class Permission(StrEnum):
    VIEW_RESOURCES = "view_resources"
    VIEW_OWN_CASELOAD = "view_own_caseload"
    WRITE_OWN_CLIENTS = "write_own_clients"
    VIEW_ALL_CLIENTS = "view_all_clients"
    REASSIGN_CLIENTS = "reassign_clients"
    VIEW_TEAM_COUNTS = "view_team_counts"
    VIEW_TRENDS = "view_trends"
    EXPORT_AGGREGATES = "export_aggregates"
    MANAGE_ACCOUNTS = "manage_accounts"
    VIEW_AUDIT = "view_audit"
    VIEW_SIGN_INS = "view_sign_ins"
    # Removing records (retention, erasure on request) and rotating the note key: whole-database actions that
    # cannot be undone, so a permission of their own rather than a side effect of managing accounts.
    REMOVE_RECORDS = "remove_records"
    ROTATE_NOTE_KEY = "rotate_note_key"
    # Confirming an account that reads records (made or reset by an admin) and issuing its setup code: supervisors
    # only, so no single admin can make such an account and use it (models/services/account_review.py).
    CONFIRM_ACCOUNTS = "confirm_accounts"


ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    "advocate": frozenset({Permission.VIEW_RESOURCES, Permission.VIEW_OWN_CASELOAD, Permission.WRITE_OWN_CLIENTS}),
    "supervisor": frozenset(
        {
            Permission.VIEW_RESOURCES,
            Permission.VIEW_ALL_CLIENTS,
            Permission.REASSIGN_CLIENTS,
            Permission.VIEW_TEAM_COUNTS,
            Permission.VIEW_TRENDS,
            Permission.EXPORT_AGGREGATES,
            Permission.VIEW_SIGN_INS,
            Permission.CONFIRM_ACCOUNTS,
        }
    ),
    # Admins keep the tool running; they do not read case records.
    "admin": frozenset(
        {
            Permission.VIEW_RESOURCES,
            Permission.MANAGE_ACCOUNTS,
            Permission.REMOVE_RECORDS,
            Permission.ROTATE_NOTE_KEY,
            Permission.VIEW_AUDIT,
            Permission.VIEW_SIGN_INS,
            Permission.VIEW_TEAM_COUNTS,
        }
    ),
}


# The permissions that open case records: a role holding any of them "reads records".
RECORD_PERMISSIONS = frozenset(
    {Permission.VIEW_OWN_CASELOAD, Permission.WRITE_OWN_CLIENTS, Permission.VIEW_ALL_CLIENTS}
)


def reads_records(role: object) -> bool:
    """Advocates and supervisors: an account in such a role that an admin makes or resets waits for a supervisor."""
    return isinstance(role, str) and bool(ROLE_PERMISSIONS.get(role, frozenset()) & RECORD_PERMISSIONS)


NO_ACCESS = N_("You do not have access to that.")


class PermissionDenied(PermissionError):
    """The acting user may not do this. The message is safe to show and names no client.

    `message` is a catalog text (marked with N_() where it is defined): it is translated here, when raised, into the
    language of the person acting, so every service's refusal reads in their language. A text that is not in the
    catalog is shown as given."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(_(message or NO_ACCESS))


def can(actor: Actor | None, permission: Permission) -> bool:
    """Someone whose password was reset may do nothing until they choose their own (services/account_admin.py)."""
    if actor is None or actor.must_change_password:
        return False
    return permission in ROLE_PERMISSIONS.get(actor.role, frozenset())


def require(actor: Actor | None, permission: Permission) -> None:
    if not can(actor, permission):
        raise PermissionDenied()
