"""Needs attention: the open clients a supervisor should look at now, each with the reason in plain words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from models.base.errors import ValidationFailed
from models.base.inputs import row_id
from models.base.timeutil import utcnow
from models.rules.permissions import Actor, Permission, require
from models.services import audit
from models.store.database import Database
from models.store.entities import CheckIn, Client, User

DEFAULT_OVERDUE_DAYS = 7
MAX_OVERDUE_DAYS = 3650
REASONS = {
    "immediate": "Latest check-in needed an immediate response",
    "rising": "Concern rose since the check-in before",
    "overdue": "Follow-up overdue",
}


@dataclass(frozen=True)
class AttentionRow:
    code: str
    advocate_id: int
    advocate_name: str
    reasons: tuple[str, ...]  # keys of REASONS, most urgent first
    last_check_in_at: datetime | None
    concern: str | None
    previous_concern: str | None
    next_due_at: datetime | None
    days_overdue: int


def needs_attention(db: Database, actor: Actor, *, overdue_days: int = DEFAULT_OVERDUE_DAYS,
                    advocate_id: int | None = None, now: datetime | None = None) -> list[AttentionRow]:
    """Open clients whose latest check-in needed an immediate response, whose concern rose over their last two
    check-ins, or whose follow-up is more than `overdue_days` late. Supervisors only; the view is audited."""
    require(actor, Permission.VIEW_ALL_CLIENTS)
    now = now or utcnow()
    errors: dict[str, str] = {}
    if isinstance(overdue_days, bool) or not isinstance(overdue_days, int) or not 0 <= overdue_days <= MAX_OVERDUE_DAYS:
        errors["overdue_days"] = f"Give the days overdue as a whole number from 0 to {MAX_OVERDUE_DAYS}."
    if advocate_id is not None and not row_id(advocate_id):
        errors["advocate"] = "Choose an advocate from the list, or everyone."
    if errors:
        raise ValidationFailed(errors)
    late_before = now - timedelta(days=overdue_days)
    # A client's latest check-in is the one with the highest `seq` (kept in step on every write), and the one
    # before it has seq - 1: two lookups on the (client_id, seq) index per client, at any table size.
    last_seq = (select(func.max(CheckIn.seq)).where(CheckIn.client_id == Client.id).correlate(Client)
                .scalar_subquery())
    base = (
        select(Client.id.label("client_id"), Client.code, Client.advocate_id, Client.next_due_at,
               last_seq.label("last_seq"))
        .where(Client.status == "open")
    )
    if advocate_id is not None:
        base = base.where(Client.advocate_id == advocate_id)
    sub = base.subquery("base")
    latest, previous = aliased(CheckIn, name="latest"), aliased(CheckIn, name="previous")
    query = (
        select(sub.c.code, sub.c.advocate_id, User.display_name, sub.c.next_due_at, latest.occurred_at,
               latest.concern, latest.concern_rank, latest.needs_attention, previous.concern.label("prev_concern"),
               previous.concern_rank.label("prev_rank"))
        .join(User, User.id == sub.c.advocate_id)
        .outerjoin(latest, and_(latest.client_id == sub.c.client_id, latest.seq == sub.c.last_seq))
        .outerjoin(previous, and_(previous.client_id == sub.c.client_id, previous.seq == sub.c.last_seq - 1))
        .where(or_(latest.needs_attention.is_(True), latest.concern_rank > previous.concern_rank,
                   sub.c.next_due_at < late_before))
    )
    with db.reading() as s:
        rows = s.execute(query).all()
    result = []
    for r in rows:
        reasons = []
        if r.needs_attention:
            reasons.append("immediate")
        if r.prev_rank is not None and r.concern_rank is not None and r.concern_rank > r.prev_rank:
            reasons.append("rising")
        days = max(0, (now.date() - r.next_due_at.date()).days) if r.next_due_at and r.next_due_at < now else 0
        if r.next_due_at is not None and r.next_due_at < late_before:
            reasons.append("overdue")
        result.append(AttentionRow(r.code, r.advocate_id, r.display_name, tuple(reasons), r.occurred_at,
                                   r.concern, r.prev_concern, r.next_due_at, days))
    order = {"immediate": 0, "rising": 1, "overdue": 2}
    result.sort(key=lambda a: (order[a.reasons[0]], -a.days_overdue, a.code))
    audit.record_now(db, actor, "attention_list_viewed", detail=f"{len(result)} clients listed")
    return result
