"""SQLModel tables and the public shapes the API returns (Base / table / Public families)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator
from sqlalchemy import JSON, Column, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

JsonColumn = JSON().with_variant(JSONB(), "postgresql")
DESCRIPTION_COLUMN_LENGTH = 4000
MAX_VERSION = 2**31 - 1


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> str:
    return str(uuid.uuid4())


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time stored here is UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


UtcDatetime = Annotated[datetime, AfterValidator(as_utc)]


def _timestamp(*, index: bool = False) -> Any:
    return Field(default_factory=utcnow, sa_type=DateTime(timezone=True), index=index)


class PlaybookBase(SQLModel):
    name: str = Field(max_length=200, index=True)
    description: str = Field(default="", max_length=DESCRIPTION_COLUMN_LENGTH)
    enabled: bool = False
    valid: bool = False
    problem_count: int = 0
    trigger_kind: str = Field(max_length=32)
    version: int = 1


class Playbook(PlaybookBase, table=True):
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    workspace_id: str = Field(
        sa_column=Column(
            String(36), ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    document: dict[str, Any] = Field(sa_column=Column(JsonColumn, nullable=False))
    problems: list[dict[str, Any]] = Field(sa_column=Column(JsonColumn, nullable=False))
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp(index=True)


class PlaybookVersion(SQLModel, table=True):
    __tablename__ = "playbook_version"
    __table_args__ = (UniqueConstraint("playbook_id", "number"),)

    id: int | None = Field(default=None, primary_key=True)
    playbook_id: str = Field(
        sa_column=Column(
            String(36), ForeignKey("playbook.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    number: int
    document: dict[str, Any] = Field(sa_column=Column(JsonColumn, nullable=False))
    created_at: datetime = _timestamp()


class Run(SQLModel, table=True):
    """A run of a playbook version. Times the runtime writes are Unix seconds (floats): the
    trace is written on every step, and floats cost SQLite no parsing."""

    __table_args__ = (Index("ix_run_status_created", "status", "created_at"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    playbook_id: str = Field(
        sa_column=Column(
            String(36), ForeignKey("playbook.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    playbook_version: int
    workspace_id: str = Field(max_length=36, index=True)
    status: str = Field(default="queued", max_length=16)
    trigger_type: str = Field(default="", max_length=200)
    trigger: Any = Field(default=None, sa_column=Column(JsonColumn))
    variables: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JsonColumn))
    context: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JsonColumn))
    error: dict[str, Any] | None = Field(default=None, sa_column=Column(JsonColumn))
    resubmitted_from: str | None = Field(default=None, max_length=36)
    started_by: str | None = Field(default=None, max_length=36)
    # Which server process drives the run, so that a restarted one takes over only orphans.
    owner: str | None = Field(default=None, max_length=64)
    started_at: float | None = None
    ended_at: float | None = None
    created_at: datetime = _timestamp()


class Step(SQLModel, table=True):
    """One step instance of a run: a node in one loop iteration (`each_ip[3]/vt`)."""

    __table_args__ = (UniqueConstraint("run_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    run_id: str = Field(
        sa_column=Column(
            String(36), ForeignKey("run.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    key: str = Field(max_length=2000)
    node_id: str = Field(max_length=100)
    status: str = Field(max_length=16)
    inputs: Any = Field(default=None, sa_column=Column(JsonColumn))
    output: Any = Field(default=None, sa_column=Column(JsonColumn))
    error: dict[str, Any] | None = Field(default=None, sa_column=Column(JsonColumn))
    attempts: int = 0
    started_at: float | None = None
    ended_at: float | None = None
    wake_at: float | None = None
    state: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JsonColumn))


class PlaybookSummary(PlaybookBase):
    id: str
    workspace_id: str
    runs_count: int
    created_at: UtcDatetime
    updated_at: UtcDatetime


class ProblemPublic(SQLModel):
    code: str
    message: str
    node_id: str | None
    path: str
    details: dict[str, Any]


class PlaybookPublic(PlaybookSummary):
    problems: list[ProblemPublic]
    document: dict[str, Any]


class PlaybookVersionSummary(SQLModel):
    number: int
    name: str
    created_at: UtcDatetime


class PlaybookVersionPublic(PlaybookVersionSummary):
    playbook_id: str
    document: dict[str, Any]


class PlaybookPage(SQLModel):
    data: list[PlaybookSummary]
    total: int
    next: str | None


class PlaybookVersionList(SQLModel):
    data: list[PlaybookVersionSummary]
    total: int


class ValidationResult(SQLModel):
    valid: bool
    problems: list[ProblemPublic]


class Workspace(SQLModel, table=True):
    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    name: str = Field(max_length=100, unique=True)
    created_at: datetime = _timestamp()


class User(SQLModel, table=True):
    # "user" is a reserved word in PostgreSQL.
    __tablename__ = "account"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    name: str = Field(max_length=100, unique=True)
    display_name: str = Field(default="", max_length=200)
    password_hash: str = Field(max_length=500)
    active: bool = True
    created_at: datetime = _timestamp()


class RoleAssignment(SQLModel, table=True):
    __tablename__ = "role_assignment"

    user_id: str = Field(
        sa_column=Column(String(36), ForeignKey("account.id", ondelete="CASCADE"), primary_key=True)
    )
    workspace_id: str = Field(
        sa_column=Column(
            String(36), ForeignKey("workspace.id", ondelete="CASCADE"), primary_key=True
        )
    )
    role: str = Field(max_length=32)


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    user_id: str = Field(
        sa_column=Column(
            String(36), ForeignKey("account.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    workspace_id: str = Field(
        sa_column=Column(String(36), ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False)
    )
    name: str = Field(max_length=100)
    digest: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=16)
    created_at: datetime = _timestamp()
    expires_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    last_used_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    revoked_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class AuthSession(SQLModel, table=True):
    """A signed-in browser. The cookie holds a random value; only its SHA-256 is stored."""

    __tablename__ = "auth_session"

    digest: str = Field(primary_key=True, max_length=64)
    user_id: str = Field(
        sa_column=Column(
            String(36), ForeignKey("account.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    csrf_token: str = Field(max_length=64)
    created_at: datetime = _timestamp()
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))


class AuditEvent(SQLModel, table=True):
    """Append-only: the database refuses UPDATE and DELETE on this table (see migration 0002)."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_target", "target_type", "target_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = _timestamp(index=True)
    actor_type: str = Field(max_length=16)
    actor_id: str | None = Field(default=None, max_length=36, index=True)
    actor_name: str = Field(default="", max_length=100)
    action: str = Field(max_length=64, index=True)
    target_type: str | None = Field(default=None, max_length=32)
    target_id: str | None = Field(default=None, max_length=200)
    workspace_id: str | None = Field(default=None, max_length=36)
    ip: str | None = Field(default=None, max_length=64)
    outcome: str = Field(max_length=16)
    status: int | None = None
    details: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(JsonColumn, nullable=False)
    )


class WorkspacePublic(SQLModel):
    id: str
    name: str
    created_at: UtcDatetime


class WorkspaceAccess(WorkspacePublic):
    role: str
    permissions: list[str]


class UserPublic(SQLModel):
    id: str
    name: str
    display_name: str
    active: bool
    created_at: UtcDatetime


class UserList(SQLModel):
    data: list[UserPublic]
    total: int


class Me(SQLModel):
    user: UserPublic
    auth: str
    csrf_token: str | None
    workspaces: list[WorkspaceAccess]


class SignedIn(SQLModel):
    user: UserPublic
    csrf_token: str


class WorkspaceList(SQLModel):
    data: list[WorkspacePublic]
    total: int


class MemberPublic(SQLModel):
    user_id: str
    name: str
    display_name: str
    role: str


class MemberList(SQLModel):
    data: list[MemberPublic]
    total: int


class TokenPublic(SQLModel):
    id: str
    name: str
    prefix: str
    user_id: str
    workspace_id: str
    created_at: UtcDatetime
    expires_at: UtcDatetime | None
    last_used_at: UtcDatetime | None
    revoked_at: UtcDatetime | None


class TokenCreated(TokenPublic):
    token: str


class TokenList(SQLModel):
    data: list[TokenPublic]
    total: int


class AuditEventPublic(SQLModel):
    id: int
    at: UtcDatetime
    actor_type: str
    actor_id: str | None
    actor_name: str
    action: str
    target_type: str | None
    target_id: str | None
    workspace_id: str | None
    ip: str | None
    outcome: str
    status: int | None
    details: dict[str, Any]


class AuditPage(SQLModel):
    data: list[AuditEventPublic]
    total: int
    next: str | None


class FieldPublic(SQLModel):
    expression: str
    title: str
    type: str
    source_node: str | None
    description: str


class FieldList(SQLModel):
    node_id: str
    fields: list[FieldPublic]


class Connection(SQLModel, table=True):
    """An API connection: one connector's credentials in one workspace. Secret fields live only
    in `secrets`, encrypted; `fields` holds the others."""

    __tablename__ = "connection"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    workspace_id: str = Field(
        sa_column=Column(
            String(36), ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    connector_id: str = Field(max_length=64)
    name: str = Field(max_length=200)
    fields: dict[str, Any] = Field(sa_column=Column(JsonColumn, nullable=False))
    secrets: str = Field(sa_type=Text)
    status: str = Field(default="untested", max_length=16)
    status_reason: str = Field(default="", max_length=1000)
    last_tested_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()


class ConnectionPublic(SQLModel):
    id: str
    workspace_id: str
    connector_id: str
    name: str
    fields: dict[str, Any]
    secret_fields_set: list[str]
    status: str
    status_reason: str
    last_tested_at: UtcDatetime | None
    created_at: UtcDatetime
    updated_at: UtcDatetime


class ConnectionList(SQLModel):
    data: list[ConnectionPublic]
    total: int


def _moment(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


class RunSummary(SQLModel):
    id: str
    playbook_id: str
    playbook_version: int
    workspace_id: str
    status: str
    trigger_type: str
    error: dict[str, Any] | None
    resubmitted_from: str | None
    started_by: str | None
    created_at: UtcDatetime
    started_at: datetime | None
    ended_at: datetime | None

    @classmethod
    def of(cls, run: Run) -> RunSummary:
        return cls.model_validate(
            run, update={"started_at": _moment(run.started_at), "ended_at": _moment(run.ended_at)}
        )


class StepPublic(SQLModel):
    key: str
    node_id: str
    status: str
    inputs: Any
    output: Any
    error: dict[str, Any] | None
    attempts: int
    started_at: datetime | None
    ended_at: datetime | None
    wake_at: datetime | None

    @classmethod
    def of(cls, step: Step) -> StepPublic:
        return cls.model_validate(
            step,
            update={
                "started_at": _moment(step.started_at),
                "ended_at": _moment(step.ended_at),
                "wake_at": _moment(step.wake_at),
            },
        )


class RunPublic(RunSummary):
    trigger: Any
    variables: dict[str, Any]
    steps: list[StepPublic]


class RunPage(SQLModel):
    data: list[RunSummary]
    total: int
    next: str | None


class RunStarted(SQLModel):
    id: str
    status: str
