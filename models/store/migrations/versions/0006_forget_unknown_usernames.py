"""forget what was typed as a username on failed sign-ins under no account's name

Revision ID: 0006
Revises: 0005
Create Date: 2027-01-12 10:00:00

Until now a failed sign-in under a name that is no account kept that name, lower-cased, in the audit log; a
password typed into the username box ended up there. The service no longer stores it (models/services/auth.py);
this blanks the ones already written. The audit log is otherwise append-only: this is the one sanctioned change,
and it removes text, never a row.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("UPDATE audit_events SET actor_username = NULL "
               "WHERE action = 'sign_in_failed' AND detail = 'unknown user' AND actor_id IS NULL")


def downgrade() -> None:
    pass  # what was forgotten stays forgotten
