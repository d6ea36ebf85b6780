"""automation: automation rules, the events they answer, and what a run is about

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(JSONB(), "postgresql")


def _workspace() -> sa.Column[str]:
    return sa.Column(
        "workspace_id",
        sa.String(length=36),
        sa.ForeignKey("workspace.id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    op.create_table(
        "automation_rule",
        sa.Column("id", sa.String(length=36), primary_key=True),
        _workspace(),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("order", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("trigger", sa.String(length=32), nullable=False),
        sa.Column("conditions", JSON, nullable=True),
        sa.Column("actions", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_automation_rule_trigger", "automation_rule", ["workspace_id", "trigger", "enabled"]
    )
    op.create_table(
        "automation_event",
        sa.Column("id", sa.String(length=36), primary_key=True),
        _workspace(),
        sa.Column("trigger", sa.String(length=32), nullable=False),
        sa.Column("incident_id", sa.String(length=36), nullable=True),
        sa.Column("alert_id", sa.String(length=36), nullable=True),
        sa.Column("previous", JSON, nullable=True),
        sa.Column("outcome", JSON, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_automation_event_pending", "automation_event", ["done_at"])
    op.create_index("ix_automation_event_incident_id", "automation_event", ["incident_id"])
    with op.batch_alter_table("run") as batch:
        batch.add_column(sa.Column("incident_id", sa.String(length=36), nullable=True))
        batch.add_column(sa.Column("alert_id", sa.String(length=36), nullable=True))
        batch.create_index("ix_run_incident_id", ["incident_id"])
        batch.create_index("ix_run_alert_id", ["alert_id"])


def downgrade() -> None:
    with op.batch_alter_table("run") as batch:
        batch.drop_index("ix_run_alert_id")
        batch.drop_index("ix_run_incident_id")
        batch.drop_column("alert_id")
        batch.drop_column("incident_id")
    op.drop_table("automation_event")
    op.drop_table("automation_rule")
