"""Append-only audit trail. Rows are only ever inserted; no service updates or deletes them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from models.base.inputs import loggable
from models.base.timeutil import utcnow
from models.services import liveness
from models.store.entities import AuditEvent

if TYPE_CHECKING:
    from models.rules.permissions import Actor
    from models.store.database import Database


def record(
    session: Session,
    actor: Actor | None,
    action: str,
    *,
    target_type: str | None = None,
    target: str | None = None,
    outcome: str = "ok",
    detail: str | None = None,
    username: str | None = None,
    live: bool = True,
) -> None:
    """Add an event inside the caller's transaction, so the change and its record commit together.

    `detail` is for short codes and counts only: never note text, never anything typed about a person.
    First the actor's session must still be live in the database (liveness.SessionEnded otherwise, which rolls
    the whole change back): this is where every audited action checks it at the moment it acts. `live=False`
    only for recording the end of that very session.
    """
    if live:
        liveness.check(session, actor, lock=True)
    session.add(
        AuditEvent(
            at=utcnow(),
            actor_id=actor.user_id if actor else None,
            actor_username=loggable(actor.username if actor else username),
            action=action,
            target_type=target_type,
            target=loggable(target),
            outcome=outcome,
            # A detail may quote a filter or a name someone typed: it must never be the reason the change it
            # records fails to save (PostgreSQL refuses a NUL in any text).
            detail=(loggable(detail)[:255] if detail else None),  # type: ignore[index]
        )
    )


def record_now(db: Database, actor: Actor | None, action: str, **kwargs: object) -> None:
    """Record in a transaction of its own: for refusals, which must stay even when the work rolls back."""
    with db.writing() as session:
        record(session, actor, action, **kwargs)  # type: ignore[arg-type]
