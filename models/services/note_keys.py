"""Rotating the note key: a whole-database action, for admins only, audited by count."""

from __future__ import annotations

from models.base.i18n import N_
from models.rules.permissions import Actor, Permission, can
from models.services import audit
from models.services.clients import AccessRefused, refusals_audited
from models.store.database import Database
from models.store.note_cipher import fingerprint, rotate_all

ADMINS_ONLY = N_("Only an administrator can rotate the note key.")  # PermissionDenied translates it


def rotate_note_key(db: Database, actor: Actor) -> int:
    """Admins only: every note rewritten with the first configured key, in one transaction, audited by count.

    Run with WAYPOINT_NOTE_KEYS="new,old"; afterwards the old key can be removed from the configuration.
    """
    with refusals_audited(db, actor, "note_key_rotated"):
        if not can(actor, Permission.ROTATE_NOTE_KEY):
            raise AccessRefused(f"role {actor.role} may not rotate the note key",
                                message=ADMINS_ONLY)
        with db.writing() as s:
            count = rotate_all(s, db.notes)
            audit.record(s, actor, "note_key_rotated", target_type="system",
                         detail=f"{count} notes rewritten with key {fingerprint(db.notes.keys[0])}")
    return count
