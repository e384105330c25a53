"""Check-in notes are encrypted at rest: a copied database file or dump shows no one's words without the key.

Fernet (AES-128-CBC with an HMAC-SHA256 tag, from the `cryptography` library) is authenticated: a note changed
in the database, or opened with the wrong key, fails loudly instead of turning into garbage. Several keys may be
configured, newest first: notes are written with the first and read with any, which is how a key is rotated
(`./waypoint rotate-note-key` rewrites every note with the first key; then the old one can be removed).

Notes are decrypted only inside the services that already checked the reader may see the client (check-in
views, the timeline, a check-in's history). Trends, exports and the audit log never touch them.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from models.base.settings import ConfigError
from models.base.timeutil import utcnow
from models.store.entities import AttentionReview, CheckIn, CheckInRevision, SecondFactor

# Encrypted with the current key and kept in the database, so a wrong key is noticed at start-up, before a page
# tries to show a note, even while no note has been written yet.
KEY_CHECK_PLAINTEXT = b"waypoint note key check"
KEY_HELP = ("Set WAYPOINT_NOTE_KEYS to the key (or keys, newest first, separated by commas), or put it in the "
            "file named by WAYPOINT_NOTE_KEY_FILE (default data/note.key). `./waypoint note-key new` prints a "
            "new key.")


class NoteKeyError(ConfigError):
    """The note key is missing, malformed or does not open this database's notes. Safe to show: holds no key."""


def new_key() -> str:
    """A fresh random key, as text to put in configuration."""
    return Fernet.generate_key().decode("ascii")


def fingerprint(key: str) -> str:
    """A short name for a key that does not reveal it, for logs and the audit trail."""
    return hashlib.sha256(key.encode("ascii", "replace")).hexdigest()[:12]


class NoteCipher:
    """Encrypts with the first configured key, decrypts with any of them."""

    def __init__(self, keys: Sequence[str]) -> None:
        fernets = []
        for n, key in enumerate(keys, start=1):
            try:
                fernets.append(Fernet(key.strip().encode("ascii")))
            except (ValueError, UnicodeEncodeError):
                raise NoteKeyError(f"Note key number {n} is not a valid key (it must be 44 characters of "
                                   f"URL-safe base64, as printed by `./waypoint note-key new`).") from None
        self.keys = tuple(k.strip() for k in keys)
        self._fernet = MultiFernet(fernets) if fernets else None

    @property
    def configured(self) -> bool:
        return self._fernet is not None

    def _require(self) -> MultiFernet:
        if self._fernet is None:
            raise NoteKeyError("Waypoint has no note key, so notes can be neither saved nor read. " + KEY_HELP)
        return self._fernet

    def encrypt(self, note: str) -> str:
        """An empty note stays empty (there is nothing to hide); anything else becomes a token."""
        if not note:
            return ""
        return self._require().encrypt(note.encode("utf-8")).decode("ascii")

    def decrypt(self, stored: str | None) -> str:
        if not stored:
            return ""
        try:
            return self._require().decrypt(stored.encode("ascii")).decode("utf-8")
        except (InvalidToken, UnicodeError):
            raise NoteKeyError("A note in the database cannot be opened with the configured note keys: the key "
                               "is wrong, or the note was changed outside Waypoint. " + KEY_HELP) from None

    def rotate(self, stored: str) -> str:
        """The same note, written again with the first key."""
        if not stored:
            return ""
        try:
            return self._require().rotate(stored.encode("ascii")).decode("ascii")
        except InvalidToken:
            raise NoteKeyError("A note cannot be opened with any configured key, so it cannot be rotated. "
                               "Keep the old key in the list (after the new one) until rotation is done.") from None


def write_key_file(path: Path) -> str:
    """Create a key file readable only by its owner; never overwrite one (that would lose every note)."""
    key = new_key()
    from models.store.files import private_dir

    private_dir(path.parent)  # data/ is 0700, and refused if others can write to it
    with open(path, "x", encoding="utf-8", opener=lambda p, flags: os.open(p, flags, 0o600)) as f:
        f.write("# Waypoint note key: back it up apart from the database; without it the notes cannot be read.\n")
        f.write(key + "\n")
    return key


def verify(session: Session, cipher: NoteCipher) -> None:
    """Start-up check: the configured keys open this database's notes. Records the check on first use."""
    cipher._require()
    row = session.execute(text("SELECT token FROM note_key_check WHERE id = 1")).first()
    if row is None:
        _check_sample(session, cipher)
        # Two instances started at once on a new database both get here: the second one's row is dropped and it
        # checks its key against the first one's, as on any later start (a plain INSERT failed its start-up).
        session.execute(text("INSERT INTO note_key_check (id, token, created_at) VALUES (1, :t, :at) "
                             "ON CONFLICT (id) DO NOTHING"),
                        {"t": cipher.encrypt(KEY_CHECK_PLAINTEXT.decode()), "at": utcnow()})
        row = session.execute(text("SELECT token FROM note_key_check WHERE id = 1")).first()
    try:
        cipher.decrypt(row.token)
    except NoteKeyError:
        raise NoteKeyError("The configured note key is not the one this database's notes were written with. "
                           "Use the key kept with this database (with the old one listed after the new one "
                           "while rotating). " + KEY_HELP) from None


def _check_sample(session: Session, cipher: NoteCipher) -> None:
    newest = select(CheckIn.note).where(CheckIn.note != "").order_by(CheckIn.id.desc()).limit(1)
    stored = session.scalars(newest).first()
    if stored:
        cipher.decrypt(stored)


def rotate_all(session: Session, cipher: NoteCipher) -> int:
    """Rewrite every note, every note kept in a check-in's history, every attention review's note, every
    second-factor secret and the key check with the first key."""
    count = 0
    for check_in in session.scalars(select(CheckIn).where(CheckIn.note != "")):
        check_in.note = cipher.rotate(check_in.note)
        count += 1
    for revision in session.scalars(select(CheckInRevision)):
        snapshot = dict(revision.snapshot)
        if snapshot.get("note"):
            snapshot["note"] = cipher.rotate(snapshot["note"])
            revision.snapshot = snapshot
            count += 1
    for review in session.scalars(select(AttentionReview).where(AttentionReview.note != "")):  # review notes too
        review.note = cipher.rotate(review.note)
        count += 1
    for factor in session.scalars(select(SecondFactor)):  # authenticator-app secrets share the note key
        factor.secret = cipher.rotate(factor.secret)
        count += 1
    session.execute(text("DELETE FROM note_key_check"))
    session.flush()
    session.execute(text("INSERT INTO note_key_check (id, token, created_at) VALUES (1, :t, :at)"),
                    {"t": cipher.encrypt(KEY_CHECK_PLAINTEXT.decode()), "at": utcnow()})
    return count
