"""the language of a check-in's conversation, whether an interpreter was used, and a client's preferred language

Revision ID: 0016
Revises: 0015
Create Date: 2027-06-22 10:00:00

A check-in may record the language the conversation was held in (an ISO 639 code from the list in
content/locale/languages.yaml, or "other") and whether an interpreter was used; supervisors' trends and the
funder report count both with the same small-cell suppression as every other figure. Existing check-ins record
neither (empty: "not recorded", never "no interpreter").

A client may have a preferred language (one of the languages Waypoint's content is written in), so the handout
and the scripts read aloud open in it. A language only: nothing else about the person.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("check_ins", sa.Column("conversation_language", sa.String(16), nullable=True))
    op.add_column("check_ins", sa.Column("interpreter", sa.Boolean(), nullable=True))
    op.add_column("clients", sa.Column("preferred_language", sa.String(16), nullable=True))
    # Partial indexes: empty until check-ins record these, so they cost nothing on existing data.
    op.create_index("ix_check_ins_conversation", "check_ins",
                    ["occurred_at", "conversation_language", "client_id", "advocate_id", "concern"],
                    sqlite_where=sa.text("conversation_language IS NOT NULL"),
                    postgresql_where=sa.text("conversation_language IS NOT NULL"))
    op.create_index("ix_check_ins_interpreter", "check_ins",
                    ["occurred_at", "interpreter", "client_id", "advocate_id", "concern"],
                    sqlite_where=sa.text("interpreter IS NOT NULL"),
                    postgresql_where=sa.text("interpreter IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("ix_check_ins_interpreter", table_name="check_ins")
    op.drop_index("ix_check_ins_conversation", table_name="check_ins")
    op.drop_column("clients", "preferred_language")
    op.drop_column("check_ins", "interpreter")
    op.drop_column("check_ins", "conversation_language")
