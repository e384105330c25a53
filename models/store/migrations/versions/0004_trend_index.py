"""indexes for the trend queries: a covering index on check-ins, and items and referrals that carry their
check-in's when, who and concern

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 14:00:00

Every trend figure reads the check-ins of a period by when they happened. With the columns it needs in one
index the database answers from the index alone and never visits the wide check-in rows (which hold notes).
Items and referrals get copies of their check-in's time, client, advocate and concern (kept in step by the
models on every write), so a period's items are one index range instead of a join over a million check-ins.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHECK_IN_COLUMNS = ["occurred_at", "client_id", "advocate_id", "concern", "safety_planning", "sign_count", "seq",
                    "id"]
COPIED = (("occurred_at", sa.DateTime()), ("client_id", sa.Integer()), ("advocate_id", sa.Integer()),
          ("concern", sa.String(length=16)))
CHILDREN = {
    "check_in_items": ["occurred_at", "code", "client_id", "advocate_id", "concern"],
    "check_in_referrals": ["occurred_at", "resource_code", "client_id", "accepted", "advocate_id", "concern"],
}


def upgrade() -> None:
    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.create_index("ix_check_ins_trends", CHECK_IN_COLUMNS, unique=False)
        batch_op.drop_index("ix_check_ins_occurred")  # its one column leads the new index
    for table, index in CHILDREN.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, kind in COPIED:
                batch_op.add_column(sa.Column(name, kind, nullable=True))
        for name, _ in COPIED:
            op.execute(f"UPDATE {table} SET {name} = (SELECT c.{name} FROM check_ins AS c "
                       f"WHERE c.id = {table}.check_in_id)")
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, kind in COPIED:
                batch_op.alter_column(name, existing_type=kind, nullable=False)
            batch_op.create_index(f"ix_{table}_trends", index, unique=False)


def downgrade() -> None:
    for table in CHILDREN:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(f"ix_{table}_trends")
            for name, _ in COPIED:
                batch_op.drop_column(name)
    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.create_index("ix_check_ins_occurred", ["occurred_at"], unique=False)
        batch_op.drop_index("ix_check_ins_trends")
