"""approvals: requests of "Ask for approval" steps and the approvers' answers

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "approval",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("workspace_id", sa.String(length=36), nullable=False),
        sa.Column(
            "run_id",
            sa.String(length=36),
            sa.ForeignKey("run.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("step_key", sa.String(length=2000), nullable=False),
        sa.Column("playbook_id", sa.String(length=36), nullable=False),
        sa.Column("incident_id", sa.String(length=36), nullable=True),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("options", JSON, nullable=False),
        sa.Column("policy", JSON, nullable=False),
        sa.Column("approvers", JSON, nullable=False),
        sa.Column("allow_comment", sa.Boolean(), nullable=False),
        sa.Column("requested_by", sa.String(length=36), nullable=True),
        sa.Column("decision", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_approval_workspace_id", "approval", ["workspace_id"])
    op.create_index("ix_approval_run_id", "approval", ["run_id"])
    op.create_table(
        "approval_response",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "approval_id",
            sa.String(length=36),
            sa.ForeignKey("approval.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("approver", sa.String(length=320), nullable=False),
        sa.Column("option", sa.String(length=200), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.Column("user_id", sa.String(length=36), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("user_agent", sa.String(length=500), nullable=True),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("approval_id", "approver"),
    )
    op.create_index("ix_approval_response_approval_id", "approval_response", ["approval_id"])


def downgrade() -> None:
    op.drop_table("approval_response")
    op.drop_table("approval")
