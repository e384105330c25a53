"""Sign-in, throttling and server-side sessions.

The browser holds a random token; the database holds only its SHA-256, so a copy of the table
cannot be replayed. Idle and absolute limits are checked on every request against the database,
so they hold across app instances and restarts.

Throttling (NIST SP 800-63B, rate limiting): failed sign-ins are counted in the database, so every instance
sees them, under three keys: the source address (any username, unknown ones included), the account together
with the address, and the account alone. Past a free allowance a key gets a progressive delay (2, 4, 8 ... s, at
most WAYPOINT_LOCKOUT_MINUTES); an attempt made before the delay has passed is refused with SignInPaused (it says
so, and for how long; an unknown username is counted under a bucket of its hash and paused alike, so the pause
reveals no account), without checking the password (so a flood costs no argon2 work and never queues real sign-ins
behind the process-wide lock), after a pause as long as a check takes. Nothing locks the account itself:
- failures from an attacker's address delay that address only (per address, and per account and address);
- an address a person has signed in from before is "known" for them: failures elsewhere never slow it, and
  neither does its address-wide count (one office behind one address is not held up by one stranger's flood);
- the account alone is a ceiling (ACCOUNT_CEILING consecutive failures, NIST's limit of 100): past it, an
  address that is not known for the account gets one free attempt instead of LOCKOUT_ATTEMPTS before its own
  delays begin. A person on a new device is slowed after a wrong password, never shut out.
Counts start again after a day without failures; a success clears its account-and-address count.
The change-password lock (models/services/account_admin.py) is different: only a signed-in person can reach it.

An advocate or supervisor account that an admin made or reset has no usable password (NO_PASSWORD) and cannot sign
in while it waits for a supervisor (models/services/account_review.py). Once confirmed, the person signs in for the
first time with the one-time setup code the supervisor passed on and chooses their password (set_up_password):
the code is counted under the same throttle keys as a password, and refused with the same message.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from models.base import i18n
from models.base.errors import ValidationFailed
from models.base.i18n import N_, _, ngettext
from models.base.inputs import storable
from models.base.settings import Settings
from models.base.timeutil import utcnow
from models.rules import passwords
from models.rules.permissions import Actor
from models.services import audit
from models.store.database import Database
from models.store.entities import AuthSession, SecondFactor, SignInChallenge, SignInThrottle, User

# argon2id with the library's defaults (RFC 9106 low-memory profile).
_hasher = PasswordHasher()
_verifying = threading.Lock()
_started = time.perf_counter()
_DUMMY_HASH = _hasher.hash("waypoint-timing-equaliser")
# A refused attempt waits about as long as a password check would have taken, but without the work or the lock.
_CHECK_SECONDS = min(max(time.perf_counter() - _started, 0.02), 0.5)
ACCOUNT_CEILING = 100  # consecutive failures on one account, from anywhere, before unknown addresses get 1 free try
FIRST_DELAY_SECONDS = 2
FORGET_AFTER = timedelta(days=1)  # a key with no failure for this long starts counting again from nothing
# What a person is told (translated with _() when raised; SIGN_IN_PAUSED's {wait} is wait_in_words()).
SIGN_IN_FAILED = N_("Those details did not work. Check them and try again, or ask an administrator.")
# TRANSLATORS: {wait} is "12 seconds" or "about 3 minutes".
SIGN_IN_PAUSED = N_("Sign-ins from here are paused for {wait} after several unsuccessful tries, so what you typed "
                    "was not checked. Wait, then try again; an administrator can clear the pause for an account.")
# An unknown username is counted under one of this many buckets of its hash (instead of an account), so it is paused
# exactly like an account would be and a pause tells nobody whether a username exists; a bucket is too coarse for
# what was typed (people type passwords into the username box) to be worked out from the table.
NAME_BUCKETS = 4096
# Stored instead of a hash when nobody has a password for the account yet: no password ever matches it.
NO_PASSWORD = "!no password"
SETUP_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read aloud or typed from a note
SETUP_CODE_LENGTH = 12  # 31**12: about 59 bits, for a code that lives 72 hours behind the sign-in throttle
SETUP_MISMATCH = N_("The two new passwords are not the same.")
# Writing last_seen on every rerun would turn each click into a write; a minute of slack is plenty.
_TOUCH_EVERY = timedelta(seconds=30)
CHALLENGE_LIFE = timedelta(minutes=5)  # from a right password to the code


@dataclass(frozen=True)
class SignedIn:
    token: str
    actor: Actor


@dataclass(frozen=True)
class SecondStep:
    """A right password that still needs a second factor (models/services/second_factor.py): a code, or setting
    one up first. The token goes to the browser and back; it grants nothing by itself."""

    token: str
    purpose: str  # "code" or "enrol"
    username: str


class SecondStepNeeded(Exception):
    """Raised by sign_in (and set_up_password) instead of opening a session."""

    def __init__(self, step: SecondStep) -> None:
        super().__init__("A code from an authenticator app is needed.")
        self.step = step


@dataclass(frozen=True)
class SessionState:
    actor: Actor
    idle_deadline: datetime
    absolute_deadline: datetime


class SignInFailed(Exception):
    """Unknown user, wrong password, locked or inactive: one message for all, so none can be told apart."""

    def __init__(self) -> None:
        super().__init__(_(SIGN_IN_FAILED))


class SignInPaused(SignInFailed):
    """A try made during a wait: nothing was checked. Says so, and for how long, so a person with the right password
    is not told it is wrong. Unknown usernames wait the same way (NAME_BUCKETS), so it reveals no account."""

    def __init__(self, seconds: float) -> None:
        Exception.__init__(self, _(SIGN_IN_PAUSED).format(wait=wait_in_words(seconds)))
        self.seconds = seconds


def wait_in_words(seconds: float) -> str:
    """A wait in words, in the reader's language, rounded up so that trying again after it works."""
    whole = max(1, int(seconds + 0.999))
    if whole < 60:
        return ngettext("{n} second", "{n} seconds", whole).format(n=i18n.number(whole))
    minutes = (whole + 59) // 60
    return ngettext("about {n} minute", "about {n} minutes", minutes).format(n=i18n.number(minutes))


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """One check at a time per process: argon2 uses every core for tens of milliseconds (4 lanes, 64 MiB), so a
    burst of sign-ins at the start of a shift would otherwise starve everyone's pages (bench/load.py: p95 0.6 s ->
    1.7 s with 50 people signing in within 30 s). Sign-ins queue here briefly instead."""
    with _verifying:
        try:
            return _hasher.verify(password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_setup_code() -> str:
    """A random one-time code in three groups of four, e.g. K7QM-3XHD-WP9A."""
    raw = "".join(secrets.choice(SETUP_CODE_ALPHABET) for _unused in range(SETUP_CODE_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, SETUP_CODE_LENGTH, 4))


def setup_code_hash(code: object) -> str | None:
    """The stored form of a typed code: case, spaces and dashes do not matter. None for anything not a code."""
    if not isinstance(code, str):
        return None
    cleaned = "".join(ch for ch in code.upper() if ch not in " -\t")
    if len(cleaned) != SETUP_CODE_LENGTH or any(ch not in SETUP_CODE_ALPHABET for ch in cleaned):
        return None
    return token_hash("setup|" + cleaned)


def usable(password_hash: str | None) -> bool:
    return isinstance(password_hash, str) and password_hash.startswith("$argon2")


def waiting(user: User) -> str | None:
    """Why this account cannot sign in with a password yet, or None."""
    if user.pending_since is not None:
        return "waiting for a supervisor"
    if user.setup_code_hash is not None:
        return "setup code not used yet"
    return None


def _actor(user: User, session_id: int | None) -> Actor:
    return Actor(user.id, user.username, user.display_name, user.role, session_id, user.must_change_password,
                 user.language)


def _key(*parts: object) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()


@dataclass(frozen=True)
class _Keys:
    address: str
    account_address: str | None
    account: str | None
    known: str | None  # the row that says this address is known for this account


def _name_bucket(name: str) -> int:
    return int.from_bytes(hashlib.sha256(("name|" + name).encode()).digest()[:4], "big") % NAME_BUCKETS


def _keys(address: str | None, user_id: int | None, name: str = "") -> _Keys:
    """The throttle keys of an attempt. An unknown (but possible) username counts under its bucket, as an account
    would under its id, so a pause looks the same whether or not the name exists."""
    where = address if isinstance(address, str) and address and storable(address) else "-"
    if user_id is None:
        if not name:
            return _Keys(_key("address", where), None, None, None)
        bucket = _name_bucket(name)
        return _Keys(_key("address", where), _key("name-address", bucket, where), _key("name", bucket), None)
    return _Keys(_key("address", where), _key("account-address", user_id, where), _key("account", user_id),
                 _key("known", user_id, where))


def _count(row: SignInThrottle | None, now: datetime) -> int:
    if row is None or row.last_failure_at is None or now - row.last_failure_at >= FORGET_AFTER:
        return 0
    return row.failures or 0


def _wait_until(row: SignInThrottle | None, free: int, settings: Settings, now: datetime) -> datetime | None:
    """When the next attempt under this key may be made, or None when it may be made now."""
    over = _count(row, now) - free
    if row is None or over < 0:
        return None
    delay = min(FIRST_DELAY_SECONDS * 2 ** min(over, 20), settings.lockout_minutes * 60)
    until = row.last_failure_at + timedelta(seconds=delay)
    return until if until > now else None


def _allowances(settings: Settings, rows: dict[str, SignInThrottle], keys: _Keys,
                now: datetime) -> list[tuple[str, int]]:
    """(key, free failures) for every key that can hold this attempt back."""
    known = keys.known is not None and keys.known in rows and rows[keys.known].known
    out = []
    if not known:  # an address-wide flood never holds up a person at an address they have used
        out.append((keys.address, settings.lockout_attempts * 4))
    if keys.account_address is not None:
        under_attack = _count(rows.get(keys.account or ""), now) >= ACCOUNT_CEILING
        out.append((keys.account_address, 1 if under_attack and not known else settings.lockout_attempts))
    return out


def _throttle_rows(s, keys: _Keys, *, create: tuple[str | None, ...] = (),  # type: ignore[no-untyped-def]
                   user_id: int | None = None) -> dict[str, SignInThrottle]:
    """The rows of these keys; with `create`, those made if missing and every row locked for update."""
    wanted = sorted(k for k in (keys.address, keys.account_address, keys.account, keys.known) if k is not None)
    lock = bool(create)
    if lock:
        # Every row exists before it is locked, so two instances counting the same new key at once queue on the
        # row instead of one failing on the primary key (PostgreSQL locks no row that is not there yet).
        insert = sqlite_insert if s.get_bind().dialect.name == "sqlite" else pg_insert
        owner = {keys.address: None, keys.account_address: user_id, keys.account: user_id, keys.known: user_id}
        s.execute(insert(SignInThrottle).values([{"key": k, "failures": 0, "known": False, "user_id": owner[k]}
                                                 for k in create if k is not None])
                  .on_conflict_do_nothing(index_elements=["key"]))
    query = select(SignInThrottle).where(SignInThrottle.key.in_(wanted)).order_by(SignInThrottle.key)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return {row.key: row for row in s.scalars(query)}


def _held_back(settings: Settings, rows: dict[str, SignInThrottle], keys: _Keys, now: datetime) -> bool:
    return _pause(settings, rows, keys, now) is not None


def _pause(settings: Settings, rows: dict[str, SignInThrottle], keys: _Keys, now: datetime) -> float | None:
    """Seconds until this attempt may be made, or None when it may be made now."""
    waits = [until for k, free in _allowances(settings, rows, keys, now)
             if (until := _wait_until(rows.get(k), free, settings, now)) is not None]
    return max(waits).timestamp() - now.timestamp() if waits else None


def account_waits(s, settings: Settings) -> dict[int, float]:  # type: ignore[no-untyped-def]
    """Accounts whose own counts hold sign-ins back now: {user id: seconds of the longest wait on one address}, 0
    when only the account-wide ceiling is reached (new addresses get one try). Address-wide waits belong to no
    account and are left out. For the admin's accounts page, through models/services/accounts.py."""
    now = utcnow()
    out: dict[int, float] = {}
    rows = s.scalars(select(SignInThrottle).where(SignInThrottle.user_id.is_not(None),
                                                  SignInThrottle.known.is_(False), SignInThrottle.failures > 0))
    by_user: dict[int, list[SignInThrottle]] = {}
    for row in rows:
        by_user.setdefault(row.user_id, []).append(row)
    for user_id, found in by_user.items():
        ceiling = _key("account", user_id)
        under_attack = any(r.key == ceiling and _count(r, now) >= ACCOUNT_CEILING for r in found)
        free = 1 if under_attack else settings.lockout_attempts
        waits = [until.timestamp() - now.timestamp() for r in found if r.key != ceiling
                 and (until := _wait_until(r, free, settings, now)) is not None]
        if waits or under_attack:
            out[user_id] = max(waits, default=0.0)
    return out


def _count_failure(s, settings: Settings, keys: _Keys, now: datetime, user: User | None) -> int:  # type: ignore[no-untyped-def]
    """Count one failure under every key; returns the account-and-address count (the address count if none)."""
    rows = _throttle_rows(s, keys, create=(keys.address, keys.account_address, keys.account),
                          user_id=user.id if user is not None else None)
    before = _held_back(settings, rows, keys, now + timedelta(seconds=1))
    for key in (keys.address, keys.account_address, keys.account):
        if key is None:
            continue
        row = rows[key]
        row.failures = _count(row, now) + 1
        row.last_failure_at = now
    if not before and _held_back(settings, rows, keys, now + timedelta(seconds=1)):
        # Said once, when delays begin, not for every refused attempt: a flood writes nothing more.
        if user is None:
            audit.record(s, None, "sign_in_throttled", outcome="failed", detail="delayed for this address")
        else:
            audit.record(s, None, "sign_in_throttled", username=user.username, outcome="failed",
                         detail="delayed for this address", target_type="user", target=str(user.id))
    # Forget what is no longer counted (an address not seen for a day), so a spread-out attack leaves no pile.
    s.execute(delete(SignInThrottle).where(SignInThrottle.known.is_(False),
                                           SignInThrottle.last_failure_at < now - FORGET_AFTER))
    return rows[keys.account_address or keys.address].failures


def _count_success(s, keys: _Keys, user_id: int) -> None:  # type: ignore[no-untyped-def]
    rows = _throttle_rows(s, keys, create=(keys.account_address, keys.known), user_id=user_id)
    s.delete(rows[keys.account_address])
    rows[keys.known].known = True


def sign_in(db: Database, settings: Settings, username: str, password: str, address: str | None = None) -> SignedIn:
    """`address` is where the attempt comes from (the web app passes the connection's address); None counts as
    one shared unknown address."""
    now = utcnow()
    name = username.strip().lower() if isinstance(username, str) else ""
    if not isinstance(password, str):
        password = ""
    # No account can have a name like this (models/services/accounts.py), and PostgreSQL refuses a NUL outright: such a
    # name is simply unknown, answered after the same work as any other.
    possible = 0 < len(name) <= 64 and storable(name)
    # argon2 is slow on purpose (tens of milliseconds), so the password is checked before the write transaction:
    # on SQLite that transaction holds the one write lock, and sign-ins at the start of a shift would queue on it
    # past the busy timeout. The decision (failure counting included) is still taken under the row lock below.
    checked_hash = None
    user_id = None
    if not settings.password_sign_in:  # the agency signs in only through its identity provider
        audit.record_now(db, None, "sign_in_failed", outcome="failed", detail="password sign-in is off")
        raise SignInFailed()
    with db.reading() as s:
        if possible:
            found = s.execute(select(User.id, User.password_hash).where(User.username == name)).one_or_none()
            if found is not None:
                user_id, checked_hash = found
        keys = _keys(address, user_id, name if possible else "")
        paused = _pause(settings, _throttle_rows(s, keys), keys, now)
    if paused is not None:
        time.sleep(_CHECK_SECONDS)  # refused after as long as a check takes, with no work and no lock
        raise SignInPaused(paused)
    # The same work for an unknown name or an account without a password (NO_PASSWORD would answer at once).
    matched = verify_password(checked_hash if usable(checked_hash) else _DUMMY_HASH, password) and usable(checked_hash)

    def matches(stored_hash: str) -> bool:
        # Changed or reset in the meantime: check against what is stored now.
        return matched if stored_hash == checked_hash else verify_password(stored_hash, password)

    step = None
    with db.writing() as s:
        user = (s.scalars(select(User).where(User.username == name).with_for_update()).one_or_none()
                if possible else None)
        if user is not None and user.id != user_id:  # renamed or made in the meantime: count it as it is now
            keys = _keys(address, user.id)
        elif user is None and user_id is not None:  # renamed or removed in the meantime: an unknown name now
            keys = _keys(address, None, name)
        if user is None:
            # Nothing typed is kept unless it is an account's username: a password typed into the username box
            # would otherwise sit in the audit log (and its CSV) for every admin to read.
            audit.record(s, None, "sign_in_failed", outcome="failed", detail="unknown user")
            _count_failure(s, settings, keys, now, None)
            failed = True
        elif user.locked_until is not None and user.locked_until > now:
            # Only the change-password lock sets this (a signed-in person guessing their current password).
            audit.record(s, None, "sign_in_failed", username=user.username, outcome="failed", detail="locked",
                         target_type="user", target=str(user.id))
            failed = True
        elif waiting(user) is not None:
            # Made or reset by an admin: nobody may sign in until a supervisor confirms and the person sets it up.
            failed = True
            _count_failure(s, settings, keys, now, user)
            audit.record(s, None, "sign_in_failed", username=user.username, outcome="failed", detail=waiting(user),
                         target_type="user", target=str(user.id))
        elif not user.active or not matches(user.password_hash):
            failed = True
            # Counted under the throttle keys, not on the account: user.failed_attempts belongs to the
            # change-password lock, which a stranger's failures must never bring nearer.
            attempt = _count_failure(s, settings, keys, now, user)
            audit.record(s, None, "sign_in_failed", username=user.username, outcome="failed",
                         detail="inactive" if not user.active else f"attempt {attempt}",
                         target_type="user", target=str(user.id))
        else:
            failed = False
            if _hasher.check_needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            step = _second_step(s, settings, user, now)
            if step is None:
                signed = _open_session(s, settings, keys, user, now)
            # With a second step still to come nothing is forgiven yet and the address is not yet "known" for the
            # account: wrong codes keep adding to this address's count, so a stolen password does not buy
            # unlimited guesses at the code (the success of the code, in second_factor.complete, clears it).
    if failed:
        raise SignInFailed()
    if step is not None:
        raise SecondStepNeeded(step)
    return signed


def _second_step(s, settings: Settings, user: User, now: datetime,  # type: ignore[no-untyped-def]
                 after: str = "password") -> SecondStep | None:
    """After a right password: the second step this person still needs, or None when the password is enough."""
    factor = s.get(SecondFactor, user.id)
    if factor is not None and factor.enrolled_at is not None:
        purpose = "code"
    elif user.role in settings.mfa_required:
        purpose = "enrol"
    else:
        return None
    token = secrets.token_urlsafe(32)
    s.add(SignInChallenge(token_hash=token_hash(token), user_id=user.id, purpose=purpose, created_at=now,
                          expires_at=now + CHALLENGE_LIFE, failures=0))
    # Challenges that ran out are of no use to anyone: forget them as new ones are made.
    s.execute(delete(SignInChallenge).where(SignInChallenge.expires_at < now - timedelta(days=1)))
    audit.record(s, None, "second_factor_asked", username=user.username, target_type="user", target=str(user.id),
                 detail=("code" if purpose == "code" else "must set up") + f" after {after}", live=False)
    return SecondStep(token, purpose, user.username)


def _open_session(s, settings: Settings, keys: _Keys, user: User, now: datetime,  # type: ignore[no-untyped-def]
                  detail: str | None = None) -> SignedIn:
    user.failed_attempts = 0
    user.locked_until = None
    user.last_login_at = now
    _count_success(s, keys, user.id)
    token = secrets.token_urlsafe(32)
    row = AuthSession(
        user_id=user.id,
        token_hash=token_hash(token),
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(hours=settings.session_hours),
    )
    s.add(row)
    s.flush()
    actor = _actor(user, row.id)
    audit.record(s, actor, "sign_in", target_type="session", target=str(row.id), detail=detail)
    return SignedIn(token, actor)


def set_up_password(db: Database, settings: Settings, username: str, code: str, new: str,
                    confirm: str | None = None, address: str | None = None) -> SignedIn:
    """First sign-in of a confirmed account: the setup code a supervisor passed on, and the person's own password.

    A wrong, used or expired code (or a name with none) is SignInFailed, counted and audited like a wrong password.
    With the right code, a password the policy refuses is ValidationFailed keyed "new" or "confirm" (the code stays
    usable). Success stores the password, spends the code and signs in.
    """
    now = utcnow()
    if not settings.password_sign_in:
        audit.record_now(db, None, "setup_failed", outcome="failed", detail="password sign-in is off")
        raise SignInFailed()
    name = username.strip().lower() if isinstance(username, str) else ""
    possible = 0 < len(name) <= 64 and storable(name)
    wanted = setup_code_hash(code)
    with db.reading() as s:
        user = s.scalars(select(User).where(User.username == name)).one_or_none() if possible else None
        keys = _keys(address, user.id if user is not None else None, name if possible else "")
        paused = _pause(settings, _throttle_rows(s, keys), keys, now)
        good = (user is not None and wanted is not None and user.setup_code_hash is not None
                and secrets.compare_digest(user.setup_code_hash, wanted) and user.active
                and user.pending_since is None and user.setup_code_expires_at is not None
                and user.setup_code_expires_at > now)
        shown = (user.username, user.display_name) if user is not None else ("", "")
    if paused is not None:
        time.sleep(_CHECK_SECONDS)
        raise SignInPaused(paused)
    if good:
        errors: dict[str, str] = {}
        weak = passwords.problem(new, username=shown[0], display_name=shown[1]) if isinstance(new, str) \
            else passwords.too_short()
        if weak:
            errors["new"] = weak
        if confirm is not None and confirm != new:
            errors["confirm"] = _(SETUP_MISMATCH)
        if errors:
            raise ValidationFailed(errors)
        new_hash = hash_password(new)  # argon2 outside the write transaction, as in sign_in
    step = None
    with db.writing() as s:
        row = s.scalars(select(User).where(User.username == name).with_for_update()).one_or_none() \
            if possible else None
        still = (good and row is not None and row.setup_code_hash == wanted and row.active
                 and row.pending_since is None and row.setup_code_expires_at is not None
                 and row.setup_code_expires_at > now)
        if not still:
            _count_failure(s, settings, keys, now, row)
            if row is None:
                audit.record(s, None, "setup_failed", outcome="failed", detail="unknown user")
            else:
                expired = (wanted is not None and row.setup_code_hash == wanted
                           and row.setup_code_expires_at is not None and row.setup_code_expires_at <= now)
                audit.record(s, None, "setup_failed", username=row.username, outcome="failed",
                             detail="code expired" if expired else "wrong or no setup code",
                             target_type="user", target=str(row.id))
            failed = True
        else:
            assert row is not None
            failed = False
            row.password_hash = new_hash
            row.must_change_password = False
            row.setup_code_hash = None
            row.setup_code_expires_at = None
            audit.record(s, None, "account_set_up", username=row.username, target_type="user", target=str(row.id),
                         detail="own password chosen with a setup code")
            step = _second_step(s, settings, row, now)
            if step is None:
                signed = _open_session(s, settings, keys, row, now)
    if failed:
        raise SignInFailed()
    if step is not None:
        raise SecondStepNeeded(step)
    return signed


def resume(db: Database, settings: Settings, token: str | None, *, touch: bool = True) -> SessionState | None:
    """The session behind a browser's token, or None when it has ended, idled out or run out of time.

    touch=False looks without counting as activity: the sidebar's timeout notice refreshes itself with it.
    """
    if not token or not isinstance(token, str) or not storable(token):
        return None
    now = utcnow()
    idle = timedelta(minutes=settings.idle_minutes)
    with db.reading() as s:
        row = s.scalars(select(AuthSession).where(AuthSession.token_hash == token_hash(token))).one_or_none()
        if row is None or row.ended_at is not None:
            return None
        user = s.get(User, row.user_id)
        reason = None
        if user is None or not user.active:
            reason = "account_inactive"
        elif user.pending_since is not None:
            reason = "account_pending"
        elif now >= row.expires_at:
            reason = "absolute_timeout"
        elif now - row.last_seen_at >= idle:
            reason = "idle_timeout"
        session_id, last_seen, expires = row.id, row.last_seen_at, row.expires_at
        actor = _actor(user, session_id) if user is not None else None
    if reason is not None:
        _end(db, session_id, reason, actor)
        return None
    assert actor is not None
    if touch and now - last_seen >= _TOUCH_EVERY:
        with db.writing() as s:
            s.execute(update(AuthSession).where(AuthSession.id == session_id).values(last_seen_at=now))
        last_seen = now
    return SessionState(actor, min(last_seen + idle, expires), expires)


def _end(db: Database, session_id: int, reason: str, actor: Actor | None) -> None:
    with db.writing() as s:
        changed = s.execute(
            update(AuthSession)
            .where(AuthSession.id == session_id, AuthSession.ended_at.is_(None))
            .values(ended_at=utcnow(), end_reason=reason)
        ).rowcount
        if changed:
            action = "sign_out" if reason == "signed_out" else "session_ended"
            audit.record(s, actor, action, target_type="session", target=str(session_id), detail=reason,
                         live=False)


def end_for_changed_connection(db: Database, token: str | None) -> None:
    """The tab's connection no longer looks like the one that signed in (another address or browser presented the
    web app's own session id): end the session on the server, so neither connection can go on with it."""
    _end_by_token(db, token, "connection_changed")


def sign_out(db: Database, token: str | None) -> None:
    """End the session on the server, so the token is worthless even if it was copied."""
    _end_by_token(db, token, "signed_out")


def _end_by_token(db: Database, token: str | None, reason: str) -> None:
    if not token or not isinstance(token, str) or not storable(token):
        return
    with db.reading() as s:
        row = s.scalars(select(AuthSession).where(AuthSession.token_hash == token_hash(token))).one_or_none()
        if row is None:
            return
        user = s.get(User, row.user_id)
        actor = _actor(user, row.id) if user else None
        session_id = row.id
    _end(db, session_id, reason, actor)
