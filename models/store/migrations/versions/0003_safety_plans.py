"""safety plans: one row per change to a step of a client's safety plan

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "safety_plan_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("step_code", sa.String(length=80), nullable=False),
        sa.Column("in_place", sa.Boolean(), nullable=False),
        sa.Column("guidance_version", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("changed_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["client_id"], ["clients.id"], name=op.f("fk_safety_plan_steps_client_id_clients"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["changed_by"], ["users.id"], name=op.f("fk_safety_plan_steps_changed_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_safety_plan_steps")),
    )
    with op.batch_alter_table("safety_plan_steps", schema=None) as batch_op:
        batch_op.create_index("ix_safety_plan_steps_client_changed", ["client_id", "changed_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("safety_plan_steps", schema=None) as batch_op:
        batch_op.drop_index("ix_safety_plan_steps_client_changed")
    op.drop_table("safety_plan_steps")
