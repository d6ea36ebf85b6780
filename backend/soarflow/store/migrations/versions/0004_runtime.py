"""runtime: runs with their trigger, variables and owner; step instances

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27

The run table of 0001 was a placeholder nothing wrote to, so it is made anew.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.drop_table("run")
    op.create_table(
        "run",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column(
            "playbook_id",
            sa.String(length=36),
            sa.ForeignKey("playbook.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("playbook_version", sa.Integer(), nullable=False),
        sa.Column("workspace_id", sa.String(length=36), nullable=False, index=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("trigger_type", sa.String(length=200), nullable=False),
        sa.Column("trigger", JSON),
        sa.Column("variables", JSON),
        sa.Column("context", JSON),
        sa.Column("error", JSON),
        sa.Column("resubmitted_from", sa.String(length=36)),
        sa.Column("started_by", sa.String(length=36)),
        sa.Column("owner", sa.String(length=64)),
        sa.Column("started_at", sa.Float()),
        sa.Column("ended_at", sa.Float()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_run_status_created", "run", ["status", "created_at"])
    op.create_table(
        "step",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "run_id",
            sa.String(length=36),
            sa.ForeignKey("run.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("key", sa.String(length=2000), nullable=False),
        sa.Column("node_id", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("inputs", JSON),
        sa.Column("output", JSON),
        sa.Column("error", JSON),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.Float()),
        sa.Column("ended_at", sa.Float()),
        sa.Column("wake_at", sa.Float()),
        sa.Column("state", JSON),
        sa.UniqueConstraint("run_id", "key"),
    )


def downgrade() -> None:
    op.drop_table("step")
    op.drop_index("ix_run_status_created", table_name="run")
    op.drop_table("run")
    op.create_table(
        "run",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column(
            "playbook_id",
            sa.String(length=36),
            sa.ForeignKey("playbook.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("playbook_version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
