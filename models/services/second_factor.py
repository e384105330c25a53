"""A second factor: codes from an authenticator app (TOTP, RFC 6238), with ten one-time recovery codes.

Why an authenticator app: it needs no phone network and no e-mail service, so an agency runs it with nothing
outside Waypoint, and a code read off a phone in a shelter office works the same as one at home.

How sign-in goes with it (models/services/auth.py): a right password for someone who has a second factor, or who
must have one (WAYPOINT_MFA_REQUIRED names the roles), opens no session. It opens a *challenge*: a random token
whose hash is stored with the account, a purpose ("code": type a code; "enrol": set one up now), a five-minute
life and a count of wrong codes. A challenge carries no rights at all; only `complete` turns it into a session,
so nothing in the app can act on half a sign-in.

Decisions worth knowing:
- Codes are accepted one 30-second step either side of the server's clock, and each step at most once
  (`last_step`), so a code seen over someone's shoulder cannot be used again.
- A wrong code counts toward the same per-address and per-account delays as a wrong password (auth.py), and
  five wrong codes end the challenge: the password is needed again.
- The secret is encrypted with the note key (models/store/note_cipher.py), like notes; rotating the note key
  rewrites it too. Recovery codes are stored as SHA-256 (they are random, about 49 bits each).
- An admin's reset removes the factor and the recovery codes and ends the person's sessions; a person who must
  have one enrols again at their next sign-in. It is audited, and shown on the Sign-ins page.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import NoReturn

import pyotp
import segno
from sqlalchemy import delete, func, select, update

from models.base.errors import ValidationFailed
from models.base.i18n import N_, _
from models.base.inputs import row_id, storable
from models.base.settings import Settings
from models.base.timeutil import utcnow
from models.rules.permissions import Actor, Permission, require
from models.services import audit, auth, liveness
from models.store.database import Database
from models.store.entities import AuditEvent, RecoveryCode, SecondFactor, SignInChallenge, User

ISSUER = "Waypoint"
MAX_WRONG_CODES = 5
RECOVERY_CODES = 10
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/i/l: copied from paper
RECOVERY_LENGTH = 10  # 31**10: about 49 bits
# What a person is told: catalog texts, translated with _() where they are raised (the constants stay English for
# comparisons; a page compares with _(CHALLENGE_ENDED)).
CODE_FAILED = N_("That code did not work. Use the newest code in your authenticator app (each code works once), "
                 "or one of your recovery codes.")
CHALLENGE_ENDED = N_("That sign-in has expired or ended. Sign in again with your password.")
ENROL_FAILED = N_("That code does not match. Check that the app shows a code for Waypoint, that your phone's clock "
                  "is set automatically, and type the newest code.")
NOT_ENROLLING = N_("Start setting up the authenticator app again: that setup is no longer open.")
NO_FACTOR = N_("You have no authenticator app set up.")
RENEW_FAILED = N_("That code did not work. Type the newest code your authenticator app shows (each code works "
                  "once). Five wrong codes sign you out.")
NO_SUCH_ACCOUNT = N_("No such account.")
WRONG_CODES_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class Enrolment:
    secret: str  # as the person types it into an app, in groups of four
    uri: str  # otpauth:// for the QR code
    qr_svg: str  # drawn here, never by a web service


@dataclass(frozen=True)
class FactorStatus:
    enrolled_at: datetime | None
    recovery_codes_left: int


def _totp(secret: str) -> pyotp.TOTP:
    return pyotp.TOTP(secret)


def _clean_code(code: object) -> str | None:
    """Six digits, whatever spaces the person typed; None for anything else."""
    if not isinstance(code, str) or len(code) > 32:
        return None
    digits = "".join(ch for ch in code if ch not in " -\t")
    return digits if len(digits) == 6 and digits.isascii() and digits.isdigit() else None


def _recovery_hash(code: object) -> str | None:
    if not isinstance(code, str) or len(code) > 64:
        return None
    cleaned = "".join(ch for ch in code.lower() if ch not in " -\t")
    if len(cleaned) != RECOVERY_LENGTH or any(ch not in RECOVERY_ALPHABET for ch in cleaned):
        return None
    return hashlib.sha256(("recovery|" + cleaned).encode()).hexdigest()


def _matching_step(secret: str, code: str, now: datetime, last_step: int | None) -> int | None:
    """The time step this code belongs to (now, or one step either side), unless it was used already."""
    totp = _totp(secret)
    current = totp.timecode(now.replace(tzinfo=UTC))
    for step in (current, current - 1, current + 1):
        if last_step is not None and step <= last_step:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_codes() -> list[str]:
    codes = []
    for _unused in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(RECOVERY_ALPHABET) for _unused2 in range(RECOVERY_LENGTH))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def _store_recovery_codes(s, user_id: int) -> list[str]:  # type: ignore[no-untyped-def]
    s.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = new_recovery_codes()
    for code in codes:
        hashed = _recovery_hash(code)
        assert hashed is not None
        s.add(RecoveryCode(user_id=user_id, code_hash=hashed))
    return codes


def _enrolment(secret: str, username: str) -> Enrolment:
    uri = _totp(secret).provisioning_uri(name=username, issuer_name=ISSUER)
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=5, border=4, xmldecl=False, svgns=True,
                                    title=_("QR code to scan with an authenticator app"))
    shown = " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))
    return Enrolment(shown, uri, buffer.getvalue().decode("utf-8"))


def _live_challenge(s, token: object, now: datetime, *, lock: bool = False) -> SignInChallenge | None:  # type: ignore[no-untyped-def]
    if not isinstance(token, str) or not token or len(token) > 128 or not storable(token):
        return None
    query = select(SignInChallenge).where(SignInChallenge.token_hash == auth.token_hash(token))
    if lock:
        query = query.with_for_update()
    row = s.scalars(query).one_or_none()
    if row is None or row.used_at is not None or row.expires_at <= now:
        return None
    return row


def enrolment_for(db: Database, token: str) -> Enrolment:
    """The secret to set up, for someone who must enrol before their first session. Asking again shows the same
    secret (a page reload must not invalidate the QR code the person just scanned)."""
    now = utcnow()
    with db.writing() as s:
        challenge = _live_challenge(s, token, now, lock=True)
        if challenge is None or challenge.purpose != "enrol":
            raise ValidationFailed({"code": _(CHALLENGE_ENDED)})
        user = s.get(User, challenge.user_id)
        assert user is not None
        factor = s.get(SecondFactor, user.id)
        if factor is None:
            secret = pyotp.random_base32()
            s.add(SecondFactor(user_id=user.id, secret=db.notes.encrypt(secret), created_at=now))
        elif factor.enrolled_at is None:
            secret = db.notes.decrypt(factor.secret)
        else:  # enrolled on another tab meanwhile: a code is what is needed now
            raise ValidationFailed({"code": _(CHALLENGE_ENDED)})
        return _enrolment(secret, user.username)


@dataclass(frozen=True)
class Completed:
    signed_in: auth.SignedIn
    recovery_codes: list[str]  # only right after enrolment: shown once, never stored in the clear
    recovery_codes_left: int | None  # after signing in with a recovery code


def complete(db: Database, settings: Settings, token: str, code: str, address: str | None = None) -> Completed:
    """The second step: a code from the app (or, for purpose "code", a recovery code). Right: the session opens.
    Wrong: ValidationFailed keyed "code", counted like a wrong password; an ended challenge says so."""
    now = utcnow()
    with db.reading() as s:
        challenge = _live_challenge(s, token, now)
        user_id = challenge.user_id if challenge is not None else None
        keys = auth._keys(address, user_id)
        paused = auth._pause(settings, auth._throttle_rows(s, keys), keys, now)
    if challenge is None:
        raise ValidationFailed({"code": _(CHALLENGE_ENDED)})
    if paused is not None:  # wrong codes count like wrong passwords, and wait like them
        raise ValidationFailed({"code": _(auth.SIGN_IN_PAUSED).format(wait=auth.wait_in_words(paused))})
    totp_code = _clean_code(code)
    recovery = _recovery_hash(code) if totp_code is None else None
    with db.writing() as s:
        challenge = _live_challenge(s, token, now, lock=True)
        if challenge is None:
            raise ValidationFailed({"code": _(CHALLENGE_ENDED)})
        user = s.scalars(select(User).where(User.id == challenge.user_id).with_for_update()).one()
        factor = s.get(SecondFactor, user.id)
        if not user.active or user.pending_since is not None:
            challenge.used_at = now
            outcome: str | None = CHALLENGE_ENDED
        else:
            outcome = None
        step = None
        used_recovery: RecoveryCode | None = None
        if outcome is None and factor is not None and totp_code is not None:
            enrolling = challenge.purpose == "enrol"
            if enrolling == (factor.enrolled_at is None):
                step = _matching_step(db.notes.decrypt(factor.secret), totp_code, now, factor.last_step)
        elif outcome is None and recovery is not None and challenge.purpose == "code":
            used_recovery = s.scalars(select(RecoveryCode).where(
                RecoveryCode.user_id == user.id, RecoveryCode.code_hash == recovery,
                RecoveryCode.used_at.is_(None)).with_for_update()).one_or_none()
        if outcome is None and step is None and used_recovery is None:
            challenge.failures += 1
            if challenge.failures >= MAX_WRONG_CODES:
                challenge.used_at = now
            auth._count_failure(s, settings, keys, now, user)
            audit.record(s, None, "second_factor_failed", username=user.username, outcome="failed",
                         target_type="user", target=str(user.id),
                         detail=f"wrong code {challenge.failures} of {MAX_WRONG_CODES}", live=False)
            outcome = CHALLENGE_ENDED if challenge.used_at is not None else (
                ENROL_FAILED if challenge.purpose == "enrol" else CODE_FAILED)
        if outcome is not None:
            failed_with = outcome
        else:
            failed_with = None
            assert factor is not None
            challenge.used_at = now
            codes: list[str] = []
            left = None
            if step is not None:
                factor.last_step = step
                if factor.enrolled_at is None:
                    factor.enrolled_at = now
                    codes = _store_recovery_codes(s, user.id)
                    audit.record(s, None, "second_factor_enrolled", username=user.username, target_type="user",
                                 target=str(user.id), live=False)
            else:
                assert used_recovery is not None
                used_recovery.used_at = now
                left = s.scalar(select(func.count()).select_from(RecoveryCode).where(
                    RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0
                audit.record(s, None, "recovery_code_used", username=user.username, target_type="user",
                             target=str(user.id), detail=f"{left} left", live=False)
            signed = auth._open_session(s, settings, keys, user, now)
    if failed_with is not None:
        raise ValidationFailed({"code": _(failed_with)})
    return Completed(signed, codes, left)


# --- for someone signed in ---------------------------------------------------------------------------------


def status(db: Database, actor: Actor) -> FactorStatus:
    """The acting person's own second factor."""
    with db.reading() as s:
        liveness.check(s, actor)
        factor = s.get(SecondFactor, actor.user_id)
        left = s.scalar(select(func.count()).select_from(RecoveryCode).where(
            RecoveryCode.user_id == actor.user_id, RecoveryCode.used_at.is_(None))) or 0
        return FactorStatus(factor.enrolled_at if factor is not None else None, left)


def statuses(db: Database, actor: Actor) -> dict[int, FactorStatus]:
    """Every account's second-factor state, for the Accounts page (admins)."""
    require(actor, Permission.MANAGE_ACCOUNTS)
    with db.reading() as s:
        liveness.check(s, actor)
        left = {user_id: count for user_id, count in s.execute(
            select(RecoveryCode.user_id, func.count()).where(RecoveryCode.used_at.is_(None))
            .group_by(RecoveryCode.user_id))}
        return {f.user_id: FactorStatus(f.enrolled_at, left.get(f.user_id, 0))
                for f in s.scalars(select(SecondFactor).where(SecondFactor.enrolled_at.is_not(None)))}


def begin_own(db: Database, actor: Actor, password: str) -> Enrolment:
    """Set up an app while signed in (optional for some roles), after the current password again: someone at an
    unattended tab must not be able to tie the account to their own phone. Replaces an unconfirmed secret; refuses
    while one is active (an admin resets it)."""
    now = utcnow()
    with db.reading() as s:
        liveness.check(s, actor)
        stored = s.scalar(select(User.password_hash).where(User.id == actor.user_id))
    if not (isinstance(password, str) and stored and auth.verify_password(stored, password)):
        _wrong_code_signed_in(db, actor, now, field="password",
                              message=_("That is not your current password. Five wrong tries sign you out."))
    with db.writing() as s:
        liveness.check(s, actor)
        factor = s.get(SecondFactor, actor.user_id)
        if factor is not None and factor.enrolled_at is not None:
            raise ValidationFailed({"code": _("You already have an authenticator app set up.")})
        secret = pyotp.random_base32()
        if factor is None:
            s.add(SecondFactor(user_id=actor.user_id, secret=db.notes.encrypt(secret), created_at=utcnow()))
        else:
            factor.secret = db.notes.encrypt(secret)
            factor.created_at = utcnow()
        return _enrolment(secret, actor.username)


def confirm_own(db: Database, settings: Settings, actor: Actor, code: str) -> list[str]:
    """Finish setting up with a first code; returns the recovery codes, shown once."""
    now = utcnow()
    totp_code = _clean_code(code)
    with db.writing() as s:
        liveness.check(s, actor)
        factor = s.scalars(select(SecondFactor).where(SecondFactor.user_id == actor.user_id)
                           .with_for_update()).one_or_none()
        if factor is None or factor.enrolled_at is not None:
            raise ValidationFailed({"code": _(NOT_ENROLLING)})
        step = _matching_step(db.notes.decrypt(factor.secret), totp_code, now, None) if totp_code else None
        if step is None:
            raise ValidationFailed({"code": _(ENROL_FAILED)})
        factor.enrolled_at = now
        factor.last_step = step
        codes = _store_recovery_codes(s, actor.user_id)
        audit.record(s, actor, "second_factor_enrolled", target_type="user", target=str(actor.user_id))
    return codes


def renew_recovery_codes(db: Database, actor: Actor, code: str) -> list[str]:
    """Ten new recovery codes (the old ones stop working), after a current code from the app."""
    now = utcnow()
    totp_code = _clean_code(code)
    with db.writing() as s:
        liveness.check(s, actor)
        factor = s.scalars(select(SecondFactor).where(SecondFactor.user_id == actor.user_id)
                           .with_for_update()).one_or_none()
        if factor is None or factor.enrolled_at is None:
            raise ValidationFailed({"code": _(NO_FACTOR)})
        step = (_matching_step(db.notes.decrypt(factor.secret), totp_code, now, factor.last_step)
                if totp_code else None)
        if step is None:
            wrong = True
        else:
            wrong = False
            factor.last_step = step
            codes = _store_recovery_codes(s, actor.user_id)
            audit.record(s, actor, "recovery_codes_renewed", target_type="user", target=str(actor.user_id))
    if wrong:
        _wrong_code_signed_in(db, actor, now)
    return codes


SIGNED_IN_WRONG = ("wrong code, signed in", "wrong password at two-step set-up")


def _wrong_code_signed_in(db: Database, actor: Actor, now: datetime, *, field: str = "code",
                          message: str = "") -> NoReturn:
    """A wrong code from someone signed in (renewing recovery codes): audited, and the fifth within a quarter of
    an hour ends every session of the account, as wrong current passwords do: someone at an unattended tab must
    not be able to guess their way to fresh recovery codes."""
    with db.writing() as s:
        # A wrong password at set-up is logged as one ("Wrong current password"), not as a wrong code.
        action, detail = (("password_change_failed", SIGNED_IN_WRONG[1]) if field == "password"
                          else ("second_factor_failed", SIGNED_IN_WRONG[0]))
        audit.record(s, actor, action, outcome="failed", target_type="user", target=str(actor.user_id),
                     detail=detail)
        recent = s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action.in_(("second_factor_failed", "password_change_failed")),
            AuditEvent.target == str(actor.user_id), AuditEvent.detail.in_(SIGNED_IN_WRONG),
            AuditEvent.at >= now - WRONG_CODES_WINDOW)) or 0
        if recent >= MAX_WRONG_CODES:
            liveness.end_all(s, actor.user_id, "wrong_codes")
            audit.record(s, actor, "sessions_ended", target_type="user", target=str(actor.user_id),
                         detail="too many wrong codes", live=False)
    if recent >= MAX_WRONG_CODES:
        raise liveness.SessionEnded("wrong_codes")
    raise ValidationFailed({field: message or _(RENEW_FAILED)})


def _remove(s, user: User) -> bool:  # type: ignore[no-untyped-def]
    removed = s.execute(delete(SecondFactor).where(SecondFactor.user_id == user.id)).rowcount
    s.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    s.execute(update(SignInChallenge).where(SignInChallenge.user_id == user.id,
                                            SignInChallenge.used_at.is_(None)).values(used_at=utcnow()))
    liveness.end_all(s, user.id, "second_factor_reset")
    return bool(removed)


def reset(db: Database, actor: Actor, user_id: object) -> None:
    """An admin removes someone's second factor (a lost phone): their sessions end, and if their role must have
    one they set it up again at their next sign-in."""
    require(actor, Permission.MANAGE_ACCOUNTS)
    uid = row_id(user_id)
    with db.writing() as s:
        user = s.get(User, uid) if uid is not None else None
        if user is None:
            raise ValidationFailed({"user": _(NO_SUCH_ACCOUNT)})
        if user.id == actor.user_id:
            raise ValidationFailed({"user": _("Another admin resets your own two-step sign-in.")})
        removed = _remove(s, user)
        audit.record(s, actor, "second_factor_reset", target_type="user", target=str(user.id),
                     detail="removed" if removed else "none was set up")


def reset_at_command_line(db: Database, username: str) -> bool:
    """The server's command line (its shell already holds the database and the key): immediate, audited, for
    the last admin who lost their phone. True when a second factor was removed."""
    name = username.strip().lower() if isinstance(username, str) else ""
    with db.writing() as s:
        user = (s.scalars(select(User).where(User.username == name)).one_or_none()
                if name and storable(name) else None)
        if user is None:
            raise ValidationFailed({"username": _(NO_SUCH_ACCOUNT)})
        removed = _remove(s, user)
        audit.record(s, None, "second_factor_reset", username=user.username, target_type="user",
                     target=str(user.id), detail="at the command line" + ("" if removed else "; none was set up"))
        return removed

