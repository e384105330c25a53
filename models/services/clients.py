"""Clients: a random code, an assigned advocate, and who may see or change them.

A client is never named. The code comes from `secrets`, not from anything about the person, so it
cannot be worked back to anyone. Access is decided here, per client, so a page that forgets a check
still cannot show or change another advocate's clients; every refusal is written to the audit log.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import Enum
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.base import i18n
from models.base.errors import ValidationFailed
from models.base.i18n import N_, _
from models.base.inputs import EARLIEST_DATE, row_id, shown_code
from models.base.timeutil import utcnow
from models.rules.permissions import Actor, Permission, PermissionDenied, can
from models.services import audit
from models.store.database import Database
from models.store.entities import Client, ClientClosure, ClientFactor, User

if TYPE_CHECKING:
    from models.content.loader import Content

# No 0/O, 1/I/L: a code read aloud over the phone or copied from paper cannot be mistaken.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_RE = re.compile(rf"^[{CODE_ALPHABET}]{{3}}-[{CODE_ALPHABET}]{{3}}$")
_CODE_ATTEMPTS = 20
# Dates typed by a person are local calendar dates; UTC can be up to 14 hours behind one.
TZ_SLACK = timedelta(hours=14)
FIND_LIMIT = 20

# Refusals a page shows (PermissionDenied translates them when raised).
NOT_AVAILABLE = N_(
    "That client record is not available to you. Check the code, or ask your supervisor "
    "if it should be on your caseload."
)
NO_CLIENT_RECORDS = N_("Your role does not include client records.")
ADVOCATE_ONLY = N_("Check-ins are recorded by the client's advocate. Supervisors can read the record.")
SUPERVISOR_ONLY = N_("Only a supervisor can assign clients to another advocate.")

# Why a file was closed: a short fixed list, so the trends can count closings by reason without free text (which
# could say something about the person). The codes are stored; the labels are what people read (with _(), or
# reason_label: the values are catalog texts in English, as reports to funders keep them).
CLOSING_REASONS: dict[str, str] = {
    # TRANSLATORS: why a client's file was closed: the client's goals were met.
    "goals_met": N_("Goals met"),
    # TRANSLATORS: why a client's file was closed.
    "client_ended": N_("Client chose to end"),
    # TRANSLATORS: why a client's file was closed.
    "lost_contact": N_("Lost contact"),
    # TRANSLATORS: why a client's file was closed.
    "moved_away": N_("Moved away"),
    # TRANSLATORS: why a client's file was closed: referred to another service.
    "referred": N_("Referred elsewhere"),
    # TRANSLATORS: why a client's file was closed: another reason.
    "other": N_("Other"),
}
NO_REASON = N_("Choose why the file is being closed from the list.")

# A new or reopened file's first check-in falls due this many days after it starts: the same as the follow-up after
# a check-in of moderate concern (NEXT_DUE_DAYS["moderate"] in checkins.py, which imports this module). Due on the
# day itself made every new client overdue the moment it was opened, above the clients who really were; an
# advocate who sees the client sooner records that check-in and its own next due date replaces this one.
FIRST_DUE_DAYS = 7


def reason_label(code: str | None) -> str:
    """The words for a stored closing reason in the reader's language ('' when none was recorded, as for files
    closed before reasons); a code no longer on the list reads as "Other"."""
    if not code:
        return ""
    label = CLOSING_REASONS.get(code) or CLOSING_REASONS["other"]
    return _(label)


# --------------------------------------------------------------------------- codes


def generate_code() -> str:
    """A fresh random code such as `K7F-3QX`: 31^6 (about 887 million) possibilities, from `secrets`."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _unused in range(6))
    return f"{raw[:3]}-{raw[3:]}"


def normalize_code(raw: str | None) -> str | None:
    """The canonical form of a typed code (case and a missing dash forgiven), or None if it cannot be one."""
    if not raw:
        return None
    compact = re.sub(r"[\s\-_]", "", str(raw)).upper()
    if len(compact) != 6:
        return None
    code = f"{compact[:3]}-{compact[3:]}"
    return code if CODE_RE.match(code) else None


# --------------------------------------------------------------------------- views


@dataclass(frozen=True)
class ClientView:
    """What a page may show about a client: the code and case facts, nothing about the person."""

    code: str
    status: str
    relationship_context: str
    factors: tuple[str, ...]
    advocate_id: int
    advocate_name: str
    opened_on: date
    closed_on: date | None
    next_due_at: datetime | None
    closed_reason: str | None = None  # a CLOSING_REASONS code while the file is closed


def client_view(s: Session, client: Client) -> ClientView:
    advocate = s.get(User, client.advocate_id)
    factors = s.scalars(
        select(ClientFactor.code).where(ClientFactor.client_id == client.id).order_by(ClientFactor.code)
    ).all()
    return ClientView(
        code=client.code,
        status=client.status,
        relationship_context=client.relationship_context,
        factors=tuple(factors),
        advocate_id=client.advocate_id,
        advocate_name=advocate.display_name if advocate else "",
        opened_on=client.opened_on,
        closed_on=client.closed_on,
        next_due_at=client.next_due_at,
        closed_reason=client.closed_reason,
    )


# --------------------------------------------------------------------------- access


class Access(Enum):
    """What the caller wants to do with one client."""

    READ = "read"  # the timeline and check-ins: own advocate, any supervisor
    WRITE = "write"  # check-ins and corrections: own advocate only
    MANAGE = "manage"  # close and reopen: own advocate, any supervisor
    REASSIGN = "reassign"  # another advocate: supervisors only


class AccessRefused(Exception):
    """Raised inside a transaction; `refusals_audited` turns it into an audited PermissionDenied outside it.

    The refusal is recorded in a transaction of its own after the work has rolled back, so it persists
    (and on SQLite it cannot wait on the write lock its own transaction holds).
    """

    def __init__(self, detail: str, *, target: str | None = None, message: str = NOT_AVAILABLE) -> None:
        super().__init__(detail)
        self.detail = detail
        self.target = target
        self.message = message


@contextmanager
def refusals_audited(db: Database, actor: Actor | None, action: str) -> Iterator[None]:
    """Wrap a service body: a refusal is recorded with outcome 'denied' and raised as PermissionDenied."""
    try:
        yield
    except AccessRefused as refused:
        audit.record_now(db, actor, action, target_type="client", target=refused.target, outcome="denied",
                         detail=refused.detail)
        raise PermissionDenied(refused.message) from None


def require_any(actor: Actor | None, *permissions: Permission) -> None:
    """Raise AccessRefused unless the actor's role has one of the permissions."""
    if actor is None or not any(can(actor, p) for p in permissions):
        role = actor.role if actor else "nobody"
        raise AccessRefused(f"role {role} may not", message=NO_CLIENT_RECORDS)


def sees_all_clients(actor: Actor) -> bool:
    return can(actor, Permission.VIEW_ALL_CLIENTS)


def load_client(s: Session, actor: Actor, raw_code: str | None, access: Access, *, lock: bool = False) -> Client:
    """The client behind a code if this actor may do `access` to it; otherwise AccessRefused.

    An unknown code and someone else's client get the same message, so codes cannot be probed.
    """
    if access is Access.READ:
        require_any(actor, Permission.VIEW_OWN_CASELOAD, Permission.VIEW_ALL_CLIENTS)
    elif access is Access.WRITE:
        if can(actor, Permission.VIEW_ALL_CLIENTS) and not can(actor, Permission.WRITE_OWN_CLIENTS):
            raise AccessRefused("supervisor may not write check-ins", target=normalize_code(raw_code),
                                message=ADVOCATE_ONLY)
        require_any(actor, Permission.WRITE_OWN_CLIENTS)
    elif access is Access.MANAGE:
        require_any(actor, Permission.WRITE_OWN_CLIENTS, Permission.REASSIGN_CLIENTS)
    else:
        if not can(actor, Permission.REASSIGN_CLIENTS):
            raise AccessRefused(f"role {actor.role} may not reassign", target=normalize_code(raw_code),
                                message=SUPERVISOR_ONLY)
    code = normalize_code(raw_code)
    if code is None:
        raise AccessRefused("not a client code")
    query = select(Client).where(Client.code == code)
    if lock:
        query = query.with_for_update()
    client = s.scalars(query).one_or_none()
    if client is None:
        raise AccessRefused("no such client", target=code)
    everyone = {
        Access.READ: can(actor, Permission.VIEW_ALL_CLIENTS),
        Access.WRITE: False,
        Access.MANAGE: can(actor, Permission.REASSIGN_CLIENTS),
        Access.REASSIGN: True,
    }[access]
    if not everyone and client.advocate_id != actor.user_id:
        raise AccessRefused("not assigned to this advocate", target=code)
    return client


def _active_advocate(s: Session, user_id: int | None) -> User | None:
    if not row_id(user_id):
        return None
    user = s.get(User, user_id)
    return user if user is not None and user.role == "advocate" and user.active else None


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min)


def _opening_time(opened: date) -> datetime:
    """When a file opened on `opened` started: now, for a file opened today (or yesterday, by a time zone's
    reckoning), so the first check-in falls due a week later at this time of day (midnight UTC was 18:00 the day
    before in Chicago: six days, at an odd hour); midnight of that day for a backdated file."""
    now = utcnow().replace(microsecond=0)
    start = _midnight(opened)
    return now if start <= now < start + timedelta(days=2) or start > now else start


def first_due(start: datetime) -> datetime:
    """When the first check-in of a file that starts at `start` falls due (see FIRST_DUE_DAYS for why)."""
    return start.replace(microsecond=0) + timedelta(days=FIRST_DUE_DAYS)


# --------------------------------------------------------------------------- services


def open_client(
    db: Database,
    actor: Actor,
    content: Content,
    *,
    relationship_context: str,
    factors: Sequence[str],
    opened_on: date | None = None,
    advocate_id: int | None = None,
) -> ClientView:
    """Open a client under a new random code. Advocates open for themselves; supervisors assign anyone.

    The first check-in falls due FIRST_DUE_DAYS after the opening day (a week, like a moderate-concern
    follow-up), not on it: a file opened today is not overdue today. A file backdated further than that is due at
    once, since nobody has checked in for that long.
    """
    with refusals_audited(db, actor, "client_opened"):
        require_any(actor, Permission.WRITE_OWN_CLIENTS, Permission.REASSIGN_CLIENTS)
        if not can(actor, Permission.REASSIGN_CLIENTS) and advocate_id not in (None, actor.user_id):
            raise AccessRefused("advocate may only open clients for themselves", message=SUPERVISOR_ONLY)
    checklist = content.checklist
    contexts = {item.code for item in checklist.section("contexts").items}
    vulnerability = {item.code for item in checklist.section("vulnerability").items}
    errors: dict[str, str] = {}
    if not isinstance(relationship_context, str) or relationship_context not in contexts:
        errors["relationship_context"] = _("Choose the relationship this client is in from the list.")
    if isinstance(factors, (list, tuple, set, frozenset)) or factors is None:
        chosen = list(dict.fromkeys(f for f in (factors or ()) if isinstance(f, str)))
        unknown = [f for f in (factors or ()) if not isinstance(f, str) or f not in vulnerability]
    else:  # a single string or anything else is not a list of factors
        chosen, unknown = [], [factors]
    unknown = list(dict.fromkeys(shown_code(u) for u in unknown))
    if unknown:
        errors["factors"] = _("Choose factors from the list only; these are not on it: {codes}.").format(
            codes=", ".join(unknown[:5]))
    today = utcnow().date()
    opened = today if opened_on is None else opened_on
    if not isinstance(opened, date) or isinstance(opened, datetime):
        errors["opened_on"] = _("Give the date the client was opened.")
    elif _midnight(opened) > utcnow() + TZ_SLACK:
        errors["opened_on"] = _("The opening date is in the future. Give today's date or an earlier one.")
    elif opened < EARLIEST_DATE:
        errors["opened_on"] = _("The opening date is before {year}. Check the year.").format(
            year=EARLIEST_DATE.year)
    if advocate_id is not None and not row_id(advocate_id):
        errors["advocate"] = _("Choose an active advocate for this client.")
        advocate_id = None

    for _attempt in range(_CODE_ATTEMPTS):
        try:
            with db.writing() as s:
                if can(actor, Permission.REASSIGN_CLIENTS) and not can(actor, Permission.WRITE_OWN_CLIENTS):
                    owner = _active_advocate(s, advocate_id)
                    if owner is None:
                        errors["advocate"] = _("Choose an active advocate for this client.")
                else:
                    owner = s.get(User, actor.user_id)
                if errors:
                    raise ValidationFailed(errors)
                assert owner is not None
                code = _unused_code(s)
                client = Client(code=code, advocate_id=owner.id, status="open", opened_on=opened,
                                relationship_context=relationship_context, next_due_at=first_due(_opening_time(opened)),
                                created_at=utcnow(), created_by=actor.user_id)
                client.factors = [ClientFactor(code=f) for f in chosen]
                s.add(client)
                s.flush()
                detail = None if owner.id == actor.user_id else f"assigned to user {owner.id}"
                audit.record(s, actor, "client_opened", target_type="client", target=code, detail=detail)
                return client_view(s, client)
        except IntegrityError:
            # Another client took the same code between our check and our insert: draw again.
            continue
    raise RuntimeError("could not draw an unused client code")  # 887 million codes: practically unreachable


def _unused_code(s: Session) -> str:
    for _unused in range(_CODE_ATTEMPTS):
        code = generate_code()
        if not s.scalar(select(func.count()).select_from(Client).where(Client.code == code)):
            return code
    raise RuntimeError("could not draw an unused client code")


def get_client(db: Database, actor: Actor, code: str) -> ClientView:
    """The case facts of one client (no check-ins), for headers and forms; not audited as a record view."""
    with refusals_audited(db, actor, "client_looked_up"), db.reading() as s:
        return client_view(s, load_client(s, actor, code, Access.READ))


def close_client(db: Database, actor: Actor, code: str, *, reason: str | None,
                 closed_on: date | None = None) -> ClientView:
    """Close a client's file for one of CLOSING_REASONS: it leaves the caseload and takes no new check-ins until
    reopened. The closing is also kept as a ClientClosure row, which stays when the file is reopened, so the
    trends count every closing. The audit row names the code only, never the reason (which is about the client).
    """
    with refusals_audited(db, actor, "client_closed"), db.writing() as s:
        client = load_client(s, actor, code, Access.MANAGE, lock=True)
        closed = utcnow().date() if closed_on is None else closed_on
        errors: dict[str, str] = {}
        if client.status == "closed":
            errors["client"] = _("This client's file is already closed.")
        if not isinstance(reason, str) or reason not in CLOSING_REASONS:
            errors["reason"] = _(NO_REASON)
        if not isinstance(closed, date) or isinstance(closed, datetime):
            errors["closed_on"] = _("Give the date the file was closed.")
        elif _midnight(closed) > utcnow() + TZ_SLACK:
            errors["closed_on"] = _("The closing date is in the future. Give today's date or an earlier one.")
        elif closed < client.opened_on:
            errors["closed_on"] = _("The closing date is before the file was opened ({date}).").format(
                date=i18n.month_day_year(client.opened_on))
        if errors:
            raise ValidationFailed(errors)
        assert isinstance(reason, str)
        client.status = "closed"
        client.closed_on = closed
        client.closed_reason = reason
        client.next_due_at = None
        s.add(ClientClosure(client_id=client.id, advocate_id=client.advocate_id, closed_on=closed, reason=reason,
                            closed_by=actor.user_id, created_at=utcnow()))
        audit.record(s, actor, "client_closed", target_type="client", target=client.code)
        return client_view(s, client)


def reopen_client(db: Database, actor: Actor, code: str) -> ClientView:
    """Reopen a closed file. Its closing stays counted (the ClientClosure row gets the reopening date), and the
    next check-in falls due FIRST_DUE_DAYS from now, as for a new file, rather than at once."""
    with refusals_audited(db, actor, "client_reopened"), db.writing() as s:
        client = load_client(s, actor, code, Access.MANAGE, lock=True)
        if client.status == "open":
            raise ValidationFailed({"client": _("This client's file is already open.")})
        now = utcnow()
        latest = s.scalars(select(ClientClosure).where(ClientClosure.client_id == client.id,
                                                       ClientClosure.reopened_on.is_(None))
                           .order_by(ClientClosure.id.desc()).limit(1)).one_or_none()
        if latest is not None:
            latest.reopened_on = max(now.date(), latest.closed_on)
        client.status = "open"
        client.closed_on = None
        client.closed_reason = None
        client.next_due_at = first_due(now)
        audit.record(s, actor, "client_reopened", target_type="client", target=client.code)
        return client_view(s, client)


def reassign_client(db: Database, actor: Actor, code: str, advocate_id: int) -> ClientView:
    """Move a client to another active advocate (supervisors only). Check-ins keep who recorded them."""
    with refusals_audited(db, actor, "client_reassigned"), db.writing() as s:
        client = load_client(s, actor, code, Access.REASSIGN, lock=True)
        owner = _active_advocate(s, advocate_id)
        if owner is None:
            raise ValidationFailed({"advocate": _("Choose an active advocate for this client.")})
        if owner.id != client.advocate_id:
            previous = client.advocate_id
            client.advocate_id = owner.id
            # Account numbers, which stay right when a name changes: the Audit log shows each as the account's
            # name (models/services/audit_log.named_details). Nothing about the client beyond the code.
            audit.record(s, actor, "client_reassigned", target_type="client", target=client.code,
                         detail=f"from user {previous} to user {owner.id}")
        return client_view(s, client)


def find_clients(db: Database, actor: Actor, query: str) -> list[str]:
    """Codes among the actor's own clients (all clients for a supervisor) containing what was typed.

    Case and the dash are forgiven, so "k7f3" finds `K7F-3QX`. Open clients come first.
    """
    with refusals_audited(db, actor, "client_search"):
        require_any(actor, Permission.VIEW_OWN_CASELOAD, Permission.VIEW_ALL_CLIENTS)
    needle = re.sub(r"[^0-9A-Za-z]", "", query if isinstance(query, str) else "").upper()
    if not needle or len(needle) > 6:  # a code has six letters and digits: a longer search cannot match one
        return []
    compact = func.replace(Client.code, "-", "")
    stmt = select(Client.code).where(compact.like(f"%{needle}%"))
    if not sees_all_clients(actor):
        stmt = stmt.where(Client.advocate_id == actor.user_id)
    # Codes that start with what was typed before codes that merely contain it.
    starts = compact.like(f"{needle}%")
    stmt = stmt.order_by((Client.status == "open").desc(), starts.desc(), Client.code).limit(FIND_LIMIT)
    with db.reading() as s:
        return list(s.scalars(stmt).all())


def own_clients(db: Database, actor: Actor) -> list[tuple[str, str]]:
    """(code, status) of every client of an advocate, closed ones included, open first: so a closed client can
    still be found and reopened by the advocate who closed it."""
    with refusals_audited(db, actor, "client_search"):
        require_any(actor, Permission.VIEW_OWN_CASELOAD)
    stmt = (select(Client.code, Client.status).where(Client.advocate_id == actor.user_id)
            .order_by((Client.status == "open").desc(), Client.code))
    with db.reading() as s:
        return [(r[0], r[1]) for r in s.execute(stmt).all()]


def client_due_from(client: Client) -> datetime:
    """When a client is due: the stored next-due time, or the first due date counted from the opening day."""
    return client.next_due_at or first_due(_midnight(client.opened_on))
