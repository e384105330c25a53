"""closing reasons and needs-attention reviews

Revision ID: 0011
Revises: 0010
Create Date: 2027-04-01 10:00:00

Clients get the reason their file was closed; every closing is kept in client_closures (a reopened file keeps
its earlier closings, which the trends count); attention_reviews holds a supervisor's "reviewed" mark on a
needs-attention entry. Nothing existing changes meaning: files closed before this revision have no reason.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD/DROP COLUMN (SQLite 3.35+ and PostgreSQL): batch mode would rebuild "clients" on SQLite, and
    # dropping a table that check-ins point at ON DELETE CASCADE takes their rows with it (see 0008).
    op.add_column("clients", sa.Column("closed_reason", sa.String(length=32), nullable=True))
    op.create_table(
        "client_closures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("advocate_id", sa.Integer(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.Column("reopened_on", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name=op.f("fk_client_closures_client_id_clients"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["advocate_id"], ["users.id"], name=op.f("fk_client_closures_advocate_id_users")),
        sa.ForeignKeyConstraint(["closed_by"], ["users.id"], name=op.f("fk_client_closures_closed_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_client_closures")),
    )
    op.create_index("ix_client_closures_closed_on", "client_closures", ["closed_on"], unique=False)
    op.create_index(op.f("ix_client_closures_client_id"), "client_closures", ["client_id"], unique=False)
    op.create_table(
        "attention_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Integer(), nullable=False),
        sa.Column("reviewed_by", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(), nullable=False),
        sa.Column("basis", sa.String(length=128), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["client_id"], ["clients.id"], name=op.f("fk_attention_reviews_client_id_clients"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reviewed_by"], ["users.id"], name=op.f("fk_attention_reviews_reviewed_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attention_reviews")),
    )
    op.create_index("ix_attention_reviews_client_reviewed", "attention_reviews", ["client_id", "reviewed_at"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_attention_reviews_client_reviewed", table_name="attention_reviews")
    op.drop_table("attention_reviews")
    op.drop_index(op.f("ix_client_closures_client_id"), table_name="client_closures")
    op.drop_index("ix_client_closures_closed_on", table_name="client_closures")
    op.drop_table("client_closures")
    op.execute("ALTER TABLE clients DROP COLUMN closed_reason")
