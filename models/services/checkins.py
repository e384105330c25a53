"""Check-ins: what an advocate observed at one contact, saved once, corrected with history kept.

A save is one short transaction holding the check-in, its items, its referrals, the client's next due
time and the audit event, so either all of it is stored or none. A form submitted twice (a double click,
a reload) carries the same submission key and is stored once. A note is screened for anything that could
identify a person before anything is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from models.base import i18n
from models.base.errors import ValidationFailed
from models.base.i18n import N_, _, ngettext
from models.base.inputs import row_id, shown_code, storable
from models.base.timeutil import utcnow
from models.rules.permissions import Actor
from models.rules.screening import screen_note
from models.services import audit, trend_summary
from models.services.clients import (
    TZ_SLACK,
    Access,
    AccessRefused,
    ClientView,
    client_view,
    load_client,
    normalize_code,
    refusals_audited,
)
from models.store.database import Database
from models.store.entities import (
    CONCERN_LEVELS,
    CONCERN_RANK,
    CONTACT_MODES,
    HARM_CONTACT,
    CheckIn,
    CheckInItem,
    CheckInReferral,
    CheckInRevision,
    Client,
    User,
)
from models.store.note_cipher import NoteCipher

if TYPE_CHECKING:
    from models.content.loader import Content
    from models.rules.screening import Finding

NOTE_MAX = 4000
CLOCK_SLACK = timedelta(minutes=5)
NEXT_DUE_MAX = timedelta(days=366)
# How soon the next check-in falls due when the advocate leaves it to the app.
NEXT_DUE_DAYS = {"immediate": 1, "high": 3, "moderate": 7, "low": 14}
OTHER_SECTION = "other"

# What the note seems to include, as words inside "The note seems to include {what}." (shown with _()).
KIND_WORDS = {
    "phone": N_("a phone number"),
    "email": N_("an e-mail address"),
    "address": N_("a street address or postcode"),
    "date_of_birth": N_("a date of birth"),
    "id_number": N_("an ID, case or account number"),
    "card_number": N_("a payment card number"),
    "online_account": N_("a social media or payment app account"),
    "name": N_("a person's name"),
}
NOT_NAMES_MAX = 50  # words an advocate may confirm as "not a person's name" in one note


# --------------------------------------------------------------------------- input and output


@dataclass(frozen=True)
class CheckInForm:
    """What the check-in form submits. Codes only: items, referrals and choices are stable content codes."""

    client: str
    occurred_at: datetime | None
    contact_mode: str
    harm_contact: str
    concern: str
    items: Sequence[str] = ()
    safety_planning: bool = False
    referrals_offered: Sequence[str] = ()
    referrals_accepted: Sequence[str] = ()
    note: str = ""
    next_due_at: datetime | None = None
    # The language the conversation was held in (a code of i18n.conversation_languages()) and whether an
    # interpreter was used; None: not recorded (optional, so a quick check-in stays quick).
    conversation_language: str | None = None
    interpreter: bool | None = None
    # Words the advocate confirmed are no one's name in this note ("Hope", "Grace"): name findings for them are
    # dismissed for this save only; the save's audit row counts them, never names them.
    not_names: frozenset[str] = frozenset()

    @classmethod
    def from_view(cls, view: CheckInView) -> CheckInForm:
        """A form pre-filled from a stored check-in, for the correction page."""
        return cls(
            client=view.client_code, occurred_at=view.occurred_at, contact_mode=view.contact_mode,
            harm_contact=view.harm_contact, concern=view.concern, items=view.items,
            safety_planning=view.safety_planning, referrals_offered=view.referrals_offered,
            referrals_accepted=view.referrals_accepted, note=view.note, next_due_at=view.next_due_at,
            conversation_language=view.conversation_language, interpreter=view.interpreter,
        )


@dataclass(frozen=True)
class CheckInView:
    """One stored check-in as a page shows it."""

    id: int
    client_code: str
    occurred_at: datetime
    contact_mode: str
    items: tuple[str, ...]
    harm_contact: str
    concern: str
    concern_rank: int
    safety_planning: bool
    referrals_offered: tuple[str, ...]
    referrals_accepted: tuple[str, ...]
    note: str
    next_due_at: datetime | None
    sign_count: int
    needs_attention: bool
    checklist_version: int
    version: int
    corrected: bool
    recorded_by: str
    recorded_by_id: int
    created_at: datetime
    updated_at: datetime | None
    updated_by: str | None
    conversation_language: str | None = None
    interpreter: bool | None = None


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class RevisionView:
    """One correction: who made it, when, and what it changed. `previous` is the whole earlier version."""

    version: int  # the version this correction produced
    changed_at: datetime
    changed_by: str
    changed_by_id: int | None
    changes: tuple[FieldChange, ...]
    previous: dict[str, Any]


@dataclass(frozen=True)
class Timeline:
    """One client's record: facts, every check-in in order, and two chart-ready shapes.

    `chart` has one row per check-in and checklist section: {"check_in_id", "date", "occurred_at",
    "section", "count"} (zero counts included, so a line falls to zero when a section goes quiet).
    `grid` maps item code -> {check_in_id: present}, items in checklist order, check-ins in time order;
    `pandas.DataFrame(grid).T` shows which signs persist and which faded. Present is None when the item was not
    on the checklist version the check-in was recorded on (added later): not asked, which is not "not observed".
    """

    client: ClientView
    check_ins: list[CheckInView]
    chart: list[dict[str, Any]]
    grid: dict[str, dict[int, bool | None]] = field(default_factory=dict)


class NoteHasIdentifiers(ValidationFailed):
    """The note contains something that could identify a person. Nothing was saved; `findings` says where."""

    def __init__(self, findings: Sequence[Finding], errors: dict[str, str] | None = None) -> None:
        self.findings = list(findings)
        merged = dict(errors or {})
        merged["note"] = note_findings_message(self.findings)
        super().__init__(merged)


class EditConflict(ValidationFailed):
    """Someone corrected the check-in after this form was opened; saving would overwrite their change."""

    def __init__(self) -> None:
        super().__init__({
            "version": _("Someone else corrected this check-in after you opened it. Nothing was saved. "
                         "Reload it to see their changes, then make yours again.")
        })


def note_findings_message(findings: Sequence[Finding]) -> str:
    """One sentence for the note field naming what kinds of detail were found, in the reader's language."""
    kinds = list(dict.fromkeys(_(KIND_WORDS[f.kind]) if f.kind in KIND_WORDS else f.kind.replace("_", " ")
                               for f in findings))
    what = ", ".join(kinds) if kinds else _("details that could identify someone")
    # TRANSLATORS: {what} is one or more of "a phone number", "a person's name" ..., joined with commas.
    return _("The note seems to include {what}. Notes must not identify anyone, so please remove "
             "it and save again. Nothing has been saved yet.").format(what=what)


def default_next_due(occurred_at: datetime, concern: str) -> datetime:
    """When the next check-in falls due: sooner the higher the concern (1, 3, 7 or 14 days)."""
    return occurred_at + timedelta(days=NEXT_DUE_DAYS[concern])


# --------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class _Clean:
    occurred_at: datetime
    contact_mode: str
    harm_contact: str
    concern: str
    items: tuple[str, ...]
    safety_planning: bool
    offered: tuple[str, ...]
    accepted: frozenset[str]
    note: str
    next_due_at: datetime
    names_dismissed: int = 0
    conversation_language: str | None = None
    interpreter: bool | None = None


def _naive_utc(value: object) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    if value.tzinfo is not None:
        try:
            value = value.astimezone(UTC).replace(tzinfo=None)
        except OverflowError:  # within a day of year 1 or 9999: no contact happened then
            return None
    return value


def _codes(values: object) -> list[str] | None:
    if values is None:
        return []
    if isinstance(values, str) or not isinstance(values, (list, tuple, set, frozenset)):
        return None
    if not all(isinstance(v, str) for v in values):
        return None
    return list(dict.fromkeys(v.strip() for v in values if v.strip()))


def _listed(codes: Sequence[str]) -> str:
    """Unknown codes as a message may repeat them: only what looks like a code is echoed back."""
    shown = ", ".join(shown_code(c) for c in codes[:5])
    if len(codes) <= 5:
        return shown
    more = len(codes) - 5
    # TRANSLATORS: {codes} is a comma-separated list of five codes; {n} how many more were left out.
    return ngettext("{codes} and {n} more", "{codes} and {n} more", more).format(codes=shown, n=i18n.number(more))


def _resource_numbers(content: Content) -> tuple[str, ...]:
    """Hotline numbers an advocate may write in a note ("gave them 988"): they identify no one."""
    numbers: list[str] = []
    for r in content.resources:
        for channel in (getattr(r, "phone", None), getattr(r, "text", None)):
            number = getattr(channel, "number", None) if channel is not None else None
            if number:
                numbers.append(str(number))
        tty = getattr(r, "tty", None)
        if isinstance(tty, str) and tty:
            numbers.append(tty)
    return tuple(numbers)


def _resource_names(content: Content) -> tuple[str, ...]:
    """Names of the resources in the packs ("Pandora's Project"): a name-like word inside one is no one's name."""
    names: list[str] = []
    for r in content.resources:
        names += [str(v) for v in (getattr(r, "name", None), getattr(r, "plain_label", None)) if v]
    return tuple(names)


def screening_allowances(content: Content) -> dict[str, tuple[str, ...]]:
    """What the note screening leaves alone for this content: `screen_note(note, **screening_allowances(c))`."""
    return {"allowed_numbers": _resource_numbers(content), "allowed_phrases": _resource_names(content)}


def _validate(form: CheckInForm, content: Content, client: Client, *, new: bool,
              known_items: frozenset[str] = frozenset(),
              known_resources: frozenset[str] = frozenset(), stored_note: str | None = None,
              checklist_version: int | None = None) -> _Clean:
    """Check every field and report every problem at once; screen the note last. A correction passes the
    checklist version the check-in was recorded on (items added after it were never on that form) and the note
    as stored (left unchanged, it is not screened again)."""
    errors: dict[str, str] = {}
    now = utcnow()
    checklist = content.checklist

    if new and client.status != "open":
        errors["client"] = _("This client's file is closed, so a new check-in cannot be added. Reopen the file "
                             "first.")

    occurred = _naive_utc(form.occurred_at)
    if occurred is None:
        errors["occurred_at"] = _("Give the date and time of the contact.")
    elif occurred > now + CLOCK_SLACK:
        errors["occurred_at"] = _("That time is in the future. Give the time the contact happened.")
    elif occurred < datetime.combine(client.opened_on, datetime.min.time()) - TZ_SLACK:
        errors["occurred_at"] = _("That is before this client's file was opened ({date}). Check the date.").format(
            date=i18n.month_day_year(client.opened_on))

    if form.contact_mode not in CONTACT_MODES:
        errors["contact_mode"] = _("Choose how you were in touch: in person, phone, text, chat or video.")
    spoken = form.conversation_language
    if spoken is not None and (not isinstance(spoken, str) or spoken not in i18n.conversation_languages()):
        errors["conversation_language"] = _("Choose the language from the list, or leave it empty.")
    if form.interpreter is not None and not isinstance(form.interpreter, bool):
        errors["interpreter"] = _("Say whether an interpreter was used, or leave it empty.")

    version = checklist.version if checklist_version is None else checklist_version
    allowed_items = {item.code for section in checklist.checkin_sections() for item in section.items
                     if item.added_in <= version}
    allowed_items |= known_items
    items = _codes(form.items)
    if items is None:
        errors["items"] = _("Choose the items you observed from the checklist.")
        items = []
    else:
        unknown = [c for c in items if c not in allowed_items]
        if unknown and version < checklist.version and all(c in checklist.all_codes() for c in unknown):
            labels = [checklist.item(c).label for c in unknown]
            # TRANSLATORS: {items} is checklist item labels, separated by semicolons.
            errors["items"] = _("This check-in was recorded on an earlier checklist, before these were added: "
                                "{items}. Record them in a new check-in.").format(items="; ".join(labels))
        elif unknown:
            errors["items"] = _("These are not on the current checklist: {codes}. Reload the page and choose "
                                "again.").format(codes=_listed(unknown))

    if form.harm_contact not in HARM_CONTACT:
        # TRANSLATORS: “Not known” is the label of that choice on the check-in form; use the same words.
        errors["harm_contact"] = _("Choose the contact with the person causing harm, or “Not known” if you "
                                   "are not sure.")

    concern = form.concern if form.concern in CONCERN_LEVELS else None
    if concern is None:
        errors["concern"] = _("Choose your level of concern: low, moderate, high or immediate danger.")

    offered = _codes(form.referrals_offered)
    accepted = _codes(form.referrals_accepted)
    if offered is None or accepted is None:
        errors["referrals"] = _("Choose referrals from the resource list.")
        offered, accepted = offered or [], accepted or []
    else:
        resources = {r.code for r in content.resources} | known_resources
        unknown = [c for c in offered + accepted if c not in resources]
        not_offered = [c for c in accepted if c not in offered]
        if unknown:
            errors["referrals"] = _("These are not in the resource list: {codes}. Reload the page and choose "
                                    "again.").format(codes=_listed(list(dict.fromkeys(unknown))))
        elif not_offered:
            errors["referrals"] = _("A referral can only be marked as taken up if it was offered. Tick it as "
                                    "offered too.")

    note = form.note if isinstance(form.note, str) else ""
    note = note.replace("\r\n", "\n").strip()
    if not isinstance(form.note, str) and form.note is not None:
        errors["note"] = _("The note must be text.")
    elif len(note) > NOTE_MAX:
        errors["note"] = _("Keep the note to {most} characters; it is {length} now.").format(
            most=i18n.number(NOTE_MAX), length=i18n.number(len(note)))

    next_due = _naive_utc(form.next_due_at) if form.next_due_at is not None else None
    if form.next_due_at is not None and next_due is None:
        errors["next_due_at"] = _("Give the date and time of the next check-in.")
    elif next_due is not None and occurred is not None:
        if next_due <= occurred:
            errors["next_due_at"] = _("The next check-in must come after this one.")
        elif next_due > occurred + NEXT_DUE_MAX:
            errors["next_due_at"] = _("Set the next check-in within a year of this one.")
    if next_due is None and occurred is not None and concern is not None and "occurred_at" not in errors:
        next_due = default_next_due(occurred, concern)  # a refused time (year 9999) would overflow

    not_names = _confirmed_words(form.not_names)
    if not_names is None:
        errors["note"] = _("The words marked as not a name could not be read. Reload the page and save again.")
        not_names = frozenset()
    # A correction that leaves the note as it is stored does not screen it again: it passed when it was saved,
    # with the advocate's "not a person's name" choices then, which are not kept. An edited note is screened whole.
    unchanged = stored_note is not None and note == stored_note
    findings, dismissed = _screen(note, content, not_names) if note and not unchanged else ([], 0)
    if findings:
        raise NoteHasIdentifiers(findings, errors)
    if errors:
        raise ValidationFailed(errors)
    assert occurred is not None and concern is not None and next_due is not None
    return _Clean(occurred, form.contact_mode, form.harm_contact, concern, tuple(items),
                  bool(form.safety_planning), tuple(offered), frozenset(accepted), note, next_due, dismissed,
                  spoken, form.interpreter)


def problems_before_a_client(form: CheckInForm, content: Content) -> dict[str, str]:
    """The other fields' problems of a form that has no client chosen yet, so Save names every problem at once
    instead of one round at a time. Checked against a stand-in open file; the note is not screened here (the save
    screens it once a client is chosen). Nothing is read or written."""
    stand_in = Client(code="", status="open", opened_on=date(1900, 1, 1))
    try:
        _validate(replace(form, note=""), content, stand_in, new=True)
    except ValidationFailed as exc:
        return dict(exc.errors)
    return {}


def _confirmed_words(values: object) -> frozenset[str] | None:
    """The advocate's "not a person's name" words, or None when they are not a small set of short strings."""
    if values is None:
        return frozenset()
    if isinstance(values, str) or not isinstance(values, (list, tuple, set, frozenset)):
        return None
    if len(values) > NOT_NAMES_MAX or not all(isinstance(v, str) and 0 < len(v) <= 100 and storable(v)
                                               for v in values):
        return None
    return frozenset(v.strip() for v in values if v.strip())


def _screen(note: str, content: Content, not_names: frozenset[str]) -> tuple[list[Finding], int]:
    """The findings that stand, and how many name findings the advocate's confirmations dismissed."""
    allowances = screening_allowances(content)
    findings = screen_note(note, **allowances, not_names=not_names)
    if not not_names:
        return findings, 0
    names_before = sum(f.kind == "name" for f in screen_note(note, **allowances))
    return findings, max(0, names_before - sum(f.kind == "name" for f in findings))


def _record_dismissals(s: Session, actor: Actor, client: Client, check_in: CheckIn, clean: _Clean) -> None:
    """One audit row when the advocate saved a note past name findings: how many, never which words."""
    if clean.names_dismissed:
        audit.record(s, actor, "note_name_dismissed", target_type="client", target=client.code,
                     detail=f"check-in {check_in.id}: name finding dismissed: {clean.names_dismissed}")


def _apply(check_in: CheckIn, clean: _Clean, content: Content, notes: NoteCipher) -> None:
    """Write the cleaned values and everything derived from them onto the row (the note encrypted). A new
    check-in takes the current checklist version; a corrected one keeps the version it was recorded on, so it
    keeps its meaning (an item added since was not on its form, and correcting it does not make it "asked")."""
    immediate = set(content.checklist.immediate_codes())
    check_in.occurred_at = clean.occurred_at
    check_in.contact_mode = clean.contact_mode
    check_in.conversation_language = clean.conversation_language
    check_in.interpreter = clean.interpreter
    check_in.harm_contact = clean.harm_contact
    check_in.concern = clean.concern
    check_in.concern_rank = CONCERN_RANK[clean.concern]
    check_in.safety_planning = clean.safety_planning
    check_in.sign_count = len(clean.items)
    check_in.needs_attention = clean.concern == "immediate" or bool(immediate.intersection(clean.items))
    check_in.note = notes.encrypt(clean.note)
    check_in.next_due_at = clean.next_due_at
    if check_in.checklist_version is None:
        check_in.checklist_version = content.checklist.version


def _set_children(check_in: CheckIn, clean: _Clean) -> None:
    """Bring items and referrals to the new sets, touching only the rows that change."""
    wanted = set(clean.items)
    for row in [r for r in check_in.items if r.code not in wanted]:
        check_in.items.remove(row)
    have = {r.code for r in check_in.items}
    check_in.items.extend(CheckInItem(code=c) for c in clean.items if c not in have)

    offered = set(clean.offered)
    for row in [r for r in check_in.referrals if r.resource_code not in offered]:
        check_in.referrals.remove(row)
    existing = {r.resource_code: r for r in check_in.referrals}
    for code in clean.offered:
        if code in existing:
            existing[code].accepted = code in clean.accepted
        else:
            check_in.referrals.append(CheckInReferral(resource_code=code, accepted=code in clean.accepted))


def _refresh_client_due(s: Session, client: Client) -> None:
    """Keep the client's derived facts in step: due date from the latest check-in (by when it happened), the
    order of its check-ins, and the sign count of its first one. A client has tens of check-ins, so this is
    one small indexed read; rows already numbered right are not written."""
    rows = s.execute(
        select(CheckIn.id, CheckIn.seq, CheckIn.sign_count, CheckIn.checklist_version, CheckIn.next_due_at)
        .where(CheckIn.client_id == client.id).order_by(CheckIn.occurred_at, CheckIn.id)
    ).all()
    for n, row in enumerate(rows, start=1):
        if row.seq != n:
            s.execute(update(CheckIn).where(CheckIn.id == row.id).values(seq=n))
    client.first_sign_count = rows[0].sign_count if rows else None
    client.first_checklist_version = rows[0].checklist_version if rows else None
    if client.status == "open" and rows:
        client.next_due_at = rows[-1].next_due_at


def _names(s: Session, ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {uid: name for uid, name in s.execute(select(User.id, User.display_name).where(User.id.in_(wanted)))}


def _view(s: Session, notes: NoteCipher, check_in: CheckIn, client_code: str,
          names: dict[int, str] | None = None) -> CheckInView:
    """Only called after the reader's access to the client was checked: the one place a note is opened."""
    names = names if names is not None else _names(s, {check_in.advocate_id, check_in.updated_by})
    referrals = sorted(check_in.referrals, key=lambda r: r.resource_code)
    return CheckInView(
        id=check_in.id,
        client_code=client_code,
        occurred_at=check_in.occurred_at,
        contact_mode=check_in.contact_mode,
        items=tuple(sorted(r.code for r in check_in.items)),
        harm_contact=check_in.harm_contact,
        concern=check_in.concern,
        concern_rank=check_in.concern_rank,
        safety_planning=bool(check_in.safety_planning),
        referrals_offered=tuple(r.resource_code for r in referrals),
        referrals_accepted=tuple(r.resource_code for r in referrals if r.accepted),
        note=notes.decrypt(check_in.note),
        next_due_at=check_in.next_due_at,
        sign_count=check_in.sign_count,
        needs_attention=bool(check_in.needs_attention),
        checklist_version=check_in.checklist_version,
        version=check_in.version,
        corrected=check_in.version > 1,
        conversation_language=check_in.conversation_language,
        interpreter=check_in.interpreter,
        recorded_by=names.get(check_in.advocate_id, ""),
        recorded_by_id=check_in.advocate_id,
        created_at=check_in.created_at,
        updated_at=check_in.updated_at,
        updated_by=names.get(check_in.updated_by) if check_in.updated_by is not None else None,
    )


def _existing(db: Database, actor: Actor, submission_key: str) -> CheckInView | None:
    """The check-in a submission key already saved, if any (still only shown to someone who may read it)."""
    with db.reading() as s:
        found = s.execute(
            select(CheckIn, Client.code).join(Client, Client.id == CheckIn.client_id)
            .where(CheckIn.submission_key == submission_key)
        ).first()
        if found is None:
            return None
        check_in, code = found
        load_client(s, actor, code, Access.READ)
        return _view(s, db.notes, check_in, code)


# --------------------------------------------------------------------------- services


def record_check_in(db: Database, actor: Actor, content: Content, form: CheckInForm, *,
                    submission_key: str) -> CheckInView:
    """Save a check-in once per submission key, with its audit event, in one transaction.

    Raises ValidationFailed (every problem at once, keyed by field), NoteHasIdentifiers, or
    PermissionDenied (audited) when the client is not the actor's own.
    """
    if not storable(submission_key) or not 8 <= len(submission_key) <= 64:
        raise ValidationFailed({"form": _("This form could not be saved. Reload the page and try again.")})
    with refusals_audited(db, actor, "check_in_recorded"):
        existing = _existing(db, actor, submission_key)
        if existing is not None:
            return existing
        try:
            with db.writing() as s:
                client = load_client(s, actor, form.client, Access.WRITE, lock=True)
                clean = _validate(form, content, client, new=True)
                with trend_summary.track(s, [client.id], days=[clean.occurred_at]):
                    check_in = CheckIn(client_id=client.id, advocate_id=actor.user_id,
                                       submission_key=submission_key, version=1, created_at=utcnow())
                    _apply(check_in, clean, content, db.notes)
                    check_in.items = [CheckInItem(code=c) for c in clean.items]
                    check_in.referrals = [CheckInReferral(resource_code=c, accepted=c in clean.accepted)
                                          for c in clean.offered]
                    s.add(check_in)
                    s.flush()
                    _refresh_client_due(s, client)
                audit.record(s, actor, "check_in_recorded", target_type="client", target=client.code,
                             detail=f"check-in {check_in.id}")
                _record_dismissals(s, actor, client, check_in, clean)
                return _view(s, db.notes, check_in, client.code)
        except IntegrityError:
            # The same form was saved by a parallel request a moment ago: hand back that save.
            existing = _existing(db, actor, submission_key)
            if existing is None:
                raise
            return existing


def _load_check_in(s: Session, actor: Actor, check_in_id: int, access: Access, *,
                   lock: bool = False) -> tuple[CheckIn, Client]:
    code = (s.scalar(select(Client.code).join(CheckIn, CheckIn.client_id == Client.id)
                     .where(CheckIn.id == check_in_id)) if row_id(check_in_id) is not None else None)
    if code is None:
        raise AccessRefused(f"no such check-in {check_in_id!r}"[:200])
    # Lock the client before the check-in, in the same order as a save: a save holding the client renumbers
    # its check-ins, so taking the check-in first deadlocked against it on PostgreSQL.
    client = load_client(s, actor, code, access, lock=lock)
    query = select(CheckIn).where(CheckIn.id == check_in_id)
    if lock:
        query = query.with_for_update()
    check_in = s.scalars(query).one()
    return check_in, client


def _snapshot(check_in: CheckIn, notes: NoteCipher) -> dict[str, Any]:
    """The whole check-in as plain JSON, note included (opened, to compare): it is part of the client's record."""
    referrals = sorted(check_in.referrals, key=lambda r: r.resource_code)
    return {
        "version": check_in.version,
        "occurred_at": check_in.occurred_at.isoformat(),
        "contact_mode": check_in.contact_mode,
        "items": sorted(r.code for r in check_in.items),
        "harm_contact": check_in.harm_contact,
        "concern": check_in.concern,
        "safety_planning": bool(check_in.safety_planning),
        "referrals_offered": [r.resource_code for r in referrals],
        "referrals_accepted": [r.resource_code for r in referrals if r.accepted],
        "note": notes.decrypt(check_in.note),
        "next_due_at": check_in.next_due_at.isoformat() if check_in.next_due_at else None,
        "conversation_language": check_in.conversation_language,
        "interpreter": check_in.interpreter,
        "sign_count": check_in.sign_count,
        "needs_attention": bool(check_in.needs_attention),
        "checklist_version": check_in.checklist_version,
        "advocate_id": check_in.advocate_id,
        "updated_at": check_in.updated_at.isoformat() if check_in.updated_at else None,
        "updated_by": check_in.updated_by,
    }


# Fields a person changes; the rest of a snapshot is derived or bookkeeping.
COMPARED = ("occurred_at", "contact_mode", "items", "harm_contact", "concern", "safety_planning",
            "referrals_offered", "referrals_accepted", "note", "next_due_at", "conversation_language", "interpreter")


class _NothingChanged(Exception):
    """Leaves the write transaction (rolling back) when a correction changes nothing a person can see."""


def correct_check_in(db: Database, actor: Actor, content: Content, check_in_id: int, form: CheckInForm, *,
                     expected_version: int) -> CheckInView:
    """Correct a saved check-in, keeping the version it replaces whole in its history.

    `expected_version` is the version the form was opened on; if someone corrected it since, EditConflict
    is raised and nothing is saved. A form that changes nothing saves nothing and returns the check-in as is.
    """
    try:
        with refusals_audited(db, actor, "check_in_corrected"), db.writing() as s:
            check_in, client = _load_check_in(s, actor, check_in_id, Access.WRITE, lock=True)
            if check_in.version != expected_version:
                raise EditConflict()
            errors: dict[str, str] = {}
            if normalize_code(form.client) != client.code:
                errors["client"] = _("A check-in stays with its client; it cannot be moved to another code.")
            try:
                clean = _validate(form, content, client, new=False,
                                  known_items=frozenset(r.code for r in check_in.items),
                                  known_resources=frozenset(r.resource_code for r in check_in.referrals),
                                  stored_note=db.notes.decrypt(check_in.note) or "",
                                  checklist_version=check_in.checklist_version)
            except ValidationFailed as failed:
                failed.errors = {**errors, **failed.errors}
                raise
            if errors:
                raise ValidationFailed(errors)
            # The summaries' cells may change on the day it was on and the day it moves to.
            with trend_summary.track(s, [client.id], days=[check_in.occurred_at, clean.occurred_at]):
                before = _snapshot(check_in, db.notes)
                _apply(check_in, clean, content, db.notes)
                _set_children(check_in, clean)
                after = _snapshot(check_in, db.notes)
                changed = [f for f in COMPARED if before[f] != after[f]]
                if not changed:
                    raise _NothingChanged()
                kept = {**before, "note": db.notes.encrypt(before["note"])}  # history is encrypted at rest too
                s.add(CheckInRevision(check_in_id=check_in.id, version=before["version"], snapshot=kept,
                                      replaced_at=utcnow(), replaced_by=actor.user_id))
                check_in.version = before["version"] + 1
                check_in.updated_at = utcnow()
                check_in.updated_by = actor.user_id
                s.flush()
                _refresh_client_due(s, client)
            audit.record(s, actor, "check_in_corrected", target_type="client", target=client.code,
                         detail=f"check-in {check_in.id} to version {check_in.version}: {', '.join(changed)}")
            _record_dismissals(s, actor, client, check_in, clean)
            return _view(s, db.notes, check_in, client.code)
    except _NothingChanged:
        return _read_check_in(db, actor, check_in_id)


def _read_check_in(db: Database, actor: Actor, check_in_id: int) -> CheckInView:
    with db.reading() as s:
        check_in, client = _load_check_in(s, actor, check_in_id, Access.READ)
        return _view(s, db.notes, check_in, client.code)


@dataclass(frozen=True)
class StartingPoint:
    """What a new check-in may copy from the client's last one: what was observed and how, never the note, the
    date, safety planning or referrals (those belong to one contact). The note is not even read."""

    client_code: str
    occurred_at: datetime
    contact_mode: str
    harm_contact: str
    concern: str
    items: tuple[str, ...]


def last_check_in(db: Database, actor: Actor, code: str) -> StartingPoint | None:
    """The client's latest check-in as a starting point for a new one, or None when it has none yet. Only for
    someone who may add a check-in to this client; reading it is audited as a view of the record."""
    with refusals_audited(db, actor, "client_viewed"), db.reading() as s:
        client = load_client(s, actor, code, Access.WRITE)
        row = s.scalars(select(CheckIn).where(CheckIn.client_id == client.id)
                        .order_by(CheckIn.occurred_at.desc(), CheckIn.id.desc()).limit(1)).first()
        if row is None:
            return None
        items = tuple(sorted(s.scalars(select(CheckInItem.code).where(CheckInItem.check_in_id == row.id))))
        found = StartingPoint(client.code, row.occurred_at, row.contact_mode, row.harm_contact, row.concern, items)
    audit.record_now(db, actor, "client_viewed", target_type="client", target=found.client_code,
                     detail=f"check-in {row.id}, to start a new one from")
    return found


def get_check_in(db: Database, actor: Actor, check_in_id: int) -> CheckInView:
    """One check-in, e.g. to pre-fill a correction form. Reading a record is audited."""
    with refusals_audited(db, actor, "client_viewed"):
        view = _read_check_in(db, actor, check_in_id)
    audit.record_now(db, actor, "client_viewed", target_type="client", target=view.client_code,
                     detail=f"check-in {check_in_id}")
    return view


def _typed(name: str, value: Any) -> Any:
    if name in ("occurred_at", "next_due_at") and isinstance(value, str):
        return datetime.fromisoformat(value)
    if isinstance(value, list):
        return tuple(value)
    return value


def check_in_history(db: Database, actor: Actor, check_in_id: int) -> list[RevisionView]:
    """Every correction of a check-in, oldest first: who made it, when, and what differed."""
    with refusals_audited(db, actor, "client_viewed"), db.reading() as s:
        check_in, client = _load_check_in(s, actor, check_in_id, Access.READ)
        revisions = s.scalars(select(CheckInRevision).where(CheckInRevision.check_in_id == check_in.id)
                              .order_by(CheckInRevision.version)).all()
        names = _names(s, {r.replaced_by for r in revisions})
        states = [{**r.snapshot, "note": db.notes.decrypt(r.snapshot.get("note"))} for r in revisions]
        states.append(_snapshot(check_in, db.notes))
        code = client.code
        history = []
        for n, revision in enumerate(revisions):
            before, after = states[n], states[n + 1]
            changes = tuple(FieldChange(f, _typed(f, before.get(f)), _typed(f, after.get(f)))
                            for f in COMPARED if before.get(f) != after.get(f))
            history.append(RevisionView(
                version=revision.version + 1,
                changed_at=revision.replaced_at,
                changed_by=names.get(revision.replaced_by, "") if revision.replaced_by else "",
                changed_by_id=revision.replaced_by,
                changes=changes,
                previous=before,
            ))
    audit.record_now(db, actor, "client_viewed", target_type="client", target=code,
                     detail=f"history of check-in {check_in_id}")
    return history


def client_timeline(db: Database, actor: Actor, content: Content, code: str) -> Timeline:
    """A client's whole record, in time order, with chart and grid shapes. Every view is audited."""
    with refusals_audited(db, actor, "client_viewed"), db.reading() as s:
        client = load_client(s, actor, code, Access.READ)
        facts = client_view(s, client)
        rows = s.scalars(select(CheckIn).where(CheckIn.client_id == client.id)
                         .order_by(CheckIn.occurred_at, CheckIn.id)).all()
        ids = [r.id for r in rows]
        items: dict[int, set[str]] = {i: set() for i in ids}
        referrals: dict[int, list[CheckInReferral]] = {i: [] for i in ids}
        if ids:
            for cid, item_code in s.execute(select(CheckInItem.check_in_id, CheckInItem.code)
                                            .where(CheckInItem.check_in_id.in_(ids))):
                items[cid].add(item_code)
            for ref in s.scalars(select(CheckInReferral).where(CheckInReferral.check_in_id.in_(ids))):
                referrals[ref.check_in_id].append(ref)
        names = _names(s, {r.advocate_id for r in rows} | {r.updated_by for r in rows})
        views = []
        for r in rows:
            refs = sorted(referrals[r.id], key=lambda x: x.resource_code)
            views.append(CheckInView(
                id=r.id, client_code=client.code, occurred_at=r.occurred_at, contact_mode=r.contact_mode,
                items=tuple(sorted(items[r.id])), harm_contact=r.harm_contact, concern=r.concern,
                concern_rank=r.concern_rank, safety_planning=bool(r.safety_planning),
                referrals_offered=tuple(x.resource_code for x in refs),
                referrals_accepted=tuple(x.resource_code for x in refs if x.accepted),
                note=db.notes.decrypt(r.note), next_due_at=r.next_due_at, sign_count=r.sign_count,
                needs_attention=bool(r.needs_attention), checklist_version=r.checklist_version,
                version=r.version, corrected=r.version > 1, recorded_by=names.get(r.advocate_id, ""),
                recorded_by_id=r.advocate_id, created_at=r.created_at, updated_at=r.updated_at,
                updated_by=names.get(r.updated_by) if r.updated_by is not None else None,
                conversation_language=r.conversation_language, interpreter=r.interpreter,
            ))
    chart, grid = _shapes(content, views)
    audit.record_now(db, actor, "client_viewed", target_type="client", target=facts.code, detail="timeline")
    return Timeline(client=facts, check_ins=views, chart=chart, grid=grid)


def _shapes(content: Content,
            views: list[CheckInView]) -> tuple[list[dict[str, Any]], dict[str, dict[int, bool | None]]]:
    """Per check-in counts by section, and the item-by-check-in presence grid (None: not on that check-in's
    checklist version, so not asked)."""
    sections = list(content.checklist.checkin_sections())
    section_of: dict[str, str] = {}
    order: list[str] = []
    for section in sections:
        for item in section.items:
            section_of.setdefault(item.code, section.code)
            order.append(item.code)
    seen = {c for v in views for c in v.items}
    # Items from an older checklist version keep their place at the end, under "other".
    codes = [c for c in order if c in seen] + sorted(seen - set(order))
    names = [s.code for s in sections] + ([OTHER_SECTION] if seen - set(order) else [])
    chart: list[dict[str, Any]] = []
    for v in views:
        counts = dict.fromkeys(names, 0)
        for c in v.items:
            counts[section_of.get(c, OTHER_SECTION)] += 1
        day: date = v.occurred_at.date()
        chart.extend({"check_in_id": v.id, "date": day, "occurred_at": v.occurred_at, "section": name,
                      "count": n} for name, n in counts.items())
    checklist = content.checklist
    grid: dict[str, dict[int, bool | None]] = {
        c: {v.id: True if c in v.items else (False if checklist.on_version(c, v.checklist_version) else None)
            for v in views}
        for c in codes}
    return chart, grid
