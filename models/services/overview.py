"""The counts each home page opens with, computed in SQL so they stay instant at a million check-ins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from sqlalchemy import func, select

from models.base.timeutil import utcnow
from models.rules.permissions import Actor, Permission, require
from models.services import attention
from models.store.database import Database
from models.store.entities import CheckIn, Client, User
from models.store.migrate import current_revision, head_revision


@dataclass(frozen=True)
class AdvocateOverview:
    open_clients: int
    due_today: int
    overdue: int
    check_ins_last_7_days: int


@dataclass(frozen=True)
class TeamOverview:
    open_clients: int
    active_advocates: int
    check_ins_last_7_days: int
    check_ins_last_28_days: int
    overdue: int
    needs_attention: int


@dataclass(frozen=True)
class SystemOverview:
    backend: str
    schema_revision: str | None
    schema_head: str
    users_by_role: dict[str, int]


@dataclass(frozen=True)
class DueClient:
    """One of an advocate's clients due by the end of today, for the list on Home."""

    code: str
    due_at: datetime
    overdue: bool
    days_overdue: int  # whole calendar days past due, as the caseload counts them


DUE_LIST_MAX = 10


def _end_of_day(now: datetime, day_ends_at: datetime | None) -> datetime:
    """The end of the viewer's today in UTC (the page knows their time zone); the UTC day without it."""
    return day_ends_at or now.replace(hour=23, minute=59, second=59, microsecond=0)


def _due_counts(s, where, now: datetime, day_ends_at: datetime | None = None) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    end_of_day = _end_of_day(now, day_ends_at)
    overdue = s.scalar(select(func.count()).select_from(Client).where(*where, Client.next_due_at < now)) or 0
    due_today = s.scalar(select(func.count()).select_from(Client).where(
        *where, Client.next_due_at >= now, Client.next_due_at <= end_of_day)) or 0
    return due_today, overdue


def advocate_overview(db: Database, actor: Actor, now: datetime | None = None, *,
                      day_ends_at: datetime | None = None) -> AdvocateOverview:
    """The advocate's own counts; "today" ends at `day_ends_at` (UTC), the end of their local day."""
    require(actor, Permission.VIEW_OWN_CASELOAD)
    now = now or utcnow()
    mine = (Client.advocate_id == actor.user_id, Client.status == "open")
    with db.reading() as s:
        open_clients = s.scalar(select(func.count()).select_from(Client).where(*mine)) or 0
        due_today, overdue = _due_counts(s, mine, now, day_ends_at)
        recent = s.scalar(select(func.count()).select_from(CheckIn).where(
            CheckIn.advocate_id == actor.user_id, CheckIn.occurred_at >= now - timedelta(days=7))) or 0
    return AdvocateOverview(open_clients, due_today, overdue, recent)


def due_now(db: Database, actor: Actor, now: datetime | None = None, *, day_ends_at: datetime | None = None,
            limit: int = DUE_LIST_MAX, zone: tzinfo = UTC) -> list[DueClient]:
    """The advocate's own open clients overdue or due by the end of today, most overdue first, at most `limit`:
    the start of their day on Home (the caseload has the rest). Days overdue are the caseload's own count,
    in the agency's `zone`."""
    require(actor, Permission.VIEW_OWN_CASELOAD)
    now = now or utcnow()
    query = (select(Client.code, Client.next_due_at)
             .where(Client.advocate_id == actor.user_id, Client.status == "open",
                    Client.next_due_at <= _end_of_day(now, day_ends_at))
             .order_by(Client.next_due_at, Client.code).limit(max(1, min(limit, 100))))
    with db.reading() as s:
        rows = s.execute(query).all()
    return [DueClient(r.code, r.next_due_at, r.next_due_at < now,
                      attention.days_overdue(r.next_due_at, now, zone)) for r in rows]


def team_overview(db: Database, actor: Actor, now: datetime | None = None, *, zone: tzinfo = UTC) -> TeamOverview:
    """The team's counts; the needs-attention count is the list's own, days counted in the agency's `zone`."""
    require(actor, Permission.VIEW_TEAM_COUNTS)
    now = now or utcnow()
    is_open = (Client.status == "open",)
    with db.reading() as s:
        open_clients = s.scalar(select(func.count()).select_from(Client).where(*is_open)) or 0
        # An account waiting for a supervisor's confirmation is nobody at work yet (account_review.py).
        advocates = s.scalar(select(func.count()).select_from(User).where(
            User.role == "advocate", User.active.is_(True), User.pending_since.is_(None))) or 0
        week = s.scalar(select(func.count()).select_from(CheckIn).where(
            CheckIn.occurred_at >= now - timedelta(days=7))) or 0
        month = s.scalar(select(func.count()).select_from(CheckIn).where(
            CheckIn.occurred_at >= now - timedelta(days=28))) or 0
        _, overdue = _due_counts(s, is_open, now)
        # The needs-attention list's own count (one definition, attention.py), reviewed entries left out.
        listed = sum(not r.reviewed for r in attention.entries(s, advocate_id=None, now=now, zone=zone))
    return TeamOverview(open_clients, advocates, week, month, overdue, listed)


def system_overview(db: Database, actor: Actor) -> SystemOverview:
    require(actor, Permission.MANAGE_ACCOUNTS)
    with db.reading() as s:
        rows = s.execute(select(User.role, func.count()).where(User.active.is_(True)).group_by(User.role)).all()
    return SystemOverview(db.backend, current_revision(db.engine), head_revision(), {r: n for r, n in rows})
