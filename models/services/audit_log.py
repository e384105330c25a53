"""The audit log as admins read it: who did what and when, filtered, and exported as CSV.

Reading is for admins only. Exporting is itself written to the log, so a copy of the log leaving the
system is on the record too. Rows hold codes and counts only, never note text.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import false, func, select

from models.base.errors import ValidationFailed
from models.base.inputs import storable
from models.rules.permissions import Actor, Permission, PermissionDenied, can
from models.services import audit
from models.services.clients import normalize_code
from models.store.database import Database
from models.store.entities import AuditEvent

DEFAULT_LIMIT = 500
MAX_LIMIT = 5000
CSV_COLUMNS = ("when_utc", "person", "action", "target_type", "target", "outcome", "detail")
ADMINS_ONLY = "The audit log is for administrators."


@dataclass(frozen=True)
class AuditRow:
    """One audit event as the admin page shows it."""

    id: int
    at: datetime
    person: str
    action: str
    target_type: str | None
    target: str | None
    outcome: str
    detail: str | None


def _require(db: Database, actor: Actor | None, action: str) -> None:
    """Admins only; every refusal is itself recorded, in a transaction of its own."""
    if not can(actor, Permission.VIEW_AUDIT):
        role = actor.role if actor else "nobody"
        audit.record_now(db, actor, action, outcome="denied", detail=f"role {role} may not")
        raise PermissionDenied(ADMINS_ONLY)


def _query(
    *,
    person: str | None,
    action: str | None,
    client_code: str | None,
    start: date | None,
    end: date | None,
):  # type: ignore[no-untyped-def]
    stmt = select(AuditEvent)
    if person and person.strip():
        # A name no account could have (a NUL, which PostgreSQL refuses as a parameter) matches nothing.
        wanted = person.strip().lower()
        stmt = stmt.where(func.lower(AuditEvent.actor_username) == wanted if storable(wanted) else false())
    if action:
        stmt = stmt.where(AuditEvent.action == action if storable(action) else false())
    if client_code and client_code.strip():
        # An unparseable code matches nothing rather than everything.
        stmt = stmt.where(AuditEvent.target_type == "client",
                          AuditEvent.target == (normalize_code(client_code) or "(no such code)"))
    if start is not None:
        stmt = stmt.where(AuditEvent.at >= datetime.combine(start, time.min))
    if end is not None and end < date.max:
        stmt = stmt.where(AuditEvent.at < datetime.combine(end + timedelta(days=1), time.min))
    return stmt


def _check_filters(person: object, action: object, client_code: object, start: object, end: object,
                   limit: object) -> None:
    """Refuse filters of the wrong kind with a sentence per field, before any query is built."""
    errors: dict[str, str] = {}
    for name, value in (("person", person), ("action", action), ("client_code", client_code)):
        if value is not None and not isinstance(value, str):
            errors[name] = "Type the text to filter by."
    for name, value in (("start", start), ("end", end)):
        if value is not None and (not isinstance(value, date) or isinstance(value, datetime)):
            errors[name] = "Give a date (year, month and day)."
    if isinstance(start, date) and isinstance(end, date) and "start" not in errors and "end" not in errors \
            and end < start:
        errors["end"] = "The last day is before the first day. Swap them round."
    if isinstance(limit, bool) or not isinstance(limit, int):
        errors["limit"] = "Give how many events to show as a whole number."
    if errors:
        raise ValidationFailed(errors)


def search_audit(
    db: Database,
    actor: Actor,
    *,
    person: str | None = None,
    action: str | None = None,
    client_code: str | None = None,
    start: date | None = None,
    end: date | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[AuditRow]:
    """The newest events matching every filter given (dates are UTC days, both ends included)."""
    _require(db, actor, "audit_viewed")
    _check_filters(person, action, client_code, start, end, limit)
    limit = max(1, min(limit, MAX_LIMIT))
    stmt = _query(person=person, action=action, client_code=client_code, start=start, end=end)
    stmt = stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit)
    with db.reading() as s:
        return [
            AuditRow(e.id, e.at, e.actor_username or "", e.action, e.target_type, e.target, e.outcome, e.detail)
            for e in s.scalars(stmt)
        ]


def audit_actions(db: Database, actor: Actor) -> list[str]:
    """Every action name in the log, for the filter list."""
    _require(db, actor, "audit_viewed")
    with db.reading() as s:
        return list(s.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def _safe_cell(value: object) -> str:
    """A cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_audit_csv(
    db: Database,
    actor: Actor,
    *,
    person: str | None = None,
    action: str | None = None,
    client_code: str | None = None,
    start: date | None = None,
    end: date | None = None,
    limit: int = MAX_LIMIT,
) -> str:
    """The matching events as CSV. The export is audited: the log records that a copy of it left."""
    rows = search_audit(db, actor, person=person, action=action, client_code=client_code, start=start, end=end,
                        limit=limit)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for r in rows:
        writer.writerow([_safe_cell(v) for v in (r.at.strftime("%Y-%m-%d %H:%M:%S"), r.person, r.action,
                                                 r.target_type, r.target, r.outcome, r.detail)])
    code = normalize_code(client_code) if client_code else None
    with db.writing() as s:
        # The filtered code goes in `target`, where erasure of that client will blank it; detail is a count.
        audit.record(s, actor, "audit_exported", target_type="client" if code else None, target=code,
                     detail=f"{len(rows)} rows")
    return out.getvalue()
