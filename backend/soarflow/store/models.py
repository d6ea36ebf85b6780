"""SQLModel tables and the public shapes the API returns (Base / table / Public families)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from annotated_types import MaxLen
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    StringConstraints,
    field_validator,
)
from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel
from sqlmodel._compat import SQLModelConfig

from soarflow.approvals.questions import MAX_CHOICES, MAX_QUESTIONS, MAX_TEXT_LENGTH
from soarflow.expressions.functions import duration_seconds
from soarflow.incidents import Classification, Severity, Status
from soarflow.incidents.grouping import DEFAULT_TIME_WINDOW, EntityMatch, GroupingAction, Outcome

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
    # What the run is about, when it is about an incident or an alert (its runs tab).
    incident_id: str | None = Field(default=None, max_length=36, index=True)
    alert_id: str | None = Field(default=None, max_length=36, index=True)
    # The automation rule that started the run, when one did.
    rule_id: str | None = Field(default=None, max_length=36)


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


class PlaybookUse(SQLModel):
    """A playbook whose current document has a step calling with a connection."""

    id: str
    name: str
    enabled: bool


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
    used_by: list[PlaybookUse]


class ConnectionList(SQLModel):
    data: list[ConnectionPublic]
    total: int


class Webhook(SQLModel, table=True):
    """The URL of a playbook whose trigger is a webhook. The id is random (the URL is the
    credential, so it owes nothing to the playbook's id); the signing secret is encrypted, and
    empty until a designer makes one."""

    id: str = Field(primary_key=True, max_length=64)
    playbook_id: str = Field(
        sa_column=Column(
            String(36), ForeignKey("playbook.id", ondelete="CASCADE"), nullable=False, unique=True
        )
    )
    secret: str = Field(default="", sa_type=Text)
    created_at: datetime = _timestamp()
    secret_made_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class WebhookDelivery(SQLModel, table=True):
    """The webhook-id of a signed call, kept while a replay of the call could still pass the
    timestamp check."""

    __tablename__ = "webhook_delivery"

    webhook_id: str = Field(
        sa_column=Column(String(64), ForeignKey("webhook.id", ondelete="CASCADE"), primary_key=True)
    )
    message_id: str = Field(primary_key=True, max_length=255)
    received_at: datetime = _timestamp()


class WebhookPublic(SQLModel):
    url: str
    signature: str
    secret_set: bool


class WebhookSecret(WebhookPublic):
    """Shown once, when the secret is made: it cannot be read back."""

    secret: str


class WebhookAccepted(SQLModel):
    run_id: str


def moment(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


class RunNames(SQLModel):
    """What the ids on a run are called, looked up once for a page of runs."""

    playbooks: dict[str, str] = Field(default_factory=dict)
    users: dict[str, str] = Field(default_factory=dict)
    rules: dict[str, str] = Field(default_factory=dict)


class RunSummary(SQLModel):
    id: str
    playbook_id: str
    playbook_name: str | None
    playbook_version: int
    workspace_id: str
    status: str
    trigger_type: str
    error: dict[str, Any] | None
    resubmitted_from: str | None
    started_by: str | None
    started_by_name: str | None
    rule_id: str | None
    rule_name: str | None
    incident_id: str | None
    alert_id: str | None
    created_at: UtcDatetime
    started_at: datetime | None
    ended_at: datetime | None
    duration_ms: int | None

    @classmethod
    def of(cls, run: Run, names: RunNames | None = None) -> RunSummary:
        names = names or RunNames()
        duration = None
        if run.started_at is not None and run.ended_at is not None:
            duration = round((run.ended_at - run.started_at) * 1000)
        return cls.model_validate(
            run,
            update={
                "playbook_name": names.playbooks.get(run.playbook_id),
                "started_by_name": names.users.get(run.started_by or ""),
                "rule_name": names.rules.get(run.rule_id or ""),
                "started_at": moment(run.started_at),
                "ended_at": moment(run.ended_at),
                "duration_ms": duration,
            },
        )


class AttemptPublic(SQLModel):
    attempt: int
    status: str
    started_at: datetime | None
    ended_at: datetime | None
    error: dict[str, Any] | None


class StepPublic(SQLModel):
    key: str
    node_id: str
    status: str
    inputs: Any
    output: Any
    error: dict[str, Any] | None
    attempts: int
    attempt_log: list[AttemptPublic]
    # Loops only: how many iterations the loop has (foreach) or has begun (until).
    iterations: int | None
    started_at: datetime | None
    ended_at: datetime | None
    wake_at: datetime | None

    @classmethod
    def of(cls, step: Step) -> StepPublic:
        state = step.state or {}
        return cls.model_validate(
            step,
            update={
                "attempt_log": _attempt_log(step, state),
                "iterations": _iteration_count(state),
                "started_at": moment(step.started_at),
                "ended_at": moment(step.ended_at),
                "wake_at": moment(step.wake_at),
            },
        )


def _attempt_log(step: Step, state: dict[str, Any]) -> list[AttemptPublic]:
    """Each attempt of an action step: the ones retried (kept by the conductor), then the last,
    which is the step itself."""
    if not step.attempts:
        return []
    earlier = [
        AttemptPublic(
            attempt=entry["attempt"],
            status="failed",
            started_at=moment(entry["started_at"]),
            ended_at=moment(entry["ended_at"]),
            error=entry["error"],
        )
        for entry in state.get("attempt_log", [])
    ]
    retrying = "retry_at" in state
    last = AttemptPublic(
        attempt=step.attempts,
        status=step.status,
        started_at=moment(state.get("attempt_started_at", step.started_at)),
        ended_at=moment(step.ended_at),
        error=step.error,
    )
    return earlier if retrying else [*earlier, last]


def _iteration_count(state: dict[str, Any]) -> int | None:
    if "count" in state:
        return int(state["count"])
    if "pass" in state:
        return int(state["pass"]) + 1
    return None


class RunPublic(RunSummary):
    trigger: Any
    variables: dict[str, Any]
    # The first steps in the order they were made; `steps_next` pages through the rest.
    steps: list[StepPublic]
    steps_total: int
    steps_next: str | None


class RunPage(SQLModel):
    data: list[RunSummary]
    total: int
    next: str | None


class StepPage(SQLModel):
    data: list[StepPublic]
    total: int
    next: str | None


class IterationPublic(SQLModel):
    index: int
    # not_reached for an iteration that has not begun.
    status: str
    started_at: datetime | None
    ended_at: datetime | None


class IterationPage(SQLModel):
    loop: str
    data: list[IterationPublic]
    total: int
    next: str | None


class RunDay(SQLModel):
    date: str
    counts: dict[str, int]
    p50_ms: int | None
    p95_ms: int | None


class RunStats(SQLModel):
    playbook_id: str
    days: list[RunDay]


class RunStarted(SQLModel):
    id: str
    status: str


# Alerts and incidents. A comment holds up to 30,000 characters, as in Microsoft Sentinel.
TITLE_LENGTH = 500
ALERT_DESCRIPTION_LENGTH = 5000
NAME_LENGTH = 200
# Sentinel's incident ARM ids are about 250 characters; long resource names make them longer.
EXTERNAL_ID_LENGTH = 500
COMMENT_LENGTH = 30000
MAX_ENTITIES_PER_ALERT = 500
MAX_LABELS = 50
MIN_GROUPING_WINDOW = 5 * 60
MAX_GROUPING_WINDOW = 7 * 24 * 3600
# Request bodies refuse fields they do not know: a misspelt field is an error, not a silent loss.
STRICT = SQLModelConfig(extra="forbid")


def _folded(value: Any) -> Any:
    """Severities and the like as Sentinel writes them ('High') are as good as ours ('high')."""
    return value.strip().lower() if isinstance(value, str) else value


SeverityField = Annotated[Severity, BeforeValidator(_folded)]
StatusField = Annotated[Status, BeforeValidator(_folded)]
ClassificationField = Annotated[Classification, BeforeValidator(_folded)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Tactic = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class EntityCreate(SQLModel):
    model_config = STRICT

    kind: str = Field(min_length=1, max_length=64)
    properties: dict[str, Any] = Field(default_factory=dict)


class EntityPublic(SQLModel):
    kind: str
    properties: dict[str, Any]


class AlertBase(SQLModel):
    source_product: str = Field(min_length=1, max_length=NAME_LENGTH)
    source_alert_id: str | None = Field(default=None, min_length=1, max_length=NAME_LENGTH)
    rule_name: str = Field(min_length=1, max_length=NAME_LENGTH)
    title: str = Field(min_length=1, max_length=TITLE_LENGTH)
    description: str = Field(default="", max_length=ALERT_DESCRIPTION_LENGTH)
    severity: str = Field(max_length=16)


class AlertCreate(AlertBase):
    """What POST /api/v1/alerts takes."""

    model_config = STRICT

    severity: SeverityField
    time: AwareDatetime
    tactics: list[Tactic] = Field(default_factory=list, max_length=50)
    custom_details: dict[str, Any] = Field(default_factory=dict)
    entities: list[EntityCreate] = Field(default_factory=list, max_length=MAX_ENTITIES_PER_ALERT)


class Alert(AlertBase, table=True):
    __table_args__ = (
        UniqueConstraint("workspace_id", "source_product", "source_alert_id"),
        UniqueConstraint("workspace_id", "idempotency_key"),
        Index("ix_alert_workspace_time", "workspace_id", "time"),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    workspace_id: str = Field(
        sa_column=Column(String(36), ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False)
    )
    # An alert outlives a deleted incident, as it can exist without one.
    incident_id: str | None = Field(
        default=None,
        sa_column=Column(
            String(36), ForeignKey("incident.id", ondelete="SET NULL"), nullable=True, index=True
        ),
    )
    idempotency_key: str | None = Field(default=None, max_length=NAME_LENGTH)
    grouping: str = Field(max_length=8)
    time: datetime = Field(sa_type=DateTime(timezone=True))
    tactics: list[str] = Field(sa_column=Column(JsonColumn, nullable=False))
    custom_details: dict[str, Any] = Field(sa_column=Column(JsonColumn, nullable=False))
    entities: list[dict[str, Any]] = Field(sa_column=Column(JsonColumn, nullable=False))
    created_at: datetime = _timestamp()


class AlertSummary(AlertBase):
    id: str
    workspace_id: str
    incident_id: str | None
    severity: Severity
    grouping: Outcome
    time: UtcDatetime
    created_at: UtcDatetime


class AlertPublic(AlertSummary):
    tactics: list[str]
    custom_details: dict[str, Any]
    entities: list[EntityPublic]


class AlertPage(SQLModel):
    data: list[AlertSummary]
    total: int
    next: str | None


class AlertIngested(SQLModel):
    alert: AlertPublic
    incident_id: str | None
    grouping: Outcome


class IncidentBase(SQLModel):
    number: int
    title: str = Field(max_length=TITLE_LENGTH)
    description: str = Field(default="", max_length=ALERT_DESCRIPTION_LENGTH)
    severity: str = Field(max_length=16)
    status: str = Field(default=Status.NEW, max_length=16)
    classification: str | None = Field(default=None, max_length=16)
    classification_comment: str = Field(default="", sa_type=Text)
    owner: str | None = Field(default=None, max_length=NAME_LENGTH)
    rule_name: str = Field(max_length=NAME_LENGTH)
    alert_count: int = 0
    # The incident's id and number in the SIEM that made it (Sentinel's ARM id), when one did.
    external_id: str | None = Field(default=None, max_length=EXTERNAL_ID_LENGTH)
    external_number: int | None = None


class Incident(IncidentBase, table=True):
    __table_args__ = (
        UniqueConstraint("workspace_id", "number"),
        # Grouping looks for the incidents of one rule that began near the new alert's time.
        Index("ix_incident_grouping", "workspace_id", "rule_name", "first_alert_at"),
        # A SIEM's incident delivered again is found, and never stored twice.
        Index("ix_incident_external_id", "workspace_id", "external_id", unique=True),
    )

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    workspace_id: str = Field(
        sa_column=Column(String(36), ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False)
    )
    labels: list[str] = Field(sa_column=Column(JsonColumn, nullable=False))
    # The union of its alerts' entities, one entry per entity.
    entities: list[dict[str, Any]] = Field(sa_column=Column(JsonColumn, nullable=False))
    first_alert_at: datetime = Field(sa_type=DateTime(timezone=True))
    last_alert_at: datetime = Field(sa_type=DateTime(timezone=True))
    created_at: datetime = _timestamp(index=True)
    updated_at: datetime = _timestamp()


class IncidentCounter(SQLModel, table=True):
    """The last incident number given out in a workspace. Its row is also the lock that the
    workspace's alert ingestions take turns on (store/incidents.py)."""

    __tablename__ = "incident_counter"

    workspace_id: str = Field(
        sa_column=Column(
            String(36), ForeignKey("workspace.id", ondelete="CASCADE"), primary_key=True
        )
    )
    last_number: int


class IncidentUpdate(SQLModel):
    """What PATCH /api/v1/incidents/{id} takes: the fields to change. Only owner may be null
    (nobody owns the incident); closing needs a classification."""

    model_config = STRICT

    title: str | None = Field(default=None, min_length=1, max_length=TITLE_LENGTH)
    description: str | None = Field(default=None, max_length=ALERT_DESCRIPTION_LENGTH)
    severity: SeverityField | None = None
    status: StatusField | None = None
    classification: ClassificationField | None = None
    classification_comment: str | None = Field(default=None, max_length=COMMENT_LENGTH)
    owner: str | None = Field(default=None, min_length=1, max_length=NAME_LENGTH)
    labels: list[Label] | None = Field(default=None, max_length=MAX_LABELS)

    @field_validator(
        "title",
        "description",
        "severity",
        "status",
        "classification",
        "classification_comment",
        "labels",
    )
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("may not be null")
        return value


class IncidentSummary(IncidentBase):
    id: str
    workspace_id: str
    severity: Severity
    status: Status
    classification: Classification | None
    labels: list[str]
    first_alert_at: UtcDatetime
    last_alert_at: UtcDatetime
    created_at: UtcDatetime
    updated_at: UtcDatetime


class IncidentComment(SQLModel, table=True):
    """A comment on an incident: plain text, stored and returned as it was written."""

    __tablename__ = "incident_comment"

    id: int | None = Field(default=None, primary_key=True)
    incident_id: str = Field(
        sa_column=Column(
            String(36), ForeignKey("incident.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    # No foreign key: a comment keeps its author's name after the account is gone.
    author_id: str | None = Field(default=None, max_length=36)
    author_name: str = Field(max_length=100)
    text: str = Field(sa_type=Text)
    created_at: datetime = _timestamp()


class CommentCreate(SQLModel):
    model_config = STRICT

    text: str = Field(min_length=1, max_length=COMMENT_LENGTH)


class CommentPublic(SQLModel):
    id: int
    incident_id: str
    author_id: str | None
    author_name: str
    text: str
    created_at: UtcDatetime


class CommentPage(SQLModel):
    data: list[CommentPublic]
    total: int
    next: str | None


class IncidentPublic(IncidentSummary):
    entities: list[EntityPublic]
    alerts: list[AlertSummary]
    comments: list[CommentPublic]


class IncidentPage(SQLModel):
    data: list[IncidentSummary]
    total: int
    next: str | None


class ExternalIncidentCreate(SQLModel):
    """An incident another SIEM made (Microsoft Sentinel: incidents/sentinel.py reads its
    payload into this shape). It is one incident here with all its alerts, and delivering it
    again updates that incident."""

    model_config = STRICT

    external_id: str = Field(min_length=1, max_length=EXTERNAL_ID_LENGTH)
    external_number: int | None = None
    fields: IncidentUpdate
    """What a delivery sets and a re-delivery updates: title, severity, status..."""
    rule_name: str = Field(max_length=NAME_LENGTH)
    first_activity: AwareDatetime | None = None
    last_activity: AwareDatetime | None = None
    entities: list[EntityCreate] = Field(default_factory=list)
    """The incident's own entities, besides its alerts'."""
    alerts: list[AlertCreate] = Field(default_factory=list)


class ExternalIncidentReceived(SQLModel):
    incident: IncidentPublic
    created: bool


class AlertGroupingRuleBase(SQLModel):
    rule_name: str = Field(min_length=1, max_length=NAME_LENGTH)
    action: str = Field(max_length=16)
    entity_match: str = Field(default=EntityMatch.ANY, max_length=8)
    time_window: str = Field(default=DEFAULT_TIME_WINDOW, max_length=32)


class AlertGroupingRule(AlertGroupingRuleBase, table=True):
    """How the alerts of one source rule become incidents, in one workspace. A rule without a
    row gives each alert an incident of its own."""

    __tablename__ = "alert_grouping_rule"

    workspace_id: str = Field(
        sa_column=Column(
            String(36), ForeignKey("workspace.id", ondelete="CASCADE"), primary_key=True
        )
    )
    rule_name: str = Field(primary_key=True, max_length=NAME_LENGTH)
    updated_at: datetime = _timestamp()


class AlertGroupingRuleCreate(AlertGroupingRuleBase):
    """What PUT /api/v1/alert-grouping-rules takes: the whole rule, created or replaced."""

    model_config = STRICT

    action: GroupingAction
    entity_match: EntityMatch = EntityMatch.ANY

    @field_validator("time_window")
    @classmethod
    def _window_in_range(cls, window: str) -> str:
        seconds = duration_seconds(window)
        if not MIN_GROUPING_WINDOW <= seconds <= MAX_GROUPING_WINDOW:
            raise ValueError("the window is from 5 minutes (PT5M) to 7 days (P7D)")
        return window


class AlertGroupingRulePublic(AlertGroupingRuleBase):
    workspace_id: str
    action: GroupingAction
    entity_match: EntityMatch
    updated_at: UtcDatetime


class AlertGroupingRuleList(SQLModel):
    data: list[AlertGroupingRulePublic]
    total: int


class AutomationRuleBody(SQLModel):
    """What POST and PUT /api/v1/automation-rules take; automation.rules.RULE_SCHEMA checks it
    (every problem at once, with its path) before this model reads it."""

    name: str
    order: int = 500
    enabled: bool = True
    expires_at: AwareDatetime | None = None
    trigger: str
    conditions: dict[str, Any] | None = None
    actions: list[dict[str, Any]]


class AutomationRule(SQLModel, table=True):
    __tablename__ = "automation_rule"
    __table_args__ = (Index("ix_automation_rule_trigger", "workspace_id", "trigger", "enabled"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    workspace_id: str = Field(
        sa_column=Column(String(36), ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False)
    )
    name: str = Field(max_length=200)
    order: int = 500
    enabled: bool = True
    expires_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    trigger: str = Field(max_length=32)
    conditions: dict[str, Any] | None = Field(default=None, sa_column=Column(JsonColumn))
    actions: list[dict[str, Any]] = Field(sa_column=Column(JsonColumn, nullable=False))
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()


class AutomationRulePublic(SQLModel):
    id: str
    workspace_id: str
    name: str
    order: int
    enabled: bool
    expires_at: UtcDatetime | None
    trigger: str
    conditions: dict[str, Any] | None
    actions: list[dict[str, Any]]
    created_at: UtcDatetime
    updated_at: UtcDatetime


class AutomationRuleList(SQLModel):
    data: list[AutomationRulePublic]
    total: int


class AutomationEvent(SQLModel, table=True):
    """An incident or alert event automation rules answer, written in the same transaction as
    the event itself: a server that dies before the rules ran runs them when it starts again.
    `outcome` is what the rules did (the incident's automation timeline)."""

    __tablename__ = "automation_event"
    __table_args__ = (Index("ix_automation_event_pending", "done_at"),)

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    workspace_id: str = Field(
        sa_column=Column(String(36), ForeignKey("workspace.id", ondelete="CASCADE"), nullable=False)
    )
    trigger: str = Field(max_length=32)
    incident_id: str | None = Field(default=None, max_length=36, index=True)
    alert_id: str | None = Field(default=None, max_length=36)
    # For incident updates: what the conditions read before the change (`changed`).
    previous: dict[str, Any] | None = Field(default=None, sa_column=Column(JsonColumn))
    outcome: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JsonColumn))
    created_at: datetime = _timestamp()
    done_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class AutomationEventPublic(SQLModel):
    id: str
    trigger: str
    incident_id: str | None
    alert_id: str | None
    outcome: list[dict[str, Any]] | None
    created_at: UtcDatetime
    done_at: UtcDatetime | None


# Approvals: a playbook step that asks people and waits for their answer.
APPROVAL_TITLE_LENGTH = 500
APPROVAL_MESSAGE_LENGTH = 10_000
APPROVAL_COMMENT_LENGTH = 2000
APPROVER_LENGTH = 320  # an email address at most


class Approval(SQLModel, table=True):
    """One request of an "Ask for approval" step. Its id is derived from the step's idempotency
    key, so the step carried out again after a crash finds it rather than asking twice."""

    id: str = Field(primary_key=True, max_length=36)
    workspace_id: str = Field(max_length=36, index=True)
    run_id: str = Field(
        sa_column=Column(
            String(36), ForeignKey("run.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    step_key: str = Field(max_length=2000)
    playbook_id: str = Field(max_length=36)
    incident_id: str | None = Field(default=None, max_length=36)
    title: str = Field(max_length=APPROVAL_TITLE_LENGTH)
    message: str = Field(default="", sa_type=Text)
    options: list[str] = Field(sa_column=Column(JsonColumn, nullable=False))
    # {"kind": "first" | "all" | "quorum", "quorum": int | null}
    policy: dict[str, Any] = Field(sa_column=Column(JsonColumn, nullable=False))
    # Email addresses and soarflow user names, as the step named them.
    approvers: list[str] = Field(sa_column=Column(JsonColumn, nullable=False))
    allow_comment: bool = False
    # What approvers answer besides the option: [{id, label, choices: [{title, value}],
    # multiple, required, default: [values], for_options: [options] | null}].
    questions: list[dict[str, Any]] = Field(
        default_factory=list,
        sa_column=Column(JsonColumn, nullable=False, server_default=sql_text("'[]'")),
    )
    # The user who started the run, who may not approve their own request.
    requested_by: str | None = Field(default=None, max_length=36)
    decision: str | None = Field(default=None, max_length=200)
    decided_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))
    created_at: datetime = _timestamp()


class ApprovalResponse(SQLModel, table=True):
    """One approver's answer: who, when, what and from where. One per approver (the unique
    constraint makes a replayed link change nothing, even when two arrive at once)."""

    __tablename__ = "approval_response"
    __table_args__ = (UniqueConstraint("approval_id", "approver"),)

    id: int | None = Field(default=None, primary_key=True)
    approval_id: str = Field(
        sa_column=Column(
            String(36), ForeignKey("approval.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    approver: str = Field(max_length=APPROVER_LENGTH)
    option: str = Field(max_length=200)
    comment: str | None = Field(default=None, sa_type=Text)
    # The answers to the questions asked with the option, by question id: a value, a list of
    # values (a question with several answers) or null (not answered).
    answers: dict[str, Any] = Field(
        default_factory=dict,
        sa_column=Column(JsonColumn, nullable=False, server_default=sql_text("'{}'")),
    )
    # link (the mailed link), inbox (the soarflow page) or api.
    via: str = Field(max_length=16)
    user_id: str | None = Field(default=None, max_length=36)
    ip: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=500)
    responded_at: datetime = _timestamp()


# One question's answer: a choice's value, or several.
ChoiceValue = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TEXT_LENGTH)]
QuestionAnswer = ChoiceValue | Annotated[list[ChoiceValue], MaxLen(MAX_CHOICES)] | None


class ApprovalAnswer(SQLModel):
    model_config = STRICT

    option: str = Field(min_length=1, max_length=200)
    comment: str | None = Field(default=None, max_length=APPROVAL_COMMENT_LENGTH)
    # By question id, for the questions asked with the option.
    answers: dict[str, QuestionAnswer] = Field(default_factory=dict, max_length=MAX_QUESTIONS)


class ApprovalResponsePublic(SQLModel):
    approver: str
    option: str
    comment: str | None
    answers: dict[str, Any]
    responded_at: UtcDatetime


class OwnAnswer(SQLModel):
    option: str
    comment: str | None
    answers: dict[str, Any]
    responded_at: UtcDatetime


class ApprovalChoice(SQLModel):
    title: str
    value: str


class ApprovalQuestion(SQLModel):
    """A question approvers answer besides the option: a choice among values."""

    id: str
    label: str
    choices: list[ApprovalChoice]
    # Several values may be chosen.
    multiple: bool
    # Must be answered when it is asked (with one of its options).
    required: bool
    # The values chosen beforehand.
    default: list[str]
    # The options it is asked with; null: every option.
    for_options: list[str] | None


class ApprovalIncident(SQLModel):
    id: str
    number: int
    title: str
    severity: str
    status: str
    entities: list[dict[str, str]]


class ApprovalView(SQLModel):
    """An approval as one approver sees it, on the page their link opens."""

    id: str
    title: str
    message: str
    options: list[str]
    questions: list[ApprovalQuestion]
    allow_comment: bool
    # open, answered (by this approver), decided, expired or closed (the step no longer waits).
    state: str
    decision: str | None
    policy: dict[str, Any]
    approver: str
    answer: OwnAnswer | None
    responses_count: int
    approvers_count: int
    created_at: UtcDatetime
    expires_at: UtcDatetime
    incident: ApprovalIncident | None


class InboxApproval(ApprovalView):
    run_id: str
    playbook_id: str
    playbook_name: str | None
    responses: list[ApprovalResponsePublic]


class InboxPage(SQLModel):
    data: list[InboxApproval]
    total: int
    next: str | None


# Imports: the report of a playbook imported from Microsoft Sentinel / Logic Apps.


class PlaybookImport(SQLModel, table=True):
    """What an imported playbook's source held that did not carry over, kept with the playbook
    for its import report."""

    __tablename__ = "playbook_import"

    id: int | None = Field(default=None, primary_key=True)
    playbook_id: str = Field(
        sa_column=Column(
            String(36),
            ForeignKey("playbook.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        )
    )
    file_name: str = Field(max_length=500)
    # [{kind, path, message, node_id}]: see soarflow.logicapps.workflow.Finding.
    findings: list[dict[str, Any]] = Field(sa_column=Column(JsonColumn, nullable=False))
    unmapped: int = 0
    created_at: datetime = _timestamp()


class FindingPublic(SQLModel):
    # action, expression or trigger: not carried over; defect: a fault of the original; note.
    kind: str
    path: str
    message: str
    node_id: str | None


class ImportReport(SQLModel):
    playbook_id: str
    file_name: str
    imported_at: UtcDatetime
    unmapped: int
    findings: list[FindingPublic]


class ImportedFile(SQLModel):
    """One file of an import: imported (complete and valid), draft (saved with problems or
    unmapped parts) or failed (nothing saved)."""

    file: str
    status: str
    playbook_id: str | None
    name: str | None
    unmapped: int
    problems: int
    error: str | None
    findings: list[FindingPublic]


class ImportResults(SQLModel):
    data: list[ImportedFile]
    imported: int
    drafts: int
    failed: int
