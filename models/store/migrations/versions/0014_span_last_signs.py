"""trend summaries: each client span keeps the sign count of its last check-in

Revision ID: 0014
Revises: 0013
Create Date: 2027-06-08 10:00:00

The progress figures (clients with fewer signs than at their first check-in) joined every client-week to its last
check-in; on PostgreSQL that join of a quarter (120,000 client-weeks at a million check-ins) was planned as a hash
join over all check-ins and took about 700 ms. The span row now carries that check-in's sign count. Existing rows
do not have it, so the state row is removed: the app rebuilds the summaries when it next starts, and until then
trends read the records.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DELETE FROM trend_summary_state")
    op.execute("DELETE FROM trend_client_spans")
    op.execute("DELETE FROM trend_days")
    op.add_column("trend_client_spans", sa.Column("last_signs", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    # The summaries built with the column are still right without it; plain DROP COLUMN (SQLite 3.35+) keeps the
    # table in place.
    op.drop_column("trend_client_spans", "last_signs")
