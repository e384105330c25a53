"""The counts each home page opens with, computed in SQL so they stay instant at a million check-ins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, func, select

from models.base.timeutil import utcnow
from models.rules.permissions import Actor, Permission, require
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


def _due_counts(s, where, now: datetime) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    end_of_day = now.replace(hour=23, minute=59, second=59, microsecond=0)
    overdue = s.scalar(select(func.count()).select_from(Client).where(*where, Client.next_due_at < now)) or 0
    due_today = s.scalar(select(func.count()).select_from(Client).where(
        *where, Client.next_due_at >= now, Client.next_due_at <= end_of_day)) or 0
    return due_today, overdue


def advocate_overview(db: Database, actor: Actor, now: datetime | None = None) -> AdvocateOverview:
    require(actor, Permission.VIEW_OWN_CASELOAD)
    now = now or utcnow()
    mine = (Client.advocate_id == actor.user_id, Client.status == "open")
    with db.reading() as s:
        open_clients = s.scalar(select(func.count()).select_from(Client).where(*mine)) or 0
        due_today, overdue = _due_counts(s, mine, now)
        recent = s.scalar(select(func.count()).select_from(CheckIn).where(
            CheckIn.advocate_id == actor.user_id, CheckIn.occurred_at >= now - timedelta(days=7))) or 0
    return AdvocateOverview(open_clients, due_today, overdue, recent)


def team_overview(db: Database, actor: Actor, now: datetime | None = None) -> TeamOverview:
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
        latest = (
            select(CheckIn.client_id, func.max(CheckIn.occurred_at).label("at"))
            .group_by(CheckIn.client_id)
            .subquery()
        )
        attention = s.scalar(
            select(func.count())
            .select_from(CheckIn)
            .join(latest, and_(latest.c.client_id == CheckIn.client_id, latest.c.at == CheckIn.occurred_at))
            .join(Client, Client.id == CheckIn.client_id)
            .where(Client.status == "open", CheckIn.needs_attention.is_(True))
        ) or 0
    return TeamOverview(open_clients, advocates, week, month, overdue, attention)


def system_overview(db: Database, actor: Actor) -> SystemOverview:
    require(actor, Permission.MANAGE_ACCOUNTS)
    with db.reading() as s:
        rows = s.execute(select(User.role, func.count()).where(User.active.is_(True)).group_by(User.role)).all()
    return SystemOverview(db.backend, current_revision(db.engine), head_revision(), {r: n for r, n in rows})
