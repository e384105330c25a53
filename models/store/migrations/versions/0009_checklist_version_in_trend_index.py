"""the checklist version joins the trend index: shares of an item added in a later version count only the
check-ins recorded on that version or later

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 08:00:00

Trends now count a period's check-ins by the checklist version they were recorded on (models/services/trends.py).
With the version in the covering index those counts are still read from the index alone, never from the wide
check-in rows. Nothing stored changes; the index is rebuilt with one more column at its end.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BEFORE = ["occurred_at", "client_id", "advocate_id", "concern", "safety_planning", "sign_count", "seq", "id"]
AFTER = [*BEFORE, "checklist_version"]


def _rebuild(columns: list[str]) -> None:
    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.drop_index("ix_check_ins_trends")
        batch_op.create_index("ix_check_ins_trends", columns, unique=False)


def upgrade() -> None:
    _rebuild(AFTER)


def downgrade() -> None:
    _rebuild(BEFORE)
