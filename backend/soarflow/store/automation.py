"""Repository for automation rules and the events they answer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement
from sqlmodel import Session, col, func, select

from soarflow.incidents.grouping import Outcome
from soarflow.store.incidents import Ingested
from soarflow.store.models import (
    AutomationEvent,
    AutomationRule,
    AutomationRuleBody,
    utcnow,
)


def create_rule(session: Session, *, workspace_id: str, body: AutomationRuleBody) -> AutomationRule:
    rule = AutomationRule(workspace_id=workspace_id, **body.model_dump())
    session.add(rule)
    session.flush()
    return rule


def replace_rule(session: Session, *, rule: AutomationRule, body: AutomationRuleBody) -> None:
    for name, value in body.model_dump().items():
        setattr(rule, name, value)
    rule.updated_at = utcnow()
    session.add(rule)
    session.flush()


def get_rule(session: Session, *, rule_id: str) -> AutomationRule | None:
    return session.get(AutomationRule, rule_id)


def list_rules(
    session: Session,
    *,
    workspace_ids: Sequence[str],
    trigger: str | None = None,
    enabled: bool | None = None,
) -> tuple[Sequence[AutomationRule], int]:
    """Rules in the order they run: by order, then name."""
    conditions: list[ColumnElement[bool]] = [col(AutomationRule.workspace_id).in_(workspace_ids)]
    if trigger is not None:
        conditions.append(col(AutomationRule.trigger) == trigger)
    if enabled is not None:
        conditions.append(col(AutomationRule.enabled) == enabled)
    total = session.exec(select(func.count()).select_from(AutomationRule).where(*conditions)).one()
    query = (
        select(AutomationRule)
        .where(*conditions)
        .order_by(col(AutomationRule.order), col(AutomationRule.name), col(AutomationRule.id))
    )
    return session.exec(query).all(), total


def record_event(
    session: Session,
    *,
    workspace_id: str,
    trigger: str,
    incident_id: str | None = None,
    alert_id: str | None = None,
    previous: dict[str, Any] | None = None,
) -> AutomationEvent:
    """Note an event for the rules, in the caller's transaction (the one that made it)."""
    event = AutomationEvent(
        workspace_id=workspace_id,
        trigger=trigger,
        incident_id=incident_id,
        alert_id=alert_id,
        previous=previous,
    )
    session.add(event)
    session.flush()
    return event


def pending_events(session: Session) -> Sequence[str]:
    query = select(AutomationEvent.id).where(col(AutomationEvent.done_at).is_(None))
    return session.exec(query.order_by(col(AutomationEvent.created_at))).all()


def incident_events(session: Session, *, incident_id: str) -> Sequence[AutomationEvent]:
    query = select(AutomationEvent).where(col(AutomationEvent.incident_id) == incident_id)
    return session.exec(query.order_by(col(AutomationEvent.created_at))).all()


def record_ingestion(session: Session, *, workspace_id: str, ingested: Ingested) -> list[str]:
    """The events a newly received alert raises: alert created, and incident created when it
    opened one. A re-sent alert raises none."""
    if not ingested.created:
        return []
    incident_id = ingested.incident.id if ingested.incident is not None else None
    events = [
        record_event(
            session,
            workspace_id=workspace_id,
            trigger="alert_created",
            alert_id=ingested.alert.id,
            incident_id=incident_id,
        )
    ]
    if ingested.grouping == Outcome.CREATED and incident_id is not None:
        events.append(
            record_event(
                session,
                workspace_id=workspace_id,
                trigger="incident_created",
                incident_id=incident_id,
            )
        )
    return [event.id for event in events]
