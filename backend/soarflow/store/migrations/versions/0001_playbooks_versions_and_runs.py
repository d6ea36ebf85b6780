"""playbooks, their versions, and runs

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _timestamp(name: str) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "playbook",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("name", sa.String(length=200), nullable=False, index=True),
        sa.Column("description", sa.String(length=4000), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("valid", sa.Boolean(), nullable=False),
        sa.Column("problem_count", sa.Integer(), nullable=False),
        sa.Column("trigger_kind", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("document", JSON, nullable=False),
        sa.Column("problems", JSON, nullable=False),
        _timestamp("created_at"),
        _timestamp("updated_at"),
    )
    op.create_index("ix_playbook_updated_at", "playbook", ["updated_at"])
    op.create_table(
        "playbook_version",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "playbook_id",
            sa.String(length=36),
            sa.ForeignKey("playbook.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("document", JSON, nullable=False),
        _timestamp("created_at"),
        sa.UniqueConstraint("playbook_id", "number"),
    )
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
        _timestamp("created_at"),
    )


def downgrade() -> None:
    op.drop_table("run")
    op.drop_table("playbook_version")
    op.drop_index("ix_playbook_updated_at", table_name="playbook")
    op.drop_table("playbook")
