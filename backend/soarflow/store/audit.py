"""The audit log: append-only rows of who did what to which record, from where, and how it went."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, or_, select

from soarflow.store.models import AuditEvent

LOGIN_FAILED = "auth.login_failed"


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    target_type: str | None = None
    target_id: str | None = None
    workspace_ids: Sequence[str] | None = None
    since: datetime | None = None
    until: datetime | None = None


def record(session: Session, **fields: Any) -> AuditEvent:
    event = AuditEvent(**fields)
    session.add(event)
    session.flush()
    return event


def list_events(
    session: Session, *, where: AuditFilter, offset: int, limit: int
) -> tuple[Sequence[AuditEvent], int]:
    conditions = []
    if where.actor is not None:
        conditions.append(
            or_(col(AuditEvent.actor_id) == where.actor, col(AuditEvent.actor_name) == where.actor)
        )
    if where.target_type is not None:
        conditions.append(col(AuditEvent.target_type) == where.target_type)
    if where.target_id is not None:
        conditions.append(col(AuditEvent.target_id) == where.target_id)
    if where.workspace_ids is not None:
        conditions.append(
            or_(
                col(AuditEvent.workspace_id).in_(where.workspace_ids),
                col(AuditEvent.workspace_id).is_(None),
            )
        )
    if where.since is not None:
        conditions.append(col(AuditEvent.at) >= where.since)
    if where.until is not None:
        conditions.append(col(AuditEvent.at) < where.until)
    query = select(AuditEvent).where(*conditions).order_by(col(AuditEvent.id).desc())
    total = session.exec(select(func.count()).select_from(AuditEvent).where(*conditions)).one()
    return session.exec(query.offset(offset).limit(limit)).all(), total


def recent_failed_logins(session: Session, *, name: str, ip: str | None, since: datetime) -> int:
    """Failed sign-ins for this name, or from this address, since a moment."""
    who = col(AuditEvent.target_id) == name
    if ip is not None:
        who = or_(who, col(AuditEvent.ip) == ip)
    query = (
        select(func.count())
        .select_from(AuditEvent)
        .where(col(AuditEvent.action) == LOGIN_FAILED, col(AuditEvent.at) >= since, who)
    )
    return session.exec(query).one()
