"""When an advocate leaves (or goes on leave): a supervisor hands all of their open clients over at once.

Decisions:
- Supervisors only (REASSIGN_CLIENTS), like moving one client (clients.reassign_client); refusals are audited.
- All or nothing, in one transaction: every open client of the person goes, to the advocates the supervisor
  chose, or nothing moves. The list the supervisor saw must still be the person's open clients when they press
  the button; a client opened, closed or moved in the meantime refuses the whole hand-over with a plain sentence,
  so nobody is left behind unseen.
- Only active advocates take clients, never the person the clients come from.
- Each client moved is its own audit row (client_reassigned, as a single move writes), then one row for the
  hand-over with its counts. Check-ins keep who recorded them.
- "Spread evenly" is a suggestion the page shows and the supervisor may change client by client: the clients,
  earliest due first, dealt in turn to the chosen advocates, so each gets as many (give or take one) and a share
  of the ones due soonest.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from models.base.errors import ValidationFailed
from models.base.i18n import N_, _
from models.base.inputs import row_id
from models.rules.permissions import Actor, Permission, PermissionDenied, can
from models.services import audit
from models.store.database import Database
from models.store.entities import Client, User

# What a person is told: translated with _() where raised (PermissionDenied translates its own message).
NO_SUCH_ACCOUNT = N_("No such account.")
NOTHING_OPEN = N_("This account has no open clients to hand over.")
CHOOSE_TARGETS = N_("Choose at least one advocate to take the clients.")
ONLY_ACTIVE_ADVOCATES = N_("Clients go only to active advocates, and not back to the person they come from: "
                           "choose again.")
LIST_CHANGED = N_("Their open clients changed since this list was shown (a client was opened, closed or moved). "
                  "Nothing was handed over: look at the list again.")
SUPERVISORS_ONLY = N_("Only a supervisor can hand clients over to other advocates.")


@dataclass(frozen=True)
class Holder:
    """An account that has open clients: who a supervisor may hand clients over from."""

    user_id: int
    username: str
    display_name: str
    role: str
    active: bool
    open_clients: int


@dataclass(frozen=True)
class OpenClient:
    code: str
    next_due_at: datetime | None


def _require(db: Database, actor: Actor | None, target: object = None) -> None:
    if not can(actor, Permission.REASSIGN_CLIENTS):
        audit.record_now(db, actor if actor is not None and actor.user_id else None, "clients_handed_over",
                         outcome="denied", target_type="user", target=str(target) if row_id(target) else None,
                         detail=f"role {getattr(actor, 'role', None)} may not")
        raise PermissionDenied(SUPERVISORS_ONLY)


def holders(db: Database, actor: Actor) -> list[Holder]:
    """Everyone with open clients: deactivated accounts first (their clients wait for nobody), then by name."""
    _require(db, actor)
    with db.reading() as s:
        rows = s.execute(
            select(User.id, User.username, User.display_name, User.role, User.active, func.count(Client.id))
            .join(Client, Client.advocate_id == User.id)
            .where(Client.status == "open")
            .group_by(User.id, User.username, User.display_name, User.role, User.active)
        ).all()
    found = [Holder(*row) for row in rows]
    return sorted(found, key=lambda h: (h.active, h.display_name.lower(), h.username))


def _open(s: Session, user_id: int, *, lock: bool = False) -> list[Client]:
    query = (select(Client).where(Client.advocate_id == user_id, Client.status == "open")
             .order_by(Client.next_due_at.is_(None).desc(), Client.next_due_at, Client.code))
    if lock:
        query = query.with_for_update()
    return list(s.scalars(query))


def open_clients(db: Database, actor: Actor, user_id: int) -> list[OpenClient]:
    """The open clients of one account, earliest due first (codes only: what a hand-over needs)."""
    _require(db, actor, user_id)
    if not row_id(user_id):
        raise ValidationFailed({"from": _(NO_SUCH_ACCOUNT)})
    with db.reading() as s:
        if s.get(User, user_id) is None:
            raise ValidationFailed({"from": _(NO_SUCH_ACCOUNT)})
        return [OpenClient(c.code, c.next_due_at) for c in _open(s, user_id)]


def spread_evenly(codes: Sequence[str], targets: Sequence[int]) -> dict[str, int]:
    """The clients (in the order given: earliest due first) dealt in turn to the targets, in the order chosen."""
    chosen = list(dict.fromkeys(t for t in targets if row_id(t))) if isinstance(targets, (list, tuple)) else []
    if not chosen:
        raise ValidationFailed({"targets": _(CHOOSE_TARGETS)})
    return {code: chosen[i % len(chosen)] for i, code in enumerate(codes)}


def hand_over(db: Database, actor: Actor, from_user_id: int, assignments: Mapping[str, int]) -> dict[int, int]:
    """Move every open client of `from_user_id` to the advocate `assignments` names for its code.

    Returns how many clients each advocate took. Raises ValidationFailed keyed "from", "targets" or "clients"
    (nothing moved), or PermissionDenied (audited)."""
    _require(db, actor, from_user_id)
    if not row_id(from_user_id):
        raise ValidationFailed({"from": _(NO_SUCH_ACCOUNT)})
    if not isinstance(assignments, Mapping) or not assignments:
        raise ValidationFailed({"targets": _(CHOOSE_TARGETS)})
    if not all(isinstance(code, str) for code in assignments):
        raise ValidationFailed({"clients": _(LIST_CHANGED)})
    if not all(row_id(t) for t in assignments.values()):
        raise ValidationFailed({"targets": _(ONLY_ACTIVE_ADVOCATES)})
    targets = set(assignments.values())
    if from_user_id in targets:
        raise ValidationFailed({"targets": _(ONLY_ACTIVE_ADVOCATES)})
    with db.writing() as s:
        source = s.get(User, from_user_id, with_for_update=True)
        if source is None:
            raise ValidationFailed({"from": _(NO_SUCH_ACCOUNT)})
        takers = s.scalars(select(User).where(User.id.in_(targets)).with_for_update()).all()
        if len(takers) != len(targets) or any(u.role != "advocate" or not u.active for u in takers):
            raise ValidationFailed({"targets": _(ONLY_ACTIVE_ADVOCATES)})
        clients = _open(s, from_user_id, lock=True)
        if not clients:
            raise ValidationFailed({"from": _(NOTHING_OPEN)})
        if {c.code for c in clients} != set(assignments):
            raise ValidationFailed({"clients": _(LIST_CHANGED)})
        for client in clients:
            to = assignments[client.code]
            client.advocate_id = to
            audit.record(s, actor, "client_reassigned", target_type="client", target=client.code,
                         detail=f"from user {from_user_id} to user {to}; hand-over")
        taken = Counter(assignments[c.code] for c in clients)
        audit.record(s, actor, "clients_handed_over", target_type="user", target=str(from_user_id),
                     detail=f"{len(clients)} clients to {len(taken)} advocates")
    return dict(taken)
