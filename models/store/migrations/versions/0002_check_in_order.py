"""check-in order within a client, and each client's first sign count (for the progress figures)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 13:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=False, server_default="0"))
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_sign_count", sa.Integer(), nullable=True))
    # Number the check-ins that already exist: 1 for a client's first (by when it happened), and so on.
    op.execute(
        "UPDATE check_ins SET seq = (SELECT count(*) FROM check_ins AS c2 WHERE c2.client_id = check_ins.client_id"
        " AND (c2.occurred_at < check_ins.occurred_at"
        " OR (c2.occurred_at = check_ins.occurred_at AND c2.id <= check_ins.id)))"
    )
    op.execute(
        "UPDATE clients SET first_sign_count = (SELECT c.sign_count FROM check_ins AS c"
        " WHERE c.client_id = clients.id AND c.seq = 1)"
    )
    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.create_index("ix_check_ins_client_seq", ["client_id", "seq"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.drop_index("ix_check_ins_client_seq")
        batch_op.drop_column("seq")
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.drop_column("first_sign_count")
