"""incidents: alerts, incidents with their comments and numbers, and alert-grouping rules

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _workspace_id(*, primary_key: bool = False) -> sa.Column[str]:
    return sa.Column(
        "workspace_id",
        sa.String(length=36),
        sa.ForeignKey("workspace.id", ondelete="CASCADE"),
        nullable=False,
        primary_key=primary_key,
    )


def upgrade() -> None:
    op.create_table(
        "incident",
        sa.Column("id", sa.String(length=36), primary_key=True),
        _workspace_id(),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("description", sa.String(length=5000), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("classification", sa.String(length=16)),
        sa.Column("classification_comment", sa.Text(), nullable=False),
        sa.Column("owner", sa.String(length=200)),
        sa.Column("rule_name", sa.String(length=200), nullable=False),
        sa.Column("alert_count", sa.Integer(), nullable=False),
        sa.Column("labels", JSON, nullable=False),
        sa.Column("entities", JSON, nullable=False),
        sa.Column("first_alert_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_alert_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("workspace_id", "number"),
    )
    op.create_index(
        "ix_incident_grouping", "incident", ["workspace_id", "rule_name", "first_alert_at"]
    )
    op.create_table(
        "incident_counter",
        _workspace_id(primary_key=True),
        sa.Column("last_number", sa.Integer(), nullable=False),
    )
    op.create_table(
        "alert",
        sa.Column("id", sa.String(length=36), primary_key=True),
        _workspace_id(),
        sa.Column(
            "incident_id",
            sa.String(length=36),
            sa.ForeignKey("incident.id", ondelete="SET NULL"),
            index=True,
        ),
        sa.Column("source_product", sa.String(length=200), nullable=False),
        sa.Column("source_alert_id", sa.String(length=200)),
        sa.Column("idempotency_key", sa.String(length=200)),
        sa.Column("rule_name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("description", sa.String(length=5000), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("grouping", sa.String(length=8), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tactics", JSON, nullable=False),
        sa.Column("custom_details", JSON, nullable=False),
        sa.Column("entities", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("workspace_id", "source_product", "source_alert_id"),
        sa.UniqueConstraint("workspace_id", "idempotency_key"),
    )
    op.create_index("ix_alert_workspace_time", "alert", ["workspace_id", "time"])
    op.create_table(
        "incident_comment",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "incident_id",
            sa.String(length=36),
            sa.ForeignKey("incident.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("author_id", sa.String(length=36)),
        sa.Column("author_name", sa.String(length=100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "alert_grouping_rule",
        _workspace_id(primary_key=True),
        sa.Column("rule_name", sa.String(length=200), primary_key=True),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("entity_match", sa.String(length=8), nullable=False),
        sa.Column("time_window", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("alert_grouping_rule")
    op.drop_table("incident_comment")
    op.drop_index("ix_alert_workspace_time", table_name="alert")
    op.drop_table("alert")
    op.drop_table("incident_counter")
    op.drop_index("ix_incident_grouping", table_name="incident")
    op.drop_table("incident")
