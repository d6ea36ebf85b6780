"""access: workspaces, users, roles, tokens, sessions, the audit log; playbooks get a workspace

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
DEFAULT_WORKSPACE = "default"


def _timestamp(name: str, *, nullable: bool = False) -> sa.Column[datetime]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _reference(
    name: str, table: str, *, primary_key: bool = False, index: bool = False
) -> sa.Column[str]:
    return sa.Column(
        name,
        sa.String(length=36),
        sa.ForeignKey(f"{table}.id", ondelete="CASCADE"),
        nullable=False,
        primary_key=primary_key,
        index=index,
    )


def upgrade() -> None:
    workspace = op.create_table(
        "workspace",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("name", sa.String(length=100), nullable=False, unique=True),
        _timestamp("created_at"),
    )
    default_id = str(uuid.uuid4())
    op.bulk_insert(
        workspace, [{"id": default_id, "name": DEFAULT_WORKSPACE, "created_at": datetime.now(UTC)}]
    )
    op.create_table(
        "account",
        sa.Column("id", sa.String(length=36), primary_key=True),
        sa.Column("name", sa.String(length=100), nullable=False, unique=True),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=500), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _timestamp("created_at"),
    )
    op.create_table(
        "role_assignment",
        _reference("user_id", "account", primary_key=True),
        _reference("workspace_id", "workspace", primary_key=True),
        sa.Column("role", sa.String(length=32), nullable=False),
    )
    op.create_table(
        "api_token",
        sa.Column("id", sa.String(length=36), primary_key=True),
        _reference("user_id", "account", index=True),
        _reference("workspace_id", "workspace"),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False, unique=True),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        _timestamp("created_at"),
        _timestamp("expires_at", nullable=True),
        _timestamp("last_used_at", nullable=True),
        _timestamp("revoked_at", nullable=True),
    )
    op.create_table(
        "auth_session",
        sa.Column("digest", sa.String(length=64), primary_key=True),
        _reference("user_id", "account", index=True),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        _timestamp("created_at"),
        _timestamp("expires_at"),
    )
    _create_audit_log()
    with op.batch_alter_table("playbook") as batch:
        batch.add_column(sa.Column("workspace_id", sa.String(length=36), nullable=True))
    op.execute(sa.text("UPDATE playbook SET workspace_id = :id").bindparams(id=default_id))
    with op.batch_alter_table("playbook") as batch:
        batch.alter_column("workspace_id", existing_type=sa.String(length=36), nullable=False)
        batch.create_index("ix_playbook_workspace_id", ["workspace_id"])
        batch.create_foreign_key(
            "fk_playbook_workspace_id", "workspace", ["workspace_id"], ["id"], ondelete="CASCADE"
        )


def _create_audit_log() -> None:
    op.create_table(
        "audit_event",
        sa.Column("id", sa.Integer(), primary_key=True),
        _timestamp("at"),
        sa.Column("actor_type", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.String(length=36), nullable=True, index=True),
        sa.Column("actor_name", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False, index=True),
        sa.Column("target_type", sa.String(length=32), nullable=True),
        sa.Column("target_id", sa.String(length=200), nullable=True),
        sa.Column("workspace_id", sa.String(length=36), nullable=True),
        sa.Column("ip", sa.String(length=64), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("details", JSON, nullable=False),
    )
    op.create_index("ix_audit_event_at", "audit_event", ["at"])
    op.create_index("ix_audit_event_target", "audit_event", ["target_type", "target_id"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_event "
            "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_event_no_{event.lower()} BEFORE {event} ON audit_event "
                "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END"
            )


def downgrade() -> None:
    with op.batch_alter_table("playbook") as batch:
        batch.drop_constraint("fk_playbook_workspace_id", type_="foreignkey")
        batch.drop_index("ix_playbook_workspace_id")
        batch.drop_column("workspace_id")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_event_append_only ON audit_event")
        op.execute("DROP FUNCTION audit_event_append_only()")
    op.drop_table("audit_event")
    op.drop_table("auth_session")
    op.drop_table("api_token")
    op.drop_table("role_assignment")
    op.drop_table("account")
    op.drop_table("workspace")
