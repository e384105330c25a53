"""sign-in throttle: failures per source address, per account and address, per account

Revision ID: 0007
Revises: 0006
Create Date: 2027-01-20 10:00:00

Replaces "lock the account for 15 minutes after 5 failures by anyone", which let anyone lock a person out, with
progressive delays that fall on the address the failures come from (models/services/auth.py).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_throttle",
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(), nullable=True),
        sa.Column("known", sa.Boolean(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_sign_in_throttle_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_sign_in_throttle")),
    )
    with op.batch_alter_table("sign_in_throttle", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sign_in_throttle_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sign_in_throttle", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sign_in_throttle_user_id"))
    op.drop_table("sign_in_throttle")
