"""trend summaries: per-day figures and per-client weeks and months, kept in step with every write

Revision ID: 0013
Revises: 0012
Create Date: 2027-06-01 10:00:00

The trends page read every check-in of its period (a year of a million check-ins took 14 s on SQLite). These
tables hold the same figures by local day, and which clients were seen in which week and month
(models/services/trend_summary.py). Clients also keep the checklist version of their first check-in, beside its
sign count, so the progress figures need not look it up per client. No state row is made here: the app builds
the summaries on start, in the agency's time zone, and until then trends read the records as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("clients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_checklist_version", sa.Integer(), nullable=True))
    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.drop_index("ix_check_ins_client_seq")
        batch_op.create_index("ix_check_ins_client_seq", ["client_id", "seq", "sign_count"], unique=False)
        # Trends filtered by advocate read the records: these let them read only that advocate's (3.9 s -> 0.4 s
        # for a fiscal year of a million check-ins on SQLite).
        batch_op.drop_index("ix_check_ins_advocate_occurred")
        batch_op.create_index("ix_check_ins_advocate_occurred", ["advocate_id", "occurred_at", "client_id", "concern",
                                                                 "safety_planning", "sign_count", "seq",
                                                                 "checklist_version"], unique=False)
    with op.batch_alter_table("check_in_items", schema=None) as batch_op:
        batch_op.create_index("ix_check_in_items_advocate", ["advocate_id", "occurred_at", "code", "client_id"],
                              unique=False)
    with op.batch_alter_table("check_in_referrals", schema=None) as batch_op:
        batch_op.create_index("ix_check_in_referrals_advocate", ["advocate_id", "occurred_at", "resource_code",
                                                                 "client_id", "accepted"], unique=False)
    op.execute(
        "UPDATE clients SET first_checklist_version = (SELECT c.checklist_version FROM check_ins AS c"
        " WHERE c.client_id = clients.id AND c.seq = 1)"
    )
    op.create_table(
        "trend_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("clients", sa.Integer(), nullable=False),
        sa.Column("n2", sa.Integer(), nullable=False),
        sa.Column("clients2", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "kind", "code", name=op.f("pk_trend_days")),
    )
    op.create_table(
        "trend_client_spans",
        sa.Column("unit", sa.String(length=5), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("check_ins", sa.Integer(), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name=op.f("fk_trend_client_spans_client_id_clients"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("unit", "start", "client_id", name=op.f("pk_trend_client_spans")),
    )
    op.create_index("ix_trend_client_spans_client_id", "trend_client_spans", ["client_id"], unique=False)
    op.create_table(
        "trend_summary_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("zone", sa.String(length=64), nullable=False),
        sa.Column("built_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trend_summary_state")),
    )


def downgrade() -> None:
    op.drop_table("trend_summary_state")
    op.drop_table("trend_client_spans")
    op.drop_table("trend_days")
    # Not in batch mode: on SQLite that copies the table, and dropping the old clients table would cascade to every
    # check-in (foreign keys are on). SQLite 3.35 and later drop a column in place.
    op.drop_column("clients", "first_checklist_version")
    with op.batch_alter_table("check_in_referrals", schema=None) as batch_op:
        batch_op.drop_index("ix_check_in_referrals_advocate")
    with op.batch_alter_table("check_in_items", schema=None) as batch_op:
        batch_op.drop_index("ix_check_in_items_advocate")
    with op.batch_alter_table("check_ins", schema=None) as batch_op:
        batch_op.drop_index("ix_check_ins_client_seq")
        batch_op.create_index("ix_check_ins_client_seq", ["client_id", "seq"], unique=False)
        batch_op.drop_index("ix_check_ins_advocate_occurred")
        batch_op.create_index("ix_check_ins_advocate_occurred", ["advocate_id", "occurred_at"], unique=False)
