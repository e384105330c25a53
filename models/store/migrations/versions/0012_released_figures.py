"""released figures: a quarter's or fiscal year's report figures, fixed when first released

Revision ID: 0012
Revises: 0011
Create Date: 2027-05-01 10:00:00

A report that leaves the agency is made from these rows (models/services/releases.py): the first release of a
period stores its already-suppressed figures, and every later copy of that period's report shows the same ones,
so two copies made a week apart cannot be subtracted to single out what changed in between.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "released_figures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_kind", sa.String(length=16), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("k", sa.Integer(), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("released_at", sa.DateTime(), nullable=False),
        sa.Column("released_by", sa.Integer(), nullable=True),
        sa.Column("cells", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["released_by"], ["users.id"], name=op.f("fk_released_figures_released_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_released_figures")),
        sa.UniqueConstraint("period_kind", "period_start", name="uq_released_figures_period"),
    )


def downgrade() -> None:
    op.drop_table("released_figures")
