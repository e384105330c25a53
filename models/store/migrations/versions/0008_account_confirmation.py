"""accounts that read records wait for a supervisor; one-time setup codes

Revision ID: 0008
Revises: 0007
Create Date: 2027-02-01 10:00:00

An advocate or supervisor account that an admin makes (or whose password an admin resets) cannot sign in until a
supervisor confirms it; the supervisor gets a one-time setup code for the person, who then chooses their own
password (models/services/account_review.py). An existing advocate or supervisor still waiting to replace a
password an admin chose (must_change_password) is an admin-known password: it becomes pending here too.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending_since", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("pending_reason", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("pending_requested_by", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("setup_code_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("setup_code_expires_at", sa.DateTime(), nullable=True))
    users = sa.table("users", sa.column("role", sa.String), sa.column("must_change_password", sa.Boolean),
                     sa.column("password_hash", sa.String), sa.column("pending_since", sa.DateTime),
                     sa.column("pending_reason", sa.String))
    op.execute(users.update()
               .where(users.c.role.in_(("advocate", "supervisor")), users.c.must_change_password.is_(True))
               .values(password_hash="!no password", must_change_password=False,
                       pending_since=datetime.now(UTC).replace(tzinfo=None), pending_reason="password reset"))


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+ and PostgreSQL): Alembic's batch mode would rebuild "users" on SQLite, and
    # dropping a table other tables point at fails with foreign keys on, inside the one migration transaction.
    for column in ("setup_code_expires_at", "setup_code_hash", "pending_requested_by", "pending_reason",
                   "pending_since"):
        op.execute(f"ALTER TABLE users DROP COLUMN {column}")
