"""An advocate's caseload: who is due, who is overdue, and how the latest check-in compares.

One query: the open clients of one advocate (index ix_clients_advocate_status) and, per client, the
latest and the previous check-in found by two correlated index look-ups on ix_check_ins_client_occurred.
The cost grows with the caseload, never with the number of check-ins stored (see tests/unit/test_caseload.py
for the query plans on SQLite and PostgreSQL).

The "needs attention" flag is models/services/attention.py's one definition: a client is flagged exactly when they
are on the supervisors' needs-attention list (not reviewed since), with the same reasons in words.

The arrow compares like with like: when the two check-ins were recorded on different checklist versions, only the
items on both versions are counted, so a client's first check-in on a longer checklist never reads as a rise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import aliased

from models.base.errors import ValidationFailed
from models.base.i18n import _
from models.base.inputs import row_id
from models.base.timeutil import utcnow
from models.content.loader import Checklist
from models.rules.permissions import Actor, Permission
from models.services import attention
from models.services.clients import (
    AccessRefused,
    reason_label,
    refusals_audited,
    require_any,
    sees_all_clients,
)
from models.store.database import Database
from models.store.entities import CONCERN_RANK, CheckIn, CheckInItem, Client, User

HIGH_RANK = CONCERN_RANK["high"]


@dataclass(frozen=True)
class CaseloadRow:
    """One open client on a caseload. Counts are what was observed, never a score."""

    code: str
    advocate_id: int
    advocate_name: str
    opened_on: date
    last_check_in_at: datetime | None
    next_due_at: datetime  # never checked in: due from the day the file was opened
    overdue: bool
    days_overdue: int  # whole days past due in the agency's days (attention.days_overdue); 0 when due today
    concern: str | None  # of the latest check-in
    sign_count: int | None  # items observed at the latest check-in
    previous_sign_count: int | None
    direction: str | None  # "up", "down", "same"; None with fewer than two check-ins, or nothing to compare on
    needs_attention: bool  # on the needs-attention list (attention.py), not reviewed since
    # When the two check-ins were on different checklist versions: the version whose items were compared.
    compared_on: int | None = None
    attention: tuple[str, ...] = ()  # why the client is on the needs-attention list, in words
    attention_reviewed: bool = False  # on it, but a supervisor marked it reviewed
    attention_rank: int | None = None  # its place on the needs-attention list (0 = most urgent), when flagged


def _check_in_at(offset: int) -> Select:
    """The id of a client's latest (offset 0) or previous (offset 1) check-in, as a correlated subquery."""
    return (
        select(CheckIn.id)
        .where(CheckIn.client_id == Client.id)
        .order_by(CheckIn.occurred_at.desc(), CheckIn.id.desc())
        .limit(1)
        .offset(offset)
        .correlate(Client)
    )


def caseload_query(advocate_id: int | None, *, overdue_only: bool = False, high_concern_only: bool = False,
                   now: datetime | None = None, due_by: datetime | None = None) -> Select:
    """The caseload as one SELECT (exposed so tests can look at its query plan)."""
    now = now or utcnow()
    per_client = (
        select(
            Client.id.label("client_id"),
            Client.code,
            Client.advocate_id,
            Client.opened_on,
            Client.next_due_at,
            _check_in_at(0).scalar_subquery().label("latest_id"),
            _check_in_at(1).scalar_subquery().label("previous_id"),
        )
        .where(Client.status == "open")
    )
    if advocate_id is not None:
        per_client = per_client.where(Client.advocate_id == advocate_id)
    base = per_client.subquery("base")
    latest = aliased(CheckIn, name="latest")
    previous = aliased(CheckIn, name="previous")
    query = (
        select(
            base.c.code,
            base.c.advocate_id,
            User.display_name,
            base.c.opened_on,
            base.c.next_due_at,
            latest.occurred_at,
            latest.concern,
            latest.sign_count,
            latest.needs_attention,
            previous.sign_count.label("previous_sign_count"),
            base.c.latest_id,
            base.c.previous_id,
            latest.checklist_version.label("latest_version"),
            previous.checklist_version.label("previous_version"),
        )
        .join(User, User.id == base.c.advocate_id)
        .outerjoin(latest, latest.id == base.c.latest_id)
        .outerjoin(previous, previous.id == base.c.previous_id)
    )
    if overdue_only:
        # No next-due time means never checked in: due from opening, so already due.
        query = query.where(or_(base.c.next_due_at.is_(None), base.c.next_due_at < now))
    if due_by is not None:  # due by the end of the viewer's today, overdue included
        query = query.where(or_(base.c.next_due_at.is_(None), base.c.next_due_at <= due_by))
    if high_concern_only:
        query = query.where(or_(latest.concern_rank >= HIGH_RANK, latest.needs_attention.is_(True)))
    # Earliest due first: the most overdue come first, then the rest by when they fall due.
    return query.order_by(
        base.c.next_due_at.is_(None).desc(), base.c.next_due_at, base.c.opened_on, base.c.code
    )


def _comparable_counts(s: Any, rows: list[Any], checklist: Checklist) -> dict[int, int]:
    """For the check-ins of clients whose last two were on different checklist versions: how many of their items
    were on the older of the two versions (one query, for those few check-ins only)."""
    common = {}
    for r in rows:
        if r.previous_id is not None and r.latest_version != r.previous_version:
            version = min(r.latest_version, r.previous_version)
            common[r.latest_id] = version
            common[r.previous_id] = version
    if not common:
        return {}
    counts = dict.fromkeys(common, 0)
    for check_in_id, code in s.execute(select(CheckInItem.check_in_id, CheckInItem.code)
                                       .where(CheckInItem.check_in_id.in_(list(common)))).all():
        if checklist.on_version(code, common[check_in_id]):
            counts[check_in_id] += 1
    return counts


def _whose_caseload(db: Database, actor: Actor, advocate_id: int | None) -> int | None:
    """Whose clients the actor may list: an advocate only their own (asking for another's is refused and audited),
    a supervisor anyone's (None for everyone)."""
    with refusals_audited(db, actor, "caseload_viewed"):
        require_any(actor, Permission.VIEW_OWN_CASELOAD, Permission.VIEW_ALL_CLIENTS)
        if not sees_all_clients(actor):
            if advocate_id not in (None, actor.user_id):
                raise AccessRefused(f"caseload of user {advocate_id}")
            advocate_id = actor.user_id
    if advocate_id is not None and not row_id(advocate_id):
        raise ValidationFailed({"advocate": _("Choose an advocate from the list.")})
    return advocate_id


def caseload(db: Database, actor: Actor, *, advocate_id: int | None = None, overdue_only: bool = False,
             high_concern_only: bool = False, now: datetime | None = None,
             checklist: Checklist | None = None, due_by: datetime | None = None,
             zone: tzinfo = UTC) -> list[CaseloadRow]:
    """The actor's own open clients, earliest due first. A supervisor may name an advocate or see everyone.

    `needs_attention` is membership of the needs-attention list (attention.entries, the one definition).
    `high_concern_only` keeps clients whose latest check-in had high or immediate concern, or an item that
    needs an immediate response. With the `checklist`, two check-ins on different versions are compared on the
    items both versions have; without it, they get no arrow rather than a misleading one.
    """
    now = now or utcnow()
    advocate_id = _whose_caseload(db, actor, advocate_id)
    query = caseload_query(advocate_id, overdue_only=overdue_only, high_concern_only=high_concern_only, now=now,
                           due_by=due_by)
    with db.reading() as s:
        rows = s.execute(query).all()
        comparable = _comparable_counts(s, rows, checklist) if checklist is not None else {}
        ordered = attention.entries(s, advocate_id=advocate_id, now=now, checklist=checklist, zone=zone)
    listed = {a.code: a for a in ordered}
    rank = {a.code: n for n, a in enumerate(a for a in ordered if not a.reviewed)}
    result = []
    for r in rows:
        due = r.next_due_at or datetime.combine(r.opened_on, datetime.min.time())
        overdue = due < now
        latest, previous = r.sign_count, r.previous_sign_count
        direction = None
        compared_on = None
        now_count, before_count = latest, previous
        if latest is not None and previous is not None and r.latest_version != r.previous_version:
            compared_on = min(r.latest_version, r.previous_version)
            now_count, before_count = comparable.get(r.latest_id), comparable.get(r.previous_id)
        if now_count is not None and before_count is not None:
            direction = "up" if now_count > before_count else "down" if now_count < before_count else "same"
        result.append(CaseloadRow(
            code=r.code,
            advocate_id=r.advocate_id,
            advocate_name=r.display_name,
            opened_on=r.opened_on,
            last_check_in_at=r.occurred_at,
            next_due_at=due,
            overdue=overdue,
            days_overdue=attention.days_overdue(due, now, zone),
            concern=r.concern,
            sign_count=latest,
            previous_sign_count=previous,
            direction=direction,
            needs_attention=r.code in listed and not listed[r.code].reviewed,
            compared_on=compared_on,
            attention=listed[r.code].why if r.code in listed else (),
            attention_reviewed=r.code in listed and listed[r.code].reviewed,
            attention_rank=rank.get(r.code),
        ))
    return result



# --------------------------------------------------------------------------- closed clients

def closing_reason_words(reason: str | None) -> str:
    """The words for a closing reason code, in the reader's language; files closed before reasons were asked say
    so."""
    return reason_label(reason) or _("no reason recorded")


@dataclass(frozen=True)
class ClosedRow:
    """A closed client, for the caseload's "Show closed clients": reopened from its timeline."""

    code: str
    advocate_id: int
    advocate_name: str
    opened_on: date
    closed_on: date | None
    reason: str  # in words


def closed_clients(db: Database, actor: Actor, *, advocate_id: int | None = None,
                   limit: int = 200) -> list[ClosedRow]:
    """The actor's closed clients (a supervisor's: anyone's, or one advocate's), most recently closed first."""
    advocate_id = _whose_caseload(db, actor, advocate_id)
    query = (select(Client.code, Client.advocate_id, User.display_name, Client.opened_on, Client.closed_on,
                    Client.closed_reason)
             .join(User, User.id == Client.advocate_id).where(Client.status == "closed"))
    if advocate_id is not None:
        query = query.where(Client.advocate_id == advocate_id)
    query = query.order_by(Client.closed_on.desc(), Client.code).limit(max(1, min(int(limit), 1000)))
    with db.reading() as s:
        rows = s.execute(query).all()
    return [ClosedRow(r.code, r.advocate_id, r.display_name, r.opened_on, r.closed_on,
                      closing_reason_words(r.closed_reason)) for r in rows]
