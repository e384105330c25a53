"""accounts choose the language they read Waypoint in

Revision ID: 0015
Revises: 0014
Create Date: 2027-06-15 10:00:00

A language code from content/locale/languages.yaml ("en", "es"). Empty means the agency's default
(WAYPOINT_LANGUAGE), so existing accounts read what they read before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("users", sa.Column("language", sa.String(16), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "language")
