"""notes encrypted at rest: a key-check row, and every note already stored encrypted with the configured key

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 16:00:00

Notes written before this step are plain text in check_ins.note and in the snapshots of check_in_revisions.
They are encrypted here, in the same transaction as the new table, so a database is never half plain and half
encrypted. With notes present and no key configured the step stops with a plain message and changes nothing.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "note_key_check",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_note_key_check")),
    )
    conn = op.get_bind()
    notes = conn.execute(sa.text("SELECT id, note FROM check_ins WHERE note IS NOT NULL AND note <> ''")).all()
    revisions = sa.table("check_in_revisions", sa.column("id", sa.Integer()), sa.column("snapshot", sa.JSON()))
    decoded = [(row.id, row.snapshot) for row in conn.execute(sa.select(revisions.c.id, revisions.c.snapshot))
               if row.snapshot and row.snapshot.get("note")]
    if not notes and not decoded:
        return
    cipher = op.get_context().config.attributes.get("note_cipher")
    if cipher is None or not cipher.configured:
        from models.store.note_cipher import KEY_HELP, NoteKeyError

        raise NoteKeyError("This database holds notes that are not encrypted yet, and no note key is configured "
                           "to encrypt them. Nothing was changed. " + KEY_HELP)
    update_note = sa.text("UPDATE check_ins SET note = :note WHERE id = :id")
    for row in notes:
        conn.execute(update_note, {"note": cipher.encrypt(row.note), "id": row.id})
    for rid, snap in decoded:
        conn.execute(revisions.update().where(revisions.c.id == rid)
                     .values(snapshot={**snap, "note": cipher.encrypt(snap["note"])}))


def downgrade() -> None:
    # Notes stay encrypted: writing them back in plain text is not something a downgrade should do silently.
    op.drop_table("note_key_check")
