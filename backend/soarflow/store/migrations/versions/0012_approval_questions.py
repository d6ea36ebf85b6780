"""approval questions: what approvers answer besides the option, and their answers

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    # Approvals asked before have no questions, and their answers none to answer.
    op.add_column(
        "approval",
        sa.Column("questions", JSON, nullable=False, server_default=sa.text("'[]'")),
    )
    op.add_column(
        "approval_response",
        sa.Column("answers", JSON, nullable=False, server_default=sa.text("'{}'")),
    )


def downgrade() -> None:
    op.drop_column("approval_response", "answers")
    op.drop_column("approval", "questions")
