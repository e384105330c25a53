"""The stored shape of Waypoint. Clients carry a random code and nothing that identifies a person."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship

from models.base.timeutil import utcnow

# Stable constraint names so Alembic batch mode on SQLite and PostgreSQL agree.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

ROLES = ("advocate", "supervisor", "admin")
CLIENT_STATUSES = ("open", "closed")
CONTACT_MODES = ("in-person", "phone", "text", "chat", "video")
CONCERN_LEVELS = ("low", "moderate", "high", "immediate")
CONCERN_RANK = {level: rank for rank, level in enumerate(CONCERN_LEVELS, start=1)}
HARM_CONTACT = ("none", "some", "frequent", "lives-with", "unknown")

# Audit ids grow without bound; SQLite only auto-increments an INTEGER primary key.
AuditId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('advocate','supervisor','admin')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # An account that reads records, made or reset by an admin, waits for a supervisor's confirmation
    # (models/services/account_review.py): until then it has no usable password and cannot sign in.
    pending_since: Mapped[datetime | None] = mapped_column(DateTime)
    pending_reason: Mapped[str | None] = mapped_column(String(16))  # "new account" or "password reset"
    pending_requested_by: Mapped[int | None] = mapped_column(Integer)  # the admin's user id (also in the audit)
    # A confirmed account's one-time setup code: only its SHA-256 (the code is random, 60 bits) and when it expires.
    setup_code_hash: Mapped[str | None] = mapped_column(String(64))
    setup_code_expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The language this person reads Waypoint in (a code of content/locale/languages.yaml); None: the agency's default.
    language: Mapped[str | None] = mapped_column(String(16))


class AuthSession(Base):
    """A signed-in browser. Only a hash of the token is stored, so a copied table opens no session."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)
    end_reason: Mapped[str | None] = mapped_column(String(32))

    user: Mapped[User] = relationship()


class SignInThrottle(Base):
    """Failed sign-ins counted per source address, per account and address, and per account (models/services/
    auth.py). `key` is a SHA-256 of what is counted, so the table lists no addresses or usernames in the clear;
    `known` marks an address a person has signed in from, which the account-wide ceiling does not slow."""

    __tablename__ = "sign_in_throttle"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(DateTime)
    known: Mapped[bool] = mapped_column(Boolean, default=False)
    # The account counted (none for an address-wide key), so an admin's "unlock" can clear its delays.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


class SecondFactor(Base):
    """An authenticator-app (TOTP) second factor (models/services/second_factor.py). `secret` is encrypted with
    the note key, like notes; `enrolled_at` is empty while the person has not yet confirmed it with a code, and
    `last_step` is the newest time step a code was accepted for, so each code works once."""

    __tablename__ = "second_factors"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    enrolled_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_step: Mapped[int | None] = mapped_column(Integer)


class RecoveryCode(Base):
    """One of a person's ten one-time recovery codes: only a SHA-256 of it (the code is random, 50 bits)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class IdentityLink(Base):
    """An account's link to the agency's identity provider (models/services/identity.py). An admin links it by the
    person's e-mail address there or by its subject id; the first sign-in by e-mail pins the subject, which never
    changes, so a later change of address at the provider cannot move the link to someone else. `last_issued_at`
    is the newest identity token used, so each one opens at most one session."""

    __tablename__ = "identity_links"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    subject: Mapped[str | None] = mapped_column(String(512), unique=True)  # "<issuer> <sub>"
    linked_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_issued_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The role the link was confirmed for: at once for an admin account, by a supervisor for an account that reads
    # records. A link works only while the account still has that role, so a role change needs a new confirmation.
    confirmed_role: Mapped[str | None] = mapped_column(String(16))
    requested_by: Mapped[int | None] = mapped_column(Integer)  # the admin who made the link (also in the audit)


class SignInChallenge(Base):
    """Half a sign-in: the password was right and the second factor is still to come (a code, or enrolment for
    someone who must have one). It opens no session and carries no rights; only a hash of its token is stored,
    it lasts minutes, and it ends after a few wrong codes."""

    __tablename__ = "sign_in_challenges"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(8))  # "code" or "enrol"
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(DateTime)


class Client(Base):
    __tablename__ = "clients"
    __table_args__ = (
        CheckConstraint("status IN ('open','closed')", name="status"),
        Index("ix_clients_advocate_status", "advocate_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    advocate_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default="open")
    opened_on: Mapped[date] = mapped_column(Date)
    closed_on: Mapped[date | None] = mapped_column(Date)
    # Why the file was closed (a code of models/services/clients.py CLOSING_REASONS); empty while open.
    closed_reason: Mapped[str | None] = mapped_column(String(32))
    relationship_context: Mapped[str] = mapped_column(String(64))
    next_due_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Items observed at the client's first check-in: the baseline of the supervisors' progress figures.
    first_sign_count: Mapped[int | None] = mapped_column(Integer)
    # The checklist version of that first check-in: items added in later versions were not asked then, so the
    # progress figures leave them out of the comparison (migration 0013).
    first_checklist_version: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The language the client prefers to read and hear (a code of content/locale/languages.yaml): the handout and
    # the scripts read aloud open in it. A language only, nothing else about the person (migration 0016).
    preferred_language: Mapped[str | None] = mapped_column(String(16))

    advocate: Mapped[User] = relationship(foreign_keys=[advocate_id])
    factors: Mapped[list[ClientFactor]] = relationship(
        back_populates="client", cascade="all, delete-orphan", passive_deletes=True
    )
    check_ins: Mapped[list[CheckIn]] = relationship(
        back_populates="client", cascade="all, delete-orphan", passive_deletes=True,
        order_by="CheckIn.occurred_at",
    )


class ClientFactor(Base):
    """A vulnerability factor noted at intake, by checklist code."""

    __tablename__ = "client_factors"

    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(80), primary_key=True)

    client: Mapped[Client] = relationship(back_populates="factors")


class CheckIn(Base):
    __tablename__ = "check_ins"
    __table_args__ = (
        CheckConstraint("concern IN ('low','moderate','high','immediate')", name="concern"),
        Index("ix_check_ins_client_occurred", "client_id", "occurred_at"),
        # Covering for trends filtered by advocate, which read the records (migration 0013).
        Index("ix_check_ins_advocate_occurred", "advocate_id", "occurred_at", "client_id", "concern", "safety_planning",
              "sign_count", "seq", "checklist_version"),
        # With the sign count, the progress figures read a client's latest check-in from the index alone (0013).
        Index("ix_check_ins_client_seq", "client_id", "seq", "sign_count"),
        # Covers every column the trend queries read, so they never touch the wide rows (migrations 0004, 0009).
        Index("ix_check_ins_trends", "occurred_at", "client_id", "advocate_id", "concern", "safety_planning",
              "sign_count", "seq", "id", "checklist_version"),
        # Partial: only check-ins that record the conversation's language or an interpreter (none before 0016),
        # so the trends' language tables read a few index rows, never the period's million check-ins.
        Index("ix_check_ins_conversation", "occurred_at", "conversation_language", "client_id", "advocate_id",
              "concern", sqlite_where=text("conversation_language IS NOT NULL"),
              postgresql_where=text("conversation_language IS NOT NULL")),
        Index("ix_check_ins_interpreter", "occurred_at", "interpreter", "client_id", "advocate_id", "concern",
              sqlite_where=text("interpreter IS NOT NULL"), postgresql_where=text("interpreter IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    advocate_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    occurred_at: Mapped[datetime] = mapped_column(DateTime)
    contact_mode: Mapped[str] = mapped_column(String(16))
    checklist_version: Mapped[int] = mapped_column(Integer)
    harm_contact: Mapped[str] = mapped_column(String(24))
    concern: Mapped[str] = mapped_column(String(16))
    concern_rank: Mapped[int] = mapped_column(SmallInteger)
    safety_planning: Mapped[bool] = mapped_column(Boolean, default=False)
    sign_count: Mapped[int] = mapped_column(Integer, default=0)
    # 1 for the client's first check-in by when it happened, 2 for the next...; kept in step on every write.
    seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    needs_attention: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(Text, default="")
    next_due_at: Mapped[datetime | None] = mapped_column(DateTime)
    submission_key: Mapped[str] = mapped_column(String(64), unique=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(DateTime)
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The language the conversation was held in (an ISO 639 code of the conversation list in
    # content/locale/languages.yaml, or "other") and whether an interpreter was used; None: not recorded (0016).
    conversation_language: Mapped[str | None] = mapped_column(String(16))
    interpreter: Mapped[bool | None] = mapped_column(Boolean)

    client: Mapped[Client] = relationship(back_populates="check_ins")
    items: Mapped[list[CheckInItem]] = relationship(
        back_populates="check_in", cascade="all, delete-orphan", passive_deletes=True
    )
    referrals: Mapped[list[CheckInReferral]] = relationship(
        back_populates="check_in", cascade="all, delete-orphan", passive_deletes=True
    )
    revisions: Mapped[list[CheckInRevision]] = relationship(
        back_populates="check_in", cascade="all, delete-orphan", passive_deletes=True,
        order_by="CheckInRevision.version",
    )


class _CheckInCopy:
    """Copies of the parent check-in's when, who and concern, kept in step by `_stamp_children` on every flush,
    so the trend queries read a period of items or referrals from one index without joining a million
    check-ins (migration 0004)."""

    occurred_at: Mapped[datetime] = mapped_column(DateTime)
    client_id: Mapped[int] = mapped_column(Integer)
    advocate_id: Mapped[int] = mapped_column(Integer)
    concern: Mapped[str] = mapped_column(String(16))


class CheckInItem(_CheckInCopy, Base):
    """One checklist item observed at a check-in; codes keep their meaning across checklist versions."""

    __tablename__ = "check_in_items"
    __table_args__ = (
        Index("ix_check_in_items_code", "code"),
        Index("ix_check_in_items_trends", "occurred_at", "code", "client_id", "advocate_id", "concern"),
        Index("ix_check_in_items_advocate", "advocate_id", "occurred_at", "code", "client_id"),
    )

    check_in_id: Mapped[int] = mapped_column(ForeignKey("check_ins.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(80), primary_key=True)

    check_in: Mapped[CheckIn] = relationship(back_populates="items")


class CheckInReferral(_CheckInCopy, Base):
    __tablename__ = "check_in_referrals"
    __table_args__ = (
        Index("ix_check_in_referrals_trends", "occurred_at", "resource_code", "client_id", "accepted",
              "advocate_id", "concern"),
        Index("ix_check_in_referrals_advocate", "advocate_id", "occurred_at", "resource_code", "client_id",
              "accepted"),
    )

    check_in_id: Mapped[int] = mapped_column(ForeignKey("check_ins.id", ondelete="CASCADE"), primary_key=True)
    resource_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    accepted: Mapped[bool] = mapped_column(Boolean, default=False)

    check_in: Mapped[CheckIn] = relationship(back_populates="referrals")


@event.listens_for(Session, "before_flush")
def _stamp_children(session: Session, _context: object, _instances: object) -> None:
    """Every new or changed check-in passes its when, who and concern down to its items and referrals."""
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, CheckIn):
            for child in (*obj.items, *obj.referrals):
                for name in ("occurred_at", "client_id", "advocate_id", "concern"):
                    value = getattr(obj, name)
                    if getattr(child, name, None) != value:
                        setattr(child, name, value)


class CheckInRevision(Base):
    """The earlier version of a corrected check-in, kept whole so the history can be shown."""

    __tablename__ = "check_in_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    check_in_id: Mapped[int] = mapped_column(ForeignKey("check_ins.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    snapshot: Mapped[dict] = mapped_column(JSON)
    replaced_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    replaced_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    check_in: Mapped[CheckIn] = relationship(back_populates="revisions")


class NoteKeyCheck(Base):
    """One value encrypted with the note key, so a wrong key is caught at start-up (models/store/note_cipher.py)."""

    __tablename__ = "note_key_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)


class AuditEvent(Base):
    """Append-only record of who did what. Never holds note text or anything about a person."""

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_action_at", "action", "at"),)

    id: Mapped[int] = mapped_column(AuditId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_username: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(48))
    target_type: Mapped[str | None] = mapped_column(String(24))
    target: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16), default="ok")
    detail: Mapped[str | None] = mapped_column(String(255))


class SafetyPlanStep(Base):
    """One change to one step of a client's safety plan (a step of the leaving guidance, by its stable code).

    Rows are only ever added: the latest row per step is whether it is in place now, and the earlier rows are
    the history the client's timeline shows, with who changed it and when.
    """

    __tablename__ = "safety_plan_steps"
    __table_args__ = (Index("ix_safety_plan_steps_client_changed", "client_id", "changed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    step_code: Mapped[str] = mapped_column(String(80))
    in_place: Mapped[bool] = mapped_column(Boolean)
    guidance_version: Mapped[int] = mapped_column(Integer)
    changed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    changed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class ClientClosure(Base):
    """One closing of a client's file, kept when the file is reopened: the closings counted in the trends.

    `reopened_on` is set when the file is opened again; the closing still happened and is still counted.
    """

    __tablename__ = "client_closures"
    __table_args__ = (Index("ix_client_closures_closed_on", "closed_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    advocate_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    closed_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(32))
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reopened_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class AttentionReview(Base):
    """A supervisor marked a client's needs-attention entry reviewed, with a short note.

    `basis` is what put the client on the list when it was reviewed (the latest check-in's seq and the due date
    it was overdue from); the entry returns as soon as the basis changes. The note is screened like a check-in
    note and stored encrypted the same way; the audit row says only that a review happened.
    """

    __tablename__ = "attention_reviews"
    __table_args__ = (Index("ix_attention_reviews_client_reviewed", "client_id", "reviewed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    basis: Mapped[str] = mapped_column(String(128))
    note: Mapped[str] = mapped_column(Text, default="")


class ReleasedFigures(Base):
    """The figures of a quarter's or fiscal year's report as first released (models/services/releases.py).

    `cells` holds the already-suppressed figures (no client codes, nothing below the threshold). One row per
    period, whatever the threshold: `k` is the one it was released with, and a later change of
    WAYPOINT_SUPPRESSION_MIN applies to periods not yet released (two releases of one period at two thresholds
    hide different cells, and could be subtracted).
    """

    __tablename__ = "released_figures"
    __table_args__ = (UniqueConstraint("period_kind", "period_start", name="uq_released_figures_period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period_kind: Mapped[str] = mapped_column(String(16))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    k: Mapped[int] = mapped_column(Integer)
    zone: Mapped[str] = mapped_column(String(64))
    released_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    released_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cells: Mapped[list] = mapped_column(JSON)


class TrendDay(Base):
    """One day's trend figures for one cell, over all clients: what the supervisors' trends read instead of every
    check-in (models/services/trend_summary.py keeps them in step with every write, in the same transaction).

    `day` is a local day in the zone of `TrendSummaryState`. `kind` and `code` name the cell: "check_ins" and
    "safety" (code ""), "version" (code: the checklist version), "item" (an observed item's code), "concern" (a
    level), "contact" (a contact mode), "referral" (a resource's code) and "referrals" (code "": any resource).
    `n` counts check-ins (item rows, offers), `clients` the distinct clients that day; for referrals `n2` and
    `clients2` count those taken up.
    A day's distinct clients is exact; a period's is not their sum, which is why trends also keep
    `TrendClientSpan` and look at the records where a figure is small.
    """

    __tablename__ = "trend_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    code: Mapped[str] = mapped_column(String(80), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0)
    clients: Mapped[int] = mapped_column(Integer, default=0)
    n2: Mapped[int] = mapped_column(Integer, default=0)
    clients2: Mapped[int] = mapped_column(Integer, default=0)


class TrendClientSpan(Base):
    """A client seen in a local week (from Monday) or calendar month: exact distinct clients per week, month or
    period of whole months, and the client's last check-in there (`last_seq`, and its `last_signs`: sign count) for
    the progress chart, which so never joins the check-ins (migration 0014)."""

    __tablename__ = "trend_client_spans"
    # Erasure and retention delete a client's spans (and the cascade finds them): without it each delete scanned
    # every span (290-340 ms per client at 1M check-ins, 65-125 ms with it).
    __table_args__ = (Index("ix_trend_client_spans_client_id", "client_id"),)

    unit: Mapped[str] = mapped_column(String(5), primary_key=True)  # "week" or "month"
    start: Mapped[date] = mapped_column(Date, primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), primary_key=True)
    check_ins: Mapped[int] = mapped_column(Integer, default=0)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_signs: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class TrendSummaryState(Base):
    """Whether the trend summaries exist and in which time zone their days are cut (one row, id 1). No row: not
    built yet, so writes leave them alone and trends read the records."""

    __tablename__ = "trend_summary_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    zone: Mapped[str] = mapped_column(String(64))
    built_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


# --------------------------------------------------------------------------- the audit log is append-only

# The one permitted change to written audit rows: erasure and retention blank the code of a client that no longer
# exists (models/services/retention.py sets this flag on its own session for that single statement, nothing else does).
AUDIT_SCRUB_FLAG = "waypoint_audit_scrub"


class AuditAppendOnly(RuntimeError):
    """Something tried to change or remove a written audit row. Always a programming error, never user input."""

    def __init__(self) -> None:
        super().__init__("The audit log is append-only: its rows are never changed or removed.")


@event.listens_for(AuditEvent, "before_update")
def _audit_rows_never_change(_mapper: object, _connection: object, _target: AuditEvent) -> None:
    raise AuditAppendOnly()


@event.listens_for(AuditEvent, "before_delete")
def _audit_rows_never_go(_mapper: object, _connection: object, _target: AuditEvent) -> None:
    raise AuditAppendOnly()


@event.listens_for(Session, "do_orm_execute")
def _no_bulk_audit_changes(state: object) -> None:
    """Bulk UPDATE and DELETE statements on the audit table skip the mapper events above, so they stop here;
    only the retention service's scrub of erased client codes (flagged on its session) gets through."""
    if not (state.is_update or state.is_delete):  # type: ignore[attr-defined]
        return
    table = getattr(state.statement, "table", None)  # type: ignore[attr-defined]
    if getattr(table, "name", None) != AuditEvent.__tablename__:
        return
    if state.is_update and state.session.info.get(AUDIT_SCRUB_FLAG):  # type: ignore[attr-defined]
        return
    raise AuditAppendOnly()
