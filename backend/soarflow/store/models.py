"""SQLModel tables and the public shapes the API returns (Base / table / Public families)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import AfterValidator
from sqlalchemy import JSON, Column, DateTime, ForeignKey, String, UniqueConstraint
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
    """A run of a playbook version. The runtime fills in the rest; lists count these now."""

    id: str = Field(default_factory=new_id, primary_key=True, max_length=36)
    playbook_id: str = Field(
        sa_column=Column(
            String(36), ForeignKey("playbook.id", ondelete="CASCADE"), nullable=False, index=True
        )
    )
    playbook_version: int
    status: str = Field(default="queued", max_length=16)
    created_at: datetime = _timestamp()


class PlaybookSummary(PlaybookBase):
    id: str
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
