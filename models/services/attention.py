"""Needs attention: the open clients to look at now, each with the rule that put them there in plain words.

ONE definition, used by the supervisors' Needs attention page, the caseload's flag and the team counts on Home:
an open client is on the list when
  - their latest check-in had an item needing an immediate response ticked, or "immediate danger" concern;
  - their concern rose from the check-in before to the latest one;
  - their follow-up is more than OVERDUE_DAYS whole days overdue (the caseload's own "overdue N days" count).

A supervisor may mark an entry reviewed with a short note (screened for identifiers like a check-in note and
stored encrypted the same way; the audit row says only that a review happened). The review holds the entry's
`basis`: what put it there (the latest check-in's seq and version, the previous one's version, the due time, the
rules and how many whole weeks overdue). A reviewed entry leaves the list until its basis changes: a new or
corrected check-in, a new due date, a further week overdue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, aliased

from models.base import i18n
from models.base.errors import ValidationFailed
from models.base.i18n import N_, _, ngettext, pgettext
from models.base.inputs import row_id, storable
from models.base.timeutil import in_zone, local_midnight, utcnow
from models.content.loader import Checklist, Content
from models.rules.permissions import Actor, Permission, can, require
from models.rules.screening import screen_note
from models.services import audit
from models.services.checkins import NoteHasIdentifiers, screening_allowances
from models.services.clients import Access, AccessRefused, load_client, normalize_code, refusals_audited
from models.store.database import Database
from models.store.entities import AttentionReview, CheckIn, CheckInItem, Client, User
from models.store.note_cipher import NoteCipher

OVERDUE_DAYS = 7  # the one threshold: "more than 7 days overdue", on every page
DEFAULT_OVERDUE_DAYS = OVERDUE_DAYS
MAX_OVERDUE_DAYS = 3650
RETURN_EVERY_DAYS = 7  # a reviewed overdue entry comes back at each further full week overdue
NOTE_MAX = 500
# Each rule in words, marked for the catalog: reason_words() gives one in the reader's language.
REASONS = {
    "immediate": N_("Latest check-in needed an immediate response"),
    "rising": N_("Concern rose since the check-in before"),
    # TRANSLATORS: {days} is the number of days (7).
    "overdue": N_("Follow-up more than {days} days overdue"),
}
# TRANSLATORS: {days} is the number of days (7).
_RULE = N_("A client needs attention when their latest check-in had an item needing an immediate response or "
           "immediate danger, when their concern rose since the check-in before, or when their follow-up is more "
           "than {days} days overdue.")
RULE = _RULE.format(days=OVERDUE_DAYS)  # the English, for comparisons; pages show rule()
# What a person is told: translated with _() where raised (PermissionDenied translates SUPERVISOR_ONLY itself; a page
# shows _(CHOOSE_ENTRY), _(CHANGED_SINCE)).
SUPERVISOR_ONLY = N_("Only a supervisor can mark an entry reviewed.")
CHOOSE_ENTRY = N_("Choose an entry to mark reviewed.")
CHANGED_SINCE = N_("This entry changed since the page was drawn: something new happened for the client, so it "
                   "was not marked reviewed. Look at the entry again above.")


def rule() -> str:
    """RULE in the reader's language: when a client needs attention, for the pages that explain the list."""
    return _(_RULE).format(days=i18n.number(OVERDUE_DAYS))


def reason_words(reason: str) -> str:
    """One of REASONS in the reader's language."""
    return _(REASONS[reason]).format(days=i18n.number(OVERDUE_DAYS))


def concern_word(concern: str | None) -> str:
    """A level of concern as it reads inside a sentence ("Concern rose: moderate → high"); "?" if unknown."""
    # TRANSLATORS: levels of concern inside a sentence (nivel de preocupación), lower case.
    words = {"low": pgettext("concern level", "low"), "moderate": pgettext("concern level", "moderate"),
             "high": pgettext("concern level", "high"), "immediate": pgettext("concern level", "immediate danger")}
    return words.get(concern or "", "?")


@dataclass(frozen=True)
class Review:
    """Who marked an entry reviewed, when, and their note (decrypted only for the supervisors' list)."""

    by: str
    at: datetime
    note: str


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
    why: tuple[str, ...] = ()  # each rule in words: an item's label, "Immediate danger", "Concern rose: ..."
    basis: str = ""
    review: Review | None = None  # set when the entry was reviewed on this very basis

    @property
    def reviewed(self) -> bool:
        return self.review is not None


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time())


def local_day(value: datetime, zone: tzinfo) -> date:
    """The day a stored (naive UTC) time falls on in the agency's zone."""
    return in_zone(value, zone).date()


def days_overdue(due: datetime, now: datetime, zone: tzinfo = UTC) -> int:
    """Whole calendar days past due (0 when not yet due or due earlier today), counted in the agency's days
    (`zone`, Settings.time_zone): the ONE count behind Home's "overdue N days", the caseload's Status and the
    needs-attention rule, so no two pages disagree about the same client."""
    return max(0, (local_day(now, zone) - local_day(due, zone)).days) if due < now else 0


def _cutoff(now: datetime, overdue_days: int, zone: tzinfo) -> tuple[datetime, date]:
    """Due before the UTC instant (or opened before the day) returned: more than `overdue_days` whole local days
    late. The start of the agency's day `overdue_days` days ago, as naive UTC."""
    day = local_day(now, zone) - timedelta(days=overdue_days)
    return local_midnight(day, zone), day


def _basis(last_seq: int | None, version: int | None, previous_version: int | None, due: datetime,
           reasons: tuple[str, ...], days: int) -> str:
    weeks = days // RETURN_EVERY_DAYS if "overdue" in reasons else 0
    return (f"ci{last_seq or 0}.{version or 0}/{previous_version or 0}|due{due:%Y%m%d%H%M}|"
            f"{'+'.join(reasons)}|wk{weeks}")[:128]


def entries(s: Session, *, advocate_id: int | None, now: datetime, overdue_days: int = OVERDUE_DAYS,
            checklist: Checklist | None = None, notes: NoteCipher | None = None,
            zone: tzinfo = UTC) -> list[AttentionRow]:
    """Every open client the rule puts on the list (reviewed ones too, with `review` set), most urgent first:
    an immediate response first, then rising concern, then the most overdue (the order on every page).

    The callers check permissions first (needs_attention, caseload, the team counts). A review note is decrypted
    only when `notes` is given; otherwise it is left out. Days overdue are counted in `zone`, the agency's."""
    cutoff, cutoff_day = _cutoff(now, overdue_days, zone)
    # A client's latest check-in is the one with the highest `seq` (kept in step on every write), and the one
    # before it has seq - 1: two lookups on the (client_id, seq) index per client, at any table size.
    last_seq = (select(func.max(CheckIn.seq)).where(CheckIn.client_id == Client.id).correlate(Client)
                .scalar_subquery())
    last_review = (select(AttentionReview.id).where(AttentionReview.client_id == Client.id)
                   .order_by(AttentionReview.reviewed_at.desc(), AttentionReview.id.desc()).limit(1)
                   .correlate(Client).scalar_subquery())
    base = (
        select(Client.id.label("client_id"), Client.code, Client.advocate_id, Client.next_due_at, Client.opened_on,
               last_seq.label("last_seq"), last_review.label("review_id"))
        .where(Client.status == "open")
    )
    if advocate_id is not None:
        base = base.where(Client.advocate_id == advocate_id)
    sub = base.subquery("base")
    latest, previous = aliased(CheckIn, name="latest"), aliased(CheckIn, name="previous")
    reviewer = aliased(User, name="reviewer")
    # Never checked in: due from the day opened (a loose bound here; the count below decides).
    late = or_(sub.c.next_due_at < cutoff, and_(sub.c.next_due_at.is_(None), sub.c.opened_on <= cutoff_day))
    query = (
        select(sub.c.code, sub.c.advocate_id, User.display_name, sub.c.next_due_at, sub.c.opened_on,
               sub.c.last_seq, latest.id.label("latest_id"), latest.version, latest.occurred_at, latest.concern,
               latest.concern_rank, latest.needs_attention, previous.version.label("prev_version"),
               previous.concern.label("prev_concern"), previous.concern_rank.label("prev_rank"),
               AttentionReview.basis.label("review_basis"), AttentionReview.reviewed_at,
               AttentionReview.note.label("review_note"), reviewer.display_name.label("reviewer_name"))
        .join(User, User.id == sub.c.advocate_id)
        .outerjoin(latest, and_(latest.client_id == sub.c.client_id, latest.seq == sub.c.last_seq))
        .outerjoin(previous, and_(previous.client_id == sub.c.client_id, previous.seq == sub.c.last_seq - 1))
        .outerjoin(AttentionReview, AttentionReview.id == sub.c.review_id)
        .outerjoin(reviewer, reviewer.id == AttentionReview.reviewed_by)
        .where(or_(latest.needs_attention.is_(True), latest.concern_rank > previous.concern_rank, late))
    )
    rows = s.execute(query).all()
    ticked = _immediate_items(s, [r.latest_id for r in rows if r.needs_attention], checklist)
    result = []
    for r in rows:
        due = r.next_due_at or _midnight(r.opened_on)
        days = days_overdue(due, now, zone)
        reasons: list[str] = []
        why: list[str] = []
        if r.needs_attention:
            reasons.append("immediate")
            labels = ticked.get(r.latest_id, [])
            why += labels
            if r.concern == "immediate":
                why.append(_("Immediate danger"))
            elif not labels:
                why.append(_("An item needing an immediate response"))
        if r.prev_rank is not None and r.concern_rank is not None and r.concern_rank > r.prev_rank:
            reasons.append("rising")
            # TRANSLATORS: {before} and {after} are levels of concern ("moderate", "high").
            why.append(_("Concern rose: {before} → {after}").format(before=concern_word(r.prev_concern),
                                                                    after=concern_word(r.concern)))
        if days > overdue_days:
            reasons.append("overdue")
            why.append(ngettext("Overdue {n} day", "Overdue {n} days", days).format(n=i18n.number(days)))
        if not reasons:
            continue
        basis = _basis(r.last_seq, r.version, r.prev_version, due, tuple(reasons), days)
        review = None
        if r.review_basis is not None and r.review_basis == basis:
            review = Review(r.reviewer_name or _("a former supervisor"), r.reviewed_at,
                            notes.decrypt(r.review_note) if notes is not None else "")
        result.append(AttentionRow(r.code, r.advocate_id, r.display_name, tuple(reasons), r.occurred_at,
                                   r.concern, r.prev_concern, due, days, tuple(why), basis, review))
    result.sort(key=urgency)
    return result


URGENCY = {"immediate": 0, "rising": 1, "overdue": 2}


def urgency(row: AttentionRow) -> tuple[int, int, str]:
    """The one order of the list wherever it is shown: immediate, then rising, then the most overdue."""
    return URGENCY[row.reasons[0]], -row.days_overdue, row.code


def _immediate_items(s: Session, check_in_ids: list[int], checklist: Checklist | None) -> dict[int, list[str]]:
    """The labels of the ticked items needing an immediate response, per check-in (one query, flagged ones only)."""
    if checklist is None or not check_in_ids:
        return {}
    immediate = checklist.immediate_codes()
    found: dict[int, list[str]] = {}
    for start in range(0, len(check_in_ids), 500):
        chunk = check_in_ids[start:start + 500]
        for check_in_id, code in s.execute(
                select(CheckInItem.check_in_id, CheckInItem.code)
                .where(CheckInItem.check_in_id.in_(chunk), CheckInItem.code.in_(immediate))
                .order_by(CheckInItem.check_in_id, CheckInItem.code)).all():
            found.setdefault(check_in_id, []).append(checklist.item(code).label)
    return found


def needs_attention(db: Database, actor: Actor, *, overdue_days: int = OVERDUE_DAYS,
                    advocate_id: int | None = None, now: datetime | None = None,
                    checklist: Checklist | None = None, include_reviewed: bool = False,
                    zone: tzinfo = UTC) -> list[AttentionRow]:
    """The needs-attention list (see the module docstring). Supervisors only; the view is audited.

    Reviewed entries are left out unless `include_reviewed`, which also decrypts their notes. `overdue_days`
    stays OVERDUE_DAYS on every page; other values are for tests."""
    require(actor, Permission.VIEW_ALL_CLIENTS)
    now = now or utcnow()
    errors: dict[str, str] = {}
    if isinstance(overdue_days, bool) or not isinstance(overdue_days, int) or not 0 <= overdue_days <= MAX_OVERDUE_DAYS:
        errors["overdue_days"] = _("Give the days overdue as a whole number from 0 to {n}.").format(
            n=i18n.number(MAX_OVERDUE_DAYS))
    if advocate_id is not None and not row_id(advocate_id):
        errors["advocate"] = _("Choose an advocate from the list, or everyone.")
    if errors:
        raise ValidationFailed(errors)
    with db.reading() as s:
        rows = entries(s, advocate_id=advocate_id, now=now, overdue_days=overdue_days, checklist=checklist,
                       notes=db.notes if include_reviewed else None, zone=zone)
    if not include_reviewed:
        rows = [r for r in rows if not r.reviewed]
    audit.record_now(db, actor, "attention_list_viewed", detail=f"{len(rows)} clients listed")
    return rows


def reviewed_count(db: Database, actor: Actor, *, advocate_id: int | None = None,
                   now: datetime | None = None, zone: tzinfo = UTC) -> int:
    """How many entries are hidden as reviewed, for the page to say so (supervisors only)."""
    require(actor, Permission.VIEW_ALL_CLIENTS)
    with db.reading() as s:
        return sum(r.reviewed for r in entries(s, advocate_id=advocate_id if row_id(advocate_id) else None,
                                               now=now or utcnow(), zone=zone))


def mark_reviewed(db: Database, actor: Actor, content: Content, code: str | None, note: str, *, basis: str,
                  now: datetime | None = None, zone: tzinfo = UTC) -> None:
    """A supervisor marks a client's entry reviewed with a short note, for the basis they were shown.

    The note is screened like a check-in note (NoteHasIdentifiers, nothing saved) and stored encrypted; the audit
    row names the client and says nothing more. When the entry changed since it was shown (its basis differs) or
    left the list, nothing is saved and the page says why. No entry chosen is a mistake to point out at the
    field, not a refusal to audit."""
    now = now or utcnow()
    with refusals_audited(db, actor, "attention_reviewed"):
        if not can(actor, Permission.VIEW_ALL_CLIENTS):
            raise AccessRefused(f"role {actor.role if actor else 'nobody'} may not review",
                                target=normalize_code(code), message=SUPERVISOR_ONLY)
    if code is None or (isinstance(code, str) and not code.strip()):
        raise ValidationFailed({"client": _(CHOOSE_ENTRY)})
    text = note.replace("\r\n", "\n").strip() if isinstance(note, str) else None
    errors: dict[str, str] = {}
    if text is None or not storable(text):
        errors["note"] = _("The note must be plain text.")
    elif not text:
        errors["note"] = _("Write a short note: what was done or decided (for example 'talked it through with "
                           "the advocate').")
    elif len(text) > NOTE_MAX:
        errors["note"] = _("Keep the note to {most} characters; it is {length} now.").format(
            most=i18n.number(NOTE_MAX), length=i18n.number(len(text)))
    if errors:
        raise ValidationFailed(errors)
    assert text is not None
    findings = screen_note(text, **screening_allowances(content))
    if findings:
        raise NoteHasIdentifiers(findings)
    with refusals_audited(db, actor, "attention_reviewed"), db.writing() as s:
        client = load_client(s, actor, code, Access.READ, lock=True)
        if not isinstance(basis, str) or client.status != "open":
            raise ValidationFailed({"client": _(CHANGED_SINCE)})
        current = [r for r in entries(s, advocate_id=client.advocate_id, now=now, zone=zone)
                   if r.code == client.code]
        if not current or current[0].basis != basis:
            raise ValidationFailed({"client": _(CHANGED_SINCE)})
        if current[0].reviewed:
            raise ValidationFailed({"client": _("This entry was already marked reviewed.")})
        s.add(AttentionReview(client_id=client.id, reviewed_by=actor.user_id, reviewed_at=now, basis=basis,
                              note=db.notes.encrypt(text)))
        audit.record(s, actor, "attention_reviewed", target_type="client", target=client.code)

