"""external incidents: the id and number an incident has in the SIEM that made it (Sentinel)

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("incident") as batch:
        batch.add_column(sa.Column("external_id", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("external_number", sa.Integer(), nullable=True))
        # A unique index, not a constraint: SQLite adds an index in place, where a constraint
        # would make batch mode copy the table (and its foreign keys' cascades would fire).
        batch.create_index("ix_incident_external_id", ["workspace_id", "external_id"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("incident") as batch:
        batch.drop_index("ix_incident_external_id")
        batch.drop_column("external_number")
        batch.drop_column("external_id")
