"""Sign-in with the agency's own identity provider (OpenID Connect: Microsoft Entra ID, Google Workspace, Okta...).

The web app's sign-in button (st.login, dashboard/) checks the provider's signed identity token (issuer, audience,
expiry, nonce) and hands over its claims; this module decides what those claims may open. Roles stay in Waypoint:

- An identity opens an account only through a link an admin made (`link`), by the person's e-mail address at the
  provider or by the provider's subject id; for an account that reads records (advocate, supervisor) the link
  works only once a supervisor other than the person confirms it, for the account's present role (the rule for
  making such accounts: no one admin can open one and use it). An identity with no link gets one plain
  sentence and nothing else: no account is ever made from an identity.
- A link by e-mail is used only when the provider says the address is verified; the first such sign-in pins the
  subject (issuer and `sub`, which never change), and from then on only that subject opens the account.
- Each identity token opens at most one session, and only while it is fresh (FRESH_FOR after it was issued):
  the web app keeps the identity in a cookie for weeks, and a Waypoint session that ended (idle, signed out, ended
  by an admin) must not reopen from it without the person signing in at the provider again.
- Everything else is the password sign-in's: the account must be active and not waiting for a supervisor, the
  second factor applies by role (auth.SecondStepNeeded), the session has the same idle and absolute limits, and
  every outcome is audited (without the e-mail address or subject of an identity that has no account).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select

from models.base.errors import ValidationFailed
from models.base.i18n import N_, _
from models.base.inputs import row_id, storable
from models.base.settings import Settings
from models.base.timeutil import utcnow
from models.rules.permissions import Actor, Permission, reads_records, require
from models.services import audit, auth, liveness
from models.store.database import Database
from models.store.entities import IdentityLink, User

FRESH_FOR = timedelta(minutes=5)
CLOCK_SKEW = timedelta(minutes=2)
# What a person is told: catalog texts, translated with _() when raised (IdentityRefused carries the translation; a
# page compares it with _(SIGN_IN_AGAIN)).
NOT_LINKED = N_("Your organisation's account is not linked to a Waypoint account. Ask a Waypoint administrator "
                "to link it; nothing else is needed from you.")
UNVERIFIED = N_("Your organisation's sign-in did not confirm your e-mail address, so it cannot be matched to a "
                "Waypoint account. Ask your IT team to confirm the address there, then sign in again.")
SIGN_IN_AGAIN = N_("Sign in with your organisation's account again to go on.")
CANNOT_SIGN_IN = N_("This Waypoint account cannot sign in now. Ask a Waypoint administrator.")
LINK_WAITING = N_("The link between your organisation's account and Waypoint waits for a supervisor to confirm "
                  "it. Ask a Waypoint supervisor.")
UNREADABLE = N_("Your organisation's sign-in did not say who you are. Try again, or ask your IT team.")
NO_SUCH_ACCOUNT = N_("No such account.")


class IdentityRefused(Exception):
    """One plain sentence for the person; nothing was opened."""


@dataclass(frozen=True)
class Identity:
    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    issued_at: datetime | None

    @property
    def key(self) -> str:
        return f"{self.issuer} {self.subject}"


def _text(value: object, limit: int) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value if 0 < len(value) <= limit and storable(value) else None


def from_claims(claims: Mapping[str, object]) -> Identity | None:
    """The identity in a provider's token claims (st.user), or None when it lacks an issuer or a subject."""
    issuer, subject = _text(claims.get("iss"), 255), _text(claims.get("sub"), 255)
    if issuer is None or subject is None:
        return None
    email = _text(claims.get("email"), 254)
    verified = claims.get("email_verified")
    # Some providers send "true" as a string; anything else is not a verification.
    verified_ok = verified is True or (isinstance(verified, str) and verified.lower() == "true")
    issued = claims.get("iat")
    issued_at = None
    if isinstance(issued, int | float) and not isinstance(issued, bool) and 0 < issued < 2**33:
        issued_at = datetime.fromtimestamp(issued, UTC).replace(tzinfo=None)
    return Identity(issuer, subject, email.lower() if email else None, verified_ok, issued_at)


def sign_in(db: Database, settings: Settings, identity: Identity | None, address: str | None = None) -> auth.SignedIn:
    """A session for the account linked to this identity, or IdentityRefused (or auth.SecondStepNeeded)."""
    if identity is None:
        raise IdentityRefused(_(UNREADABLE))
    now = utcnow()
    if identity.issued_at is None or not (now - FRESH_FOR <= identity.issued_at <= now + CLOCK_SKEW):
        raise IdentityRefused(_(SIGN_IN_AGAIN))
    step = None
    with db.writing() as s:
        link = s.scalars(select(IdentityLink).where(IdentityLink.subject == identity.key)
                         .with_for_update()).one_or_none()
        by_email = False
        if link is None and identity.email is not None:
            link = s.scalars(select(IdentityLink).where(IdentityLink.email == identity.email,
                                                        IdentityLink.subject.is_(None))
                             .with_for_update()).one_or_none()
            by_email = link is not None
        user = s.get(User, link.user_id) if link is not None else None
        keys = auth._keys(address, user.id if user is not None else None)
        refusal = None
        if user is None or link is None:
            audit.record(s, None, "identity_sign_in_failed", outcome="failed", detail="no linked account")
            auth._count_failure(s, settings, keys, now, None)
            refusal = NOT_LINKED
        elif by_email and not identity.email_verified:
            audit.record(s, None, "identity_sign_in_failed", username=user.username, outcome="failed",
                         detail="e-mail not verified", target_type="user", target=str(user.id))
            refusal = UNVERIFIED
        elif link.last_issued_at is not None and identity.issued_at <= link.last_issued_at:
            refusal = SIGN_IN_AGAIN  # this token already opened a session: not a failure, nothing to audit
        elif not user.active or user.pending_since is not None:
            audit.record(s, None, "identity_sign_in_failed", username=user.username, outcome="failed",
                         detail="inactive" if not user.active else "waiting for a supervisor",
                         target_type="user", target=str(user.id))
            refusal = CANNOT_SIGN_IN
        elif link.confirmed_role != user.role:
            # Made by an admin for an account that reads records and not yet confirmed by a supervisor, or
            # confirmed for another role than the account has now.
            audit.record(s, None, "identity_sign_in_failed", username=user.username, outcome="failed",
                         detail="link waiting for a supervisor", target_type="user", target=str(user.id))
            refusal = LINK_WAITING
        else:
            if by_email:
                link.subject = identity.key  # pinned: from now on only this subject opens the account
            link.last_issued_at = identity.issued_at
            step = auth._second_step(s, settings, user, now, after="organisation sign-in")
            if step is None:
                signed = auth._open_session(s, settings, keys, user, now, detail="identity provider")
    if refusal is not None:
        raise IdentityRefused(_(refusal))
    if step is not None:
        raise auth.SecondStepNeeded(step)
    return signed


@dataclass(frozen=True)
class LinkView:
    email: str | None
    pinned: bool  # a subject is recorded: the link no longer depends on the e-mail address
    waiting: bool = False  # for a supervisor's confirmation (or a new one, after a role change)


def links(db: Database, actor: Actor) -> dict[int, LinkView]:
    """Every account's link, for the Accounts page."""
    require(actor, Permission.MANAGE_ACCOUNTS)
    with db.reading() as s:
        liveness.check(s, actor)
        return {link.user_id: LinkView(link.email, link.subject is not None, link.confirmed_role != user.role)
                for link, user in s.execute(select(IdentityLink, User).join(User, User.id == IdentityLink.user_id))}


def link(db: Database, actor: Actor, user_id: object, *, email: str = "", subject: str = "",
         issuer: str = "") -> bool:
    """Link an account to an identity by e-mail address (verified by the provider at sign-in) or by subject id
    (with the provider's issuer). Replaces an earlier link of the same account; refuses one that another account
    holds. True when the link waits for a supervisor (the account reads records)."""
    require(actor, Permission.MANAGE_ACCOUNTS)
    uid = row_id(user_id)
    errors: dict[str, str] = {}
    mail = _text(email, 254) if isinstance(email, str) and email.strip() else None
    if mail is not None and ("@" not in mail or " " in mail or mail.startswith("@") or mail.endswith("@")):
        errors["email"] = _("Type the e-mail address the person signs in with at your organisation, like "
                            "ana@example.org.")
    sub = _text(subject, 255) if isinstance(subject, str) and subject.strip() else None
    iss = _text(issuer, 255) if isinstance(issuer, str) and issuer.strip() else None
    if isinstance(email, str) and email.strip() and mail is None:
        errors["email"] = _("That e-mail address is too long or has characters an address cannot have.")
    if sub is not None and iss is None:
        errors["subject"] = _("A subject id needs the provider's issuer too (the `iss` of its tokens).")
    if mail is None and sub is None and not errors:
        errors["email"] = _("Give the person's e-mail address at your organisation, or their subject id.")
    if errors:
        raise ValidationFailed(errors)
    with db.writing() as s:
        user = s.get(User, uid) if uid is not None else None
        if user is None:
            raise ValidationFailed({"user": _(NO_SUCH_ACCOUNT)})
        key = f"{iss} {sub}" if sub is not None else None
        taken = s.scalars(select(IdentityLink).where(
            IdentityLink.user_id != user.id,
            (IdentityLink.email == mail.lower()) if mail is not None else (IdentityLink.subject == key),
        )).first()
        if taken is not None:
            raise ValidationFailed({"email" if mail is not None else "subject":
                                    _("Another Waypoint account is already linked to that identity.")})
        s.execute(delete(IdentityLink).where(IdentityLink.user_id == user.id))
        # The same rule as making an account: one admin alone never opens an account that reads records. Such a
        # link works only once a supervisor other than the person confirms it (confirm_link).
        waits = reads_records(user.role)
        s.add(IdentityLink(user_id=user.id, email=mail.lower() if mail is not None else None, subject=key,
                           linked_at=utcnow(), confirmed_role=None if waits else user.role,
                           requested_by=actor.user_id))
        audit.record(s, actor, "identity_linked", target_type="user", target=str(user.id),
                     detail=("by e-mail" if mail is not None else "by subject")
                     + ("; waits for a supervisor" if waits else ""))
    return waits


@dataclass(frozen=True)
class PendingLink:
    user_id: int
    username: str
    display_name: str
    role: str
    requested_by: str
    since: datetime


def pending_links(db: Database, actor: Actor) -> list[PendingLink]:
    """Links to the identity provider waiting for a supervisor (their Home page)."""
    require(actor, Permission.CONFIRM_ACCOUNTS)
    with db.reading() as s:
        liveness.check(s, actor)
        out = []
        for link, user in s.execute(select(IdentityLink, User).join(User, User.id == IdentityLink.user_id)
                                    .order_by(IdentityLink.linked_at)):
            if link.confirmed_role == user.role or not user.active:
                continue
            admin = s.get(User, link.requested_by) if link.requested_by else None
            out.append(PendingLink(user.id, user.username, user.display_name, user.role,
                                   admin.display_name if admin else _("an administrator"), link.linked_at))
        return out


def decide_link(db: Database, actor: Actor, user_id: object, *, confirm: bool) -> None:
    """A supervisor confirms (for the account's present role) or declines (removes) a waiting link; never their
    own."""
    require(actor, Permission.CONFIRM_ACCOUNTS)
    uid = row_id(user_id)
    with db.writing() as s:
        liveness.check(s, actor)
        link = s.get(IdentityLink, uid) if uid is not None else None
        user = s.get(User, uid) if uid is not None else None
        if link is None or user is None or link.confirmed_role == user.role:
            raise ValidationFailed({"user": _("That link is not waiting any more.")})
        if user.id == actor.user_id:
            raise ValidationFailed({"user": _("Another supervisor confirms a link to your own account.")})
        if confirm:
            link.confirmed_role = user.role
            audit.record(s, actor, "identity_link_confirmed", target_type="user", target=str(user.id))
        else:
            s.delete(link)
            audit.record(s, actor, "identity_link_declined", target_type="user", target=str(user.id))


def unlink(db: Database, actor: Actor, user_id: object) -> None:
    require(actor, Permission.MANAGE_ACCOUNTS)
    uid = row_id(user_id)
    with db.writing() as s:
        removed = s.execute(delete(IdentityLink).where(IdentityLink.user_id == uid)).rowcount if uid else 0
        if not removed:
            raise ValidationFailed({"user": _("That account has no link to remove.")})
        audit.record(s, actor, "identity_unlinked", target_type="user", target=str(uid))
