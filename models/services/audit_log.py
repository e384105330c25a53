"""The audit log as admins read it: who did what and when, filtered, and exported as CSV.

Reading is for admins only. Exporting is itself written to the log, so a copy of the log leaving the
system is on the record too. Rows hold codes and counts only, never note text.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from sqlalchemy import false, func, select

from models.base.errors import ValidationFailed
from models.base.inputs import spreadsheet_safe, storable
from models.base.timeutil import local_midnight
from models.rules.permissions import Actor, Permission, PermissionDenied, can
from models.services import audit
from models.services.clients import normalize_code
from models.store.database import Database
from models.store.entities import AuditEvent, User

DEFAULT_LIMIT = 500
MAX_LIMIT = 5000
CSV_COLUMNS = ("when_utc", "person", "action", "target_type", "target", "outcome", "detail")
ADMINS_ONLY = "The audit log is for administrators."

# Every action written to the log, in words, for the pages that show it (Audit log, Sign-ins). A test
# (tests/unit/test_time_display.py) finds every action name in models/ and checks it has words here.
ACTION_WORDS = {
    "sign_in": "Signed in",
    "sign_in_failed": "Sign-in failed",
    "lockout": "Locked out",
    "sign_in_throttled": "Tries slowed down",
    "sign_out": "Signed out",
    "session_ended": "Session ended",
    "sessions_ended": "Ended someone's sessions",
    "password_reset": "Reset someone's password",
    "password_changed": "Changed own password",
    "password_change_failed": "Wrong current password",
    "account_set_up": "First sign-in with a setup code",
    "setup_failed": "Wrong or expired setup code",
    "account_confirmed": "Confirmed an account",
    "account_declined": "Declined an account",
    "user_created": "Added an account",
    "user_deactivated": "Deactivated an account",
    "user_activated": "Reactivated an account",
    "role_changed": "Changed an account's role",
    "display_name_changed": "Changed a display name",
    "user_unlocked": "Unlocked an account",
    "second_factor_asked": "First step right, code asked",
    "second_factor_failed": "Wrong two-step code",
    "second_factor_enrolled": "Set up two-step sign-in",
    "second_factor_reset": "Reset someone's two-step sign-in",
    "recovery_code_used": "Signed in with a recovery code",
    "recovery_codes_renewed": "Made new recovery codes",
    "identity_sign_in_failed": "Organisation sign-in refused",
    "identity_linked": "Linked to organisation sign-in",
    "identity_unlinked": "Removed an organisation sign-in link",
    "identity_link_confirmed": "Confirmed an organisation sign-in link",
    "identity_link_declined": "Declined an organisation sign-in link",
    "client_opened": "Opened a client",
    "client_viewed": "Viewed a client",
    "client_looked_up": "Looked up a client code",
    "client_search": "Searched for a client",
    "client_closed": "Closed a client's file",
    "client_reopened": "Reopened a client's file",
    "client_language_set": "Changed a client's preferred language",
    "attention_reviewed": "Marked a needs-attention entry reviewed",
    "client_reassigned": "Gave a client to another advocate",
    "clients_handed_over": "Handed over an advocate's clients",
    "client_erased": "Erased a client",
    "check_in_recorded": "Recorded a check-in",
    "check_in_corrected": "Corrected a check-in",
    "note_name_dismissed": "Kept a note flagged as naming someone",
    "safety_plan_changed": "Changed a safety plan",
    "handout_created": "Made a handout or card",
    "caseload_viewed": "Viewed a caseload",
    "attention_list_viewed": "Viewed who needs attention",
    "aggregates_exported": "Prepared a report file",
    "figures_released": "Fixed a report's figures",
    "audit_viewed": "Viewed the audit log",
    "audit_exported": "Exported the audit log",
    "retention_planned": "Listed files past retention",
    "retention_applied": "Removed files past retention",
    "note_key_rotated": "Changed the note key",
    "demo_loaded": "Loaded demo data",
}
OUTCOME_WORDS = {"ok": "done", "failed": "failed", "denied": "refused"}
ABOUT_WORDS = {"session": "their session", "export": "an export", "system": "Waypoint"}
_USER_NUMBER = re.compile(r"\buser (\d+)\b")


def action_words(action: str) -> str:
    """An action as people read it; an unknown name (from a newer version) is made readable rather than hidden."""
    return ACTION_WORDS.get(action) or action.replace("_", " ").capitalize()


def outcome_words(outcome: str) -> str:
    return OUTCOME_WORDS.get(outcome, outcome)


# What a check-in correction changed, as the correction history on the timeline names it.
FIELD_WORDS = {"occurred_at": "date and time", "contact_mode": "contact mode", "items": "observed items",
               "harm_contact": "contact with the person causing harm", "concern": "level of concern",
               "safety_planning": "safety planning", "referrals_offered": "referrals offered",
               "referrals_accepted": "referrals taken up", "note": "note", "next_due_at": "next check-in due",
               "conversation_language": "language of the conversation", "interpreter": "interpreter"}
_CORRECTION = re.compile(r"\bcheck-in \d+ to version \d+: ([a-z_, ]+)")
_CHECK_IN_NUMBER = re.compile(r"\bcheck-in \d+\b")


def _corrected_words(match: re.Match[str]) -> str:
    fields = [f.strip() for f in match.group(1).split(",") if f.strip()]
    return "corrected: " + ", ".join(FIELD_WORDS.get(f, f.replace("_", " ")) for f in fields)


def named_details(detail: str | None, names: Mapping[int, str]) -> str:
    """A detail in words, at display time: each "user 7" becomes that account's name (an account no longer listed
    reads as "an account"), "check-in 1214" becomes "a check-in" and "... to version 2: concern" becomes
    "corrected: level of concern". The log itself keeps the numbers, which stay right when a name changes and let
    an investigator find the record; the screen shows no database ids or version numbers."""
    if not detail:
        return ""
    text = _USER_NUMBER.sub(lambda m: names.get(int(m.group(1)), "an account"), detail)
    text = _CORRECTION.sub(_corrected_words, text)
    return _CHECK_IN_NUMBER.sub("a check-in", text)


def about(target_type: str | None, target: str | None, names: Mapping[int, str]) -> str:
    """What an event was about, in words: a client's code, an account's name; never a database number."""
    if target_type == "user":
        if target and target.isdigit():
            return names.get(int(target), "an account")
        return "an account"
    if target_type == "client":
        return target or "a client (code removed)"
    return ABOUT_WORDS.get(target_type or "", target_type or "")


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
    zone: tzinfo = UTC,
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
        stmt = stmt.where(AuditEvent.at >= _day_start(start, zone))
    if end is not None and end < date.max:
        stmt = stmt.where(AuditEvent.at < _day_start(end + timedelta(days=1), zone))
    return stmt


def _day_start(day: date, zone: tzinfo) -> datetime:
    """Midnight of `day` in `zone`, as the naive UTC the log holds (the first day of all stays as it is)."""
    try:
        return local_midnight(day, zone)
    except OverflowError:
        return datetime.combine(day, time.min)


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
    zone: tzinfo = UTC,
) -> list[AuditRow]:
    """The newest events matching every filter given (dates are days in `zone`, the agency's on the page; both ends
    included). Times in the rows are UTC."""
    _require(db, actor, "audit_viewed")
    _check_filters(person, action, client_code, start, end, limit)
    limit = max(1, min(limit, MAX_LIMIT))
    if not isinstance(zone, tzinfo):
        zone = UTC
    stmt = _query(person=person, action=action, client_code=client_code, start=start, end=end, zone=zone)
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


def account_names(db: Database, actor: Actor) -> dict[int, str]:
    """Each account's display name by its number, to show names where the log keeps numbers (named_details)."""
    _require(db, actor, "audit_viewed")
    with db.reading() as s:
        return {user_id: name for user_id, name in s.execute(select(User.id, User.display_name))}


_safe_cell = spreadsheet_safe


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
    zone: tzinfo = UTC,
) -> str:
    """The matching events as CSV. The export is audited: the log records that a copy of it left."""
    rows = search_audit(db, actor, person=person, action=action, client_code=client_code, start=start, end=end,
                        limit=limit, zone=zone)
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
