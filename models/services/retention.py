"""Retention and erasure: removing a client and everything recorded about them, in one transaction.

Two paths share one deletion:
- the retention policy removes clients whose file was closed more than `retention_years` ago
  (`plan_retention` shows what would go and changes nothing; `apply_retention` does it);
- erasure on request removes one client now, after the admin types the code a second time.

Each run leaves one audit row with counts only. Earlier audit rows that named a removed client keep their
who, when and what, but their client code is blanked: this is the single change to written audit rows the
append-only guard in models/store/entities.py lets through, so that nothing of the client remains anywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from models.base import i18n
from models.base.errors import ValidationFailed
from models.base.i18n import N_, _
from models.base.inputs import storable
from models.base.settings import Settings
from models.base.timeutil import utcnow
from models.rules.permissions import Actor, Permission, can
from models.services import audit, trend_summary
from models.services.clients import AccessRefused, normalize_code, refusals_audited
from models.store.database import Database
from models.store.entities import (
    AUDIT_SCRUB_FLAG,
    AttentionReview,
    AuditEvent,
    CheckIn,
    CheckInItem,
    CheckInReferral,
    CheckInRevision,
    Client,
    ClientClosure,
    ClientFactor,
    SafetyPlanStep,
    TrendClientSpan,
    User,
)

# Admins keep the tool running and carry out the retention policy; no other role may remove records.
RETENTION_PERMISSION = Permission.REMOVE_RECORDS
ADMINS_ONLY = N_("Only an administrator can remove client records.")  # PermissionDenied translates it
ERASED_TARGET = "(erased)"
_CHUNK = 500  # ids per IN (...) list, well under every backend's parameter limit


@dataclass(frozen=True)
class RetentionCandidate:
    """A client the policy would remove: the code, when the file closed, and how much goes with it."""

    code: str
    closed_on: date
    check_ins: int


@dataclass(frozen=True)
class RetentionPlan:
    years: int
    cutoff: date  # files closed before this day are removed
    clients: tuple[RetentionCandidate, ...]

    @property
    def check_ins(self) -> int:
        return sum(c.check_ins for c in self.clients)


@dataclass(frozen=True)
class RemovalCounts:
    clients: int
    check_ins: int


def counted(n: int, word: str) -> str:
    """'1 client', '3 clients': English words for the audit row and the server's command line (both English)."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _require_admin(actor: Actor | None) -> None:
    if not can(actor, RETENTION_PERMISSION):
        role = actor.role if actor else "nobody"
        raise AccessRefused(f"role {role} may not remove client records", message=ADMINS_ONLY)


def cutoff_date(today: date, years: int) -> date:
    """The same calendar day `years` ago (28 February for 29 February in a year that has none)."""
    if today.year - years < 1:
        return date.min  # nothing was closed before the calendar began
    try:
        return today.replace(year=today.year - years)
    except ValueError:
        return today.replace(year=today.year - years, day=28)


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), _CHUNK):
        yield list(ids[i:i + _CHUNK])


def _plan(s: Session, cutoff: date) -> list[RetentionCandidate]:
    counts = (select(CheckIn.client_id, func.count().label("n")).group_by(CheckIn.client_id).subquery())
    rows = s.execute(
        select(Client.code, Client.closed_on, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.client_id == Client.id)
        .where(Client.status == "closed", Client.closed_on.is_not(None), Client.closed_on < cutoff)
        .order_by(Client.closed_on, Client.code)
    ).all()
    return [RetentionCandidate(code, closed_on, int(n)) for code, closed_on, n in rows]


def _remove(s: Session, client_ids: Sequence[int], codes: Sequence[str]) -> RemovalCounts:
    """Delete the clients and every row about them, children first (no reliance on ON DELETE CASCADE), and
    blank their codes in earlier audit rows. Runs inside the caller's single transaction."""
    check_in_total = 0
    for ids in _chunks(client_ids):
        # The trend summaries lose these clients' part in the same transaction (their days and their spans).
        with trend_summary.track(s, ids):
            check_in_ids = list(s.scalars(select(CheckIn.id).where(CheckIn.client_id.in_(ids))))
            check_in_total += len(check_in_ids)
            for cids in _chunks(check_in_ids):
                s.execute(delete(CheckInItem).where(CheckInItem.check_in_id.in_(cids)))
                s.execute(delete(CheckInReferral).where(CheckInReferral.check_in_id.in_(cids)))
                s.execute(delete(CheckInRevision).where(CheckInRevision.check_in_id.in_(cids)))
            s.execute(delete(CheckIn).where(CheckIn.client_id.in_(ids)))
        s.execute(delete(TrendClientSpan).where(TrendClientSpan.client_id.in_(ids)))
        s.execute(delete(ClientFactor).where(ClientFactor.client_id.in_(ids)))
        s.execute(delete(SafetyPlanStep).where(SafetyPlanStep.client_id.in_(ids)))
        s.execute(delete(ClientClosure).where(ClientClosure.client_id.in_(ids)))
        s.execute(delete(AttentionReview).where(AttentionReview.client_id.in_(ids)))
        s.execute(delete(Client).where(Client.id.in_(ids)))
    _blank_codes_in_audit(s, codes)
    return RemovalCounts(len(client_ids), check_in_total)


def _blank_codes_in_audit(s: Session, codes: Sequence[str]) -> None:
    """The one permitted change to written audit rows: a removed client's code becomes '(erased)'.
    The flag is set for these statements only and cleared again, whatever happens."""
    s.info[AUDIT_SCRUB_FLAG] = True
    try:
        for batch in _chunks(list(codes)):  # type: ignore[arg-type]
            if not batch:
                continue
            s.execute(update(AuditEvent).where(AuditEvent.target.in_(batch)).values(target=ERASED_TARGET)
                      .execution_options(synchronize_session=False))
            # No service writes a code into `detail` today; this makes sure a future one cannot keep it.
            s.execute(update(AuditEvent).where(or_(*(AuditEvent.detail.contains(c, autoescape=True) for c in batch)))
                      .values(detail=None).execution_options(synchronize_session=False))
    finally:
        s.info.pop(AUDIT_SCRUB_FLAG, None)


MAX_YEARS = 150


def _years(years: int | None) -> int:
    """The policy's years: a whole number from 1 up. Zero or fewer would put the cutoff at today or later and
    remove files closed this very day, so it is refused, never applied."""
    kept = Settings.from_env().retention_years if years is None else years
    if isinstance(kept, bool) or not isinstance(kept, int) or not 1 <= kept <= MAX_YEARS:
        raise ValidationFailed({"years": _("Give the retention period as a whole number of years from 1 to "
                                           "{n}.").format(n=i18n.number(MAX_YEARS))})
    return kept


def plan_retention(db: Database, actor: Actor, now: datetime | None = None, *,
                   years: int | None = None) -> RetentionPlan:
    """A dry run: which clients the policy would remove today, closed when, with how many check-ins.
    Changes nothing and is not audited beyond refusals (it shows codes, so admins only)."""
    with refusals_audited(db, actor, "retention_planned"):
        _require_admin(actor)
    kept = _years(years)
    cutoff = cutoff_date((now or utcnow()).date(), kept)
    with db.reading() as s:
        return RetentionPlan(kept, cutoff, tuple(_plan(s, cutoff)))


def apply_retention(db: Database, actor: Actor, now: datetime | None = None, *,
                    years: int | None = None) -> RemovalCounts:
    """Remove every client the policy covers, with all their records, in one transaction, and leave one
    audit row with counts only (no codes), so the log shows the policy ran without naming anyone."""
    with refusals_audited(db, actor, "retention_applied"):
        _require_admin(actor)
    kept = _years(years)
    cutoff = cutoff_date((now or utcnow()).date(), kept)
    with db.writing() as s:
        rows = s.execute(
            select(Client.id, Client.code)
            .where(Client.status == "closed", Client.closed_on.is_not(None), Client.closed_on < cutoff)
            .with_for_update()
        ).all()
        counts = _remove(s, [r[0] for r in rows], [r[1] for r in rows])
        audit.record(s, actor, "retention_applied",
                     detail=(f"{counted(counts.clients, 'client')} and {counted(counts.check_ins, 'check-in')} removed "
                             f"(files closed more than {kept} years ago)"))
    return counts


def erase_client(db: Database, actor: Actor, code: str, confirm_code: str) -> RemovalCounts:
    """Erase one client on request, now, with all their records. The admin types the code twice so a slip of
    the keyboard cannot erase the wrong person. The audit row says only that one client was erased."""
    with refusals_audited(db, actor, "client_erased"):
        _require_admin(actor)
    wanted = normalize_code(code) if isinstance(code, str) else None
    if wanted is None:
        raise ValidationFailed({"code": _("That is not a client code. Codes look like K7F-3QX.")})
    if not isinstance(confirm_code, str) or normalize_code(confirm_code) != wanted:
        raise ValidationFailed({"confirm_code": _("The two codes differ. Type the same code in both boxes.")})
    with db.writing() as s:
        client_id = s.scalar(select(Client.id).where(Client.code == wanted).with_for_update())
        if client_id is None:
            raise ValidationFailed({"code": _("No client has that code. It may have been erased already.")})
        counts = _remove(s, [client_id], [wanted])
        audit.record(s, actor, "client_erased",
                     detail=f"1 client erased on request ({counted(counts.check_ins, 'check-in')})")
    return counts


def admin_actor(db: Database, username: str) -> Actor:
    """The active admin account a server command acts as, so its audit row names a person."""
    name = username.strip().lower() if isinstance(username, str) else ""
    with db.reading() as s:
        user = (s.scalars(select(User).where(User.username == name)).one_or_none()
                if name and storable(name) else None)
    if user is None or user.role != "admin" or not user.active:
        raise ValidationFailed({"admin": _("Give the username of an active admin account (--admin USERNAME).")})
    return Actor(user.id, user.username, user.display_name, user.role)
