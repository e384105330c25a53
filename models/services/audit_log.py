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
from models.base.i18n import N_, _, pgettext
from models.base.inputs import spreadsheet_safe, storable
from models.base.timeutil import local_midnight
from models.rules.permissions import Actor, Permission, PermissionDenied, can
from models.services import audit
from models.services.clients import normalize_code
from models.services.retention import ERASED_TARGET
from models.store.database import Database
from models.store.entities import AuditEvent, User

DEFAULT_LIMIT = 500
MAX_LIMIT = 5000
CSV_COLUMNS = ("when_utc", "person", "action", "target_type", "target", "outcome", "detail")
ADMINS_ONLY = N_("The audit log is for administrators.")

# Every action written to the log, in words, for the pages that show it (Audit log, Sign-ins). A test
# (tests/unit/test_time_display.py) finds every action name in models/ and checks it has words here. The words are
# catalog texts: action_words(), outcome_words(), about() and named_details() give them in the reader's language;
# the log itself keeps the action names and English details.
ACTION_WORDS = {
    "sign_in": N_("Signed in"),
    "sign_in_failed": N_("Sign-in failed"),
    "lockout": N_("Locked out"),
    "sign_in_throttled": N_("Tries slowed down"),
    "sign_out": N_("Signed out"),
    "session_ended": N_("Session ended"),
    "sessions_ended": N_("Ended someone's sessions"),
    "password_reset": N_("Reset someone's password"),
    "password_changed": N_("Changed own password"),
    "password_change_failed": N_("Wrong current password"),
    "account_set_up": N_("First sign-in with a setup code"),
    "setup_failed": N_("Wrong or expired setup code"),
    "account_confirmed": N_("Confirmed an account"),
    "account_declined": N_("Declined an account"),
    "user_created": N_("Added an account"),
    "user_deactivated": N_("Deactivated an account"),
    "user_activated": N_("Reactivated an account"),
    "role_changed": N_("Changed an account's role"),
    "display_name_changed": N_("Changed a display name"),
    "user_unlocked": N_("Unlocked an account"),
    "second_factor_asked": N_("First step right, code asked"),
    "second_factor_failed": N_("Wrong two-step code"),
    "second_factor_enrolled": N_("Set up two-step sign-in"),
    "second_factor_reset": N_("Reset someone's two-step sign-in"),
    "recovery_code_used": N_("Signed in with a recovery code"),
    "recovery_codes_renewed": N_("Made new recovery codes"),
    "identity_sign_in_failed": N_("Organisation sign-in refused"),
    "identity_linked": N_("Linked to organisation sign-in"),
    "identity_unlinked": N_("Removed an organisation sign-in link"),
    "identity_link_confirmed": N_("Confirmed an organisation sign-in link"),
    "identity_link_declined": N_("Declined an organisation sign-in link"),
    "client_opened": N_("Opened a client"),
    "client_viewed": N_("Viewed a client"),
    "client_looked_up": N_("Looked up a client code"),
    "client_search": N_("Searched for a client"),
    "client_closed": N_("Closed a client's file"),
    "client_reopened": N_("Reopened a client's file"),
    "client_language_set": N_("Changed a client's preferred language"),
    "attention_reviewed": N_("Marked a needs-attention entry reviewed"),
    "client_reassigned": N_("Gave a client to another advocate"),
    "clients_handed_over": N_("Handed over an advocate's clients"),
    "client_erased": N_("Erased a client"),
    "check_in_recorded": N_("Recorded a check-in"),
    "check_in_corrected": N_("Corrected a check-in"),
    "note_name_dismissed": N_("Kept a note flagged as naming someone"),
    "safety_plan_changed": N_("Changed a safety plan"),
    "handout_created": N_("Made a handout or card"),
    "caseload_viewed": N_("Viewed a caseload"),
    "attention_list_viewed": N_("Viewed who needs attention"),
    "aggregates_exported": N_("Prepared a report file"),
    "figures_released": N_("Fixed a report's figures"),
    "audit_viewed": N_("Viewed the audit log"),
    "audit_exported": N_("Exported the audit log"),
    "retention_planned": N_("Listed files past retention"),
    "retention_applied": N_("Removed files past retention"),
    "note_key_rotated": N_("Changed the note key"),
    "demo_loaded": N_("Loaded demo data"),
}
# TRANSLATORS: the outcome of an action in the audit log.
OUTCOME_WORDS = {"ok": N_("done"), "failed": N_("failed"), "denied": N_("refused")}
# TRANSLATORS: what an audited action was about.
ABOUT_WORDS = {"session": N_("their session"), "export": N_("an export"), "system": "Waypoint"}
_USER_NUMBER = re.compile(r"\buser (\d+)\b")


def _in_context(action: str) -> str | None:
    """The words of an action whose English is also a button or a heading elsewhere ("Set up two-step sign-in"),
    which a language may need to say differently as something done."""
    if action == "second_factor_enrolled":
        # TRANSLATORS: in the audit log, something a person did (past tense where the language needs it).
        return pgettext("audit action", "Set up two-step sign-in")
    return None


def action_words(action: str) -> str:
    """An action as people read it; an unknown name (from a newer version) is made readable rather than hidden."""
    words = ACTION_WORDS.get(action)
    if not words:
        return action.replace("_", " ").capitalize()
    return _in_context(action) or _(words)


def outcome_words(outcome: str) -> str:
    words = OUTCOME_WORDS.get(outcome)
    return _(words) if words else outcome


# What a check-in correction changed, as the correction history on the timeline names it.
FIELD_WORDS = {"occurred_at": N_("date and time"), "contact_mode": N_("contact mode"), "items": N_("observed items"),
               "harm_contact": N_("contact with the person causing harm"), "concern": N_("level of concern"),
               "safety_planning": N_("safety planning"), "referrals_offered": N_("referrals offered"),
               "referrals_accepted": N_("referrals taken up"), "note": N_("note"),
               "next_due_at": N_("next check-in due"), "conversation_language": N_("language of the conversation"),
               "interpreter": N_("interpreter")}
_CORRECTION = re.compile(r"\bcheck-in \d+ to version \d+: ([a-z_, ]+)")
_CHECK_IN_NUMBER = re.compile(r"\bcheck-in \d+\b")


def _corrected_words(match: re.Match[str]) -> str:
    fields = [f.strip() for f in match.group(1).split(",") if f.strip()]
    # TRANSLATORS: {fields} lists what a check-in correction changed ("level of concern, note").
    return _("corrected: {fields}").format(
        fields=", ".join(_(FIELD_WORDS[f]) if f in FIELD_WORDS else f.replace("_", " ") for f in fields))


def named_details(detail: str | None, names: Mapping[int, str]) -> str:
    """A detail in words, at display time: each "user 7" becomes that account's name (an account no longer listed
    reads as "an account"), "check-in 1214" becomes "a check-in" and "... to version 2: concern" becomes
    "corrected: level of concern". The log itself keeps the numbers, which stay right when a name changes and let
    an investigator find the record; the screen shows no database ids or version numbers."""
    if not detail:
        return ""
    an_account = _("an account")
    text = _USER_NUMBER.sub(lambda m: names.get(int(m.group(1)), an_account), detail)
    text = _CORRECTION.sub(_corrected_words, text)
    a_check_in = _("a check-in")
    return _CHECK_IN_NUMBER.sub(lambda _match: a_check_in, text)


def about(target_type: str | None, target: str | None, names: Mapping[int, str]) -> str:
    """What an event was about, in words: a client's code, an account's name; never a database number."""
    if target_type == "user":
        if target and target.isdigit():
            return names.get(int(target), _("an account"))
        return _("an account")
    if target_type == "client":
        if target == ERASED_TARGET:  # what erasure leaves in the log, in the reader's language
            # TRANSLATORS: stands in for the code of a client whose records were erased.
            return _("(erased)")
        return target or _("a client (code removed)")
    words = ABOUT_WORDS.get(target_type or "")
    return _(words) if words else target_type or ""


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
        raise PermissionDenied(ADMINS_ONLY)  # translated when raised


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
            errors[name] = _("Type the text to filter by.")
    for name, value in (("start", start), ("end", end)):
        if value is not None and (not isinstance(value, date) or isinstance(value, datetime)):
            errors[name] = _("Give a date (year, month and day).")
    if isinstance(start, date) and isinstance(end, date) and "start" not in errors and "end" not in errors \
            and end < start:
        errors["end"] = _("The last day is before the first day. Swap them round.")
    if isinstance(limit, bool) or not isinstance(limit, int):
        errors["limit"] = _("Give how many events to show as a whole number.")
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
