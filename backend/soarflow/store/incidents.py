"""Alerts, incidents, their comments and the alert-grouping rules: keyword-only functions over a
Session. Callers commit.

The functions that change something say what happened, for the automation rules that will act
on it: an alert received for the first time (soarflow.alert_created), the incident it opened
(soarflow.incident_created) or joined, and the fields an update changed (soarflow.incident_updated).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from soarflow.incidents import Status
from soarflow.incidents.entities import canonical_kind, identities, merge_entities
from soarflow.incidents.grouping import (
    Candidate,
    Decision,
    GroupingAction,
    GroupingRule,
    NewAlert,
    Outcome,
    decide,
    window_around,
)
from soarflow.store.models import (
    Alert,
    AlertBase,
    AlertCreate,
    AlertGroupingRule,
    AlertGroupingRuleCreate,
    EntityCreate,
    ExternalIncidentCreate,
    Incident,
    IncidentComment,
    IncidentCounter,
    IncidentUpdate,
    as_utc,
    utcnow,
)

# An attempt fails only when a concurrent request made the workspace's counter row first, or
# closed the incident the alert was joining; the next attempt sees what that request did.
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class Ingested:
    """What receiving an alert did. `created` is False when the alert had been received before:
    then nothing changed, and `grouping` is what happened the first time."""

    alert: Alert
    incident: Incident | None
    grouping: Outcome
    created: bool


@dataclass(frozen=True)
class IncidentUpdated:
    incident: Incident
    changes: dict[str, tuple[Any, Any]]
    """field name: (before, after), for the fields whose value changed."""


@dataclass(frozen=True)
class ExternalReceived:
    """What receiving another SIEM's incident did. `changed` is True for a new incident, and for
    one received before when the delivery changed it; `previous` is what the caller's snapshot
    made of one received before, as it was before this delivery."""

    incident: Incident
    created: bool
    changed: bool
    previous: dict[str, Any] | None


class IngestBusyError(Exception):
    """Concurrent requests kept getting in the way; sending the alert again is safe."""


class IncidentChangeError(Exception):
    def __init__(self, code: str, message: str, field: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


class _Overtaken(Exception):
    """The incident to join was closed after it was read."""


def ingest_alert(
    session: Session, *, workspace_id: str, alert: AlertCreate, idempotency_key: str | None
) -> Ingested:
    """Store an alert and give it an incident as its rule's grouping says, unless the workspace
    already has it: by idempotency key, or by source product and source alert id."""
    for _ in range(MAX_ATTEMPTS):
        try:
            return _receive(
                session, workspace_id=workspace_id, alert=alert, idempotency_key=idempotency_key
            )
        except (IntegrityError, _Overtaken):
            session.rollback()
    raise IngestBusyError


def find_received(
    session: Session,
    *,
    workspace_id: str,
    source_product: str,
    source_alert_id: str | None,
    idempotency_key: str | None,
) -> Alert | None:
    same: list[ColumnElement[bool]] = []
    if idempotency_key is not None:
        same.append(col(Alert.idempotency_key) == idempotency_key)
    if source_alert_id is not None:
        same.append(
            (col(Alert.source_product) == source_product)
            & (col(Alert.source_alert_id) == source_alert_id)
        )
    if not same:
        return None
    query = select(Alert).where(col(Alert.workspace_id) == workspace_id, or_(*same))
    return session.exec(query.order_by(col(Alert.created_at))).first()


def _receive(
    session: Session, *, workspace_id: str, alert: AlertCreate, idempotency_key: str | None
) -> Ingested:
    _take_turn(session, workspace_id=workspace_id)
    known = find_received(
        session,
        workspace_id=workspace_id,
        source_product=alert.source_product,
        source_alert_id=alert.source_alert_id,
        idempotency_key=idempotency_key,
    )
    if known is not None:
        return _received_before(session, known)
    # SQLite keeps the wall-clock digits of a datetime and drops its offset: store UTC only.
    time = alert.time.astimezone(UTC)
    entities = _canonical(alert.entities)
    decision = _decide(
        session, workspace_id=workspace_id, rule_name=alert.rule_name, entities=entities, time=time
    )
    incident: Incident | None = None
    if decision.outcome is Outcome.JOINED:
        assert decision.incident_id is not None
        incident = _join(session, incident_id=decision.incident_id, entities=entities, time=time)
    elif decision.outcome is Outcome.CREATED:
        incident = _open(
            session, workspace_id=workspace_id, alert=alert, entities=entities, time=time
        )
    stored = _stored_alert(
        alert,
        workspace_id=workspace_id,
        incident_id=incident.id if incident else None,
        grouping=decision.outcome,
        idempotency_key=idempotency_key,
    )
    session.add(stored)
    session.flush()
    return Ingested(stored, incident, decision.outcome, created=True)


def _canonical(entities: Iterable[EntityCreate]) -> list[dict[str, Any]]:
    return [
        {"kind": canonical_kind(entity.kind), "properties": entity.properties}
        for entity in entities
    ]


def _stored_alert(
    alert: AlertCreate,
    *,
    workspace_id: str,
    incident_id: str | None,
    grouping: Outcome,
    idempotency_key: str | None = None,
) -> Alert:
    return Alert(
        **alert.model_dump(
            mode="json", include={*AlertBase.model_fields, "tactics", "custom_details"}
        ),
        workspace_id=workspace_id,
        incident_id=incident_id,
        idempotency_key=idempotency_key,
        grouping=grouping.value,
        time=alert.time.astimezone(UTC),
        entities=_canonical(alert.entities),
    )


def _received_before(session: Session, alert: Alert) -> Ingested:
    incident = get_incident(session, incident_id=alert.incident_id) if alert.incident_id else None
    return Ingested(alert, incident, Outcome(alert.grouping), created=False)


def _decide(
    session: Session,
    *,
    workspace_id: str,
    rule_name: str,
    entities: list[dict[str, Any]],
    time: datetime,
) -> Decision:
    rule = grouping_rule(session, workspace_id=workspace_id, rule_name=rule_name)
    candidates = (
        _candidates(session, workspace_id=workspace_id, rule_name=rule_name, rule=rule, time=time)
        if rule.action is GroupingAction.GROUP
        else []
    )
    return decide(rule, NewAlert(time, identities(entities)), candidates)


def _candidates(
    session: Session, *, workspace_id: str, rule_name: str, rule: GroupingRule, time: datetime
) -> list[Candidate]:
    """The incidents of the alert's rule that began within its window; grouping decides.
    Another SIEM's incidents are not among them: they hold what that SIEM grouped, and a
    re-delivery would make them say so again."""
    earliest, latest = window_around(time, rule.window)
    query = select(Incident).where(
        col(Incident.workspace_id) == workspace_id,
        col(Incident.rule_name) == rule_name,
        col(Incident.first_alert_at) >= earliest,
        col(Incident.first_alert_at) <= latest,
        col(Incident.external_id).is_(None),
    )
    return [
        Candidate(
            incident_id=incident.id,
            closed=incident.status == Status.CLOSED,
            first_alert_at=as_utc(incident.first_alert_at),
            alert_count=incident.alert_count,
            entities=identities(incident.entities),
        )
        for incident in session.exec(query)
    ]


def _open(
    session: Session,
    *,
    workspace_id: str,
    alert: AlertCreate,
    entities: list[dict[str, Any]],
    time: datetime,
) -> Incident:
    incident = Incident(
        workspace_id=workspace_id,
        number=_next_number(session, workspace_id=workspace_id),
        title=alert.title,
        description=alert.description,
        severity=alert.severity.value,
        rule_name=alert.rule_name,
        alert_count=1,
        labels=[],
        entities=merge_entities(entities),
        first_alert_at=time,
        last_alert_at=time,
    )
    session.add(incident)
    session.flush()
    return incident


def _take_turn(session: Session, *, workspace_id: str) -> None:
    """Wait for the other ingestions in the workspace to end, and keep them waiting until this
    one commits: then a repeated alert is always seen as one, and grouping sees every alert
    before it. The lock is the workspace's incident-counter row (on SQLite, any write)."""
    touched = session.execute(
        update(IncidentCounter)
        .where(col(IncidentCounter.workspace_id) == workspace_id)
        .values(last_number=col(IncidentCounter.last_number))
        .execution_options(synchronize_session=False)
    )
    if touched.rowcount == 0:  # type: ignore[attr-defined]
        # The workspace's first alert. Two at once: one insert fails, and that attempt retries.
        session.add(IncidentCounter(workspace_id=workspace_id, last_number=0))
        session.flush()


def _next_number(session: Session, *, workspace_id: str) -> int:
    number = session.execute(
        update(IncidentCounter)
        .where(col(IncidentCounter.workspace_id) == workspace_id)
        .values(last_number=col(IncidentCounter.last_number) + 1)
        .returning(col(IncidentCounter.last_number))
        .execution_options(synchronize_session=False)
    ).scalar_one()
    return int(number)


def _join(
    session: Session, *, incident_id: str, entities: list[dict[str, Any]], time: datetime
) -> Incident:
    """Add the alert to the incident, unless someone closed it since it was read (triage does
    not wait for ingestion's turn)."""
    incident = get_incident(session, incident_id=incident_id)
    assert incident is not None
    values = {
        "entities": merge_entities([*incident.entities, *entities]),
        "alert_count": incident.alert_count + 1,
        "first_alert_at": min(as_utc(incident.first_alert_at), time),
        "last_alert_at": max(as_utc(incident.last_alert_at), time),
        "updated_at": utcnow(),
    }
    result = session.execute(
        update(Incident)
        .where(col(Incident.id) == incident_id, col(Incident.status) != Status.CLOSED)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise _Overtaken
    session.refresh(incident)
    return incident


def receive_external_incident(
    session: Session,
    *,
    workspace_id: str,
    received: ExternalIncidentCreate,
    snapshot: Callable[[Incident], dict[str, Any]],
) -> ExternalReceived:
    """Store another SIEM's incident as one incident with all its alerts, whatever the grouping
    rules say (the SIEM has grouped them); or, when the workspace has it (same external id),
    update it: its fields as sent (labels added to its own), new alerts and entities added. An
    alert the workspace has (same source product and alert id) is not stored again, and stays
    where it is. `snapshot` is called with the incident before a re-delivery changes it (the
    automation rules' `previous`)."""
    for _ in range(MAX_ATTEMPTS):
        try:
            return _receive_external(
                session, workspace_id=workspace_id, received=received, snapshot=snapshot
            )
        except IntegrityError:
            session.rollback()
    raise IngestBusyError


def find_external_incident(
    session: Session, *, workspace_id: str, external_id: str
) -> Incident | None:
    query = select(Incident).where(
        col(Incident.workspace_id) == workspace_id, col(Incident.external_id) == external_id
    )
    return session.exec(query).first()


def _receive_external(
    session: Session,
    *,
    workspace_id: str,
    received: ExternalIncidentCreate,
    snapshot: Callable[[Incident], dict[str, Any]],
) -> ExternalReceived:
    # Taking the alert ingestions' turn: a delivery racing another of the same incident, or an
    # alert with the same id, sees what the other stored.
    _take_turn(session, workspace_id=workspace_id)
    alerts = _unreceived(session, workspace_id=workspace_id, alerts=received.alerts)
    entities = _canonical([*received.entities, *(e for alert in alerts for e in alert.entities)])
    given = (received.first_activity, received.last_activity, *(a.time for a in alerts))
    moments = [moment.astimezone(UTC) for moment in given if moment is not None]
    incident = find_external_incident(
        session, workspace_id=workspace_id, external_id=received.external_id
    )
    if incident is None:
        incident = _open_external(
            session,
            workspace_id=workspace_id,
            received=received,
            alert_count=len(alerts),
            entities=entities,
            moments=moments,
        )
        result = ExternalReceived(incident, created=True, changed=True, previous=None)
    else:
        previous = snapshot(incident)
        # Labels only add up: the SIEM's replace nothing that rules or people put here.
        labels = [*incident.labels, *(received.fields.labels or [])]
        wanted = received.fields.model_copy(update={"labels": labels})
        changes = update_incident(session, incident=incident, changes=wanted).changes
        grew = _grow(incident, added=len(alerts), entities=entities, moments=moments)
        result = ExternalReceived(
            incident, created=False, changed=bool(changes) or grew, previous=previous
        )
    # Alerts that came with the incident made it; later ones joined it.
    grouping = Outcome.CREATED if result.created else Outcome.JOINED
    session.add_all(
        _stored_alert(alert, workspace_id=workspace_id, incident_id=incident.id, grouping=grouping)
        for alert in alerts
    )
    session.flush()
    return result


def _unreceived(
    session: Session, *, workspace_id: str, alerts: Sequence[AlertCreate]
) -> list[AlertCreate]:
    """The alerts the workspace does not have yet, each once."""
    fresh: list[AlertCreate] = []
    seen: set[tuple[str, str | None]] = set()
    for alert in alerts:
        key = (alert.source_product, alert.source_alert_id)
        known = find_received(
            session,
            workspace_id=workspace_id,
            source_product=alert.source_product,
            source_alert_id=alert.source_alert_id,
            idempotency_key=None,
        )
        if key in seen or known is not None:
            continue
        if alert.source_alert_id is not None:
            seen.add(key)
        fresh.append(alert)
    return fresh


def _open_external(
    session: Session,
    *,
    workspace_id: str,
    received: ExternalIncidentCreate,
    alert_count: int,
    entities: list[dict[str, Any]],
    moments: Sequence[datetime],
) -> Incident:
    fields = received.fields.model_dump(mode="json", exclude_unset=True)
    fields["labels"] = list(dict.fromkeys(fields.get("labels") or []))
    now = utcnow()
    incident = Incident(
        **fields,
        workspace_id=workspace_id,
        number=_next_number(session, workspace_id=workspace_id),
        rule_name=received.rule_name,
        external_id=received.external_id,
        external_number=received.external_number,
        alert_count=alert_count,
        entities=merge_entities(entities),
        first_alert_at=min(moments, default=now),
        last_alert_at=max(moments, default=now),
    )
    session.add(incident)
    session.flush()
    return incident


def _grow(
    incident: Incident,
    *,
    added: int,
    entities: list[dict[str, Any]],
    moments: Sequence[datetime],
) -> bool:
    """Take new alerts' count, entities and times into an incident; True when it has new alerts
    or entities."""
    merged = merge_entities([*incident.entities, *entities])
    grew = added > 0 or merged != incident.entities
    incident.alert_count += added
    incident.entities = merged
    incident.first_alert_at = min([as_utc(incident.first_alert_at), *moments])
    incident.last_alert_at = max([as_utc(incident.last_alert_at), *moments])
    if grew:
        incident.updated_at = utcnow()
    return grew


def grouping_rule(session: Session, *, workspace_id: str, rule_name: str) -> GroupingRule:
    row = session.get(AlertGroupingRule, {"workspace_id": workspace_id, "rule_name": rule_name})
    if row is None:
        return GroupingRule()
    return GroupingRule.of(
        action=row.action, entity_match=row.entity_match, time_window=row.time_window
    )


def set_grouping_rule(
    session: Session, *, workspace_id: str, rule: AlertGroupingRuleCreate
) -> AlertGroupingRule:
    settings = rule.model_dump(mode="json", exclude={"rule_name"})
    row = session.get(
        AlertGroupingRule, {"workspace_id": workspace_id, "rule_name": rule.rule_name}
    )
    if row is None:
        row = AlertGroupingRule(workspace_id=workspace_id, rule_name=rule.rule_name, **settings)
    else:
        row.sqlmodel_update({**settings, "updated_at": utcnow()})
    session.add(row)
    session.flush()
    return row


def list_grouping_rules(
    session: Session, *, workspace_ids: Sequence[str]
) -> Sequence[AlertGroupingRule]:
    query = (
        select(AlertGroupingRule)
        .where(col(AlertGroupingRule.workspace_id).in_(workspace_ids))
        .order_by(col(AlertGroupingRule.rule_name))
    )
    return session.exec(query).all()


def get_alert(session: Session, *, alert_id: str) -> Alert | None:
    return session.get(Alert, alert_id)


def list_alerts(
    session: Session,
    *,
    workspace_ids: Sequence[str],
    offset: int,
    limit: int,
    severity: str | None = None,
    source_product: str | None = None,
    rule_name: str | None = None,
    incident_id: str | None = None,
) -> tuple[Sequence[Alert], int]:
    """Alerts, the latest to happen first, filtered; and how many match in all."""
    conditions: list[ColumnElement[bool]] = [col(Alert.workspace_id).in_(workspace_ids)]
    for column, wanted in (
        (Alert.severity, severity),
        (Alert.source_product, source_product),
        (Alert.rule_name, rule_name),
        (Alert.incident_id, incident_id),
    ):
        if wanted is not None:
            conditions.append(col(column) == wanted)
    total = session.exec(select(func.count()).select_from(Alert).where(*conditions)).one()
    query = select(Alert).where(*conditions).order_by(col(Alert.time).desc(), col(Alert.id))
    return session.exec(query.offset(offset).limit(limit)).all(), total


def incident_alerts(session: Session, *, incident_id: str) -> Sequence[Alert]:
    query = select(Alert).where(col(Alert.incident_id) == incident_id)
    return session.exec(query.order_by(col(Alert.time), col(Alert.id))).all()


def get_incident(session: Session, *, incident_id: str) -> Incident | None:
    return session.get(Incident, incident_id)


def list_incidents(
    session: Session,
    *,
    workspace_ids: Sequence[str],
    offset: int,
    limit: int,
    status: str | None = None,
    severity: str | None = None,
    owner: str | None = None,
    title_contains: str | None = None,
) -> tuple[Sequence[Incident], int]:
    """Incidents, newest first, filtered; and how many match in all."""
    conditions: list[ColumnElement[bool]] = [col(Incident.workspace_id).in_(workspace_ids)]
    for column, wanted in (
        (Incident.status, status),
        (Incident.severity, severity),
        (Incident.owner, owner),
    ):
        if wanted is not None:
            conditions.append(col(column) == wanted)
    if title_contains:
        conditions.append(col(Incident.title).icontains(title_contains, autoescape=True))
    total = session.exec(select(func.count()).select_from(Incident).where(*conditions)).one()
    query = (
        select(Incident)
        .where(*conditions)
        .order_by(col(Incident.created_at).desc(), col(Incident.number).desc())
    )
    return session.exec(query.offset(offset).limit(limit)).all(), total


def update_incident(
    session: Session, *, incident: Incident, changes: IncidentUpdate
) -> IncidentUpdated:
    """Apply the fields sent. Closing needs a classification, which only closing may set;
    reopening clears it."""
    wanted = changes.model_dump(mode="json", exclude_unset=True)
    closing = wanted.get("status") == Status.CLOSED
    if not closing and {"classification", "classification_comment"} & set(wanted):
        raise IncidentChangeError(
            "classification_needs_closing",
            "a classification is given when closing: send it with status 'closed'",
            "classification",
        )
    if closing and "classification" not in wanted:
        raise IncidentChangeError(
            "classification_required",
            "closing an incident needs a classification: true_positive, benign_positive, "
            "false_positive or undetermined",
            "classification",
        )
    if "status" in wanted and not closing:
        wanted |= {"classification": None, "classification_comment": ""}
    if "labels" in wanted:
        wanted["labels"] = list(dict.fromkeys(wanted["labels"]))
    found = {name: (getattr(incident, name), value) for name, value in wanted.items()}
    changed = {name: pair for name, pair in found.items() if pair[0] != pair[1]}
    if changed:
        for name, (_, value) in changed.items():
            setattr(incident, name, value)
        incident.updated_at = utcnow()
        session.add(incident)
        session.flush()
    return IncidentUpdated(incident, changed)


def add_comment(
    session: Session, *, incident: Incident, author_id: str | None, author_name: str, text: str
) -> IncidentComment:
    comment = IncidentComment(
        incident_id=incident.id, author_id=author_id, author_name=author_name, text=text
    )
    incident.updated_at = utcnow()
    session.add_all([comment, incident])
    session.flush()
    return comment


def list_comments(
    session: Session, *, incident_id: str, offset: int = 0, limit: int | None = None
) -> tuple[Sequence[IncidentComment], int]:
    """Comments, oldest first (the order of the conversation); and how many there are."""
    where = col(IncidentComment.incident_id) == incident_id
    total = session.exec(select(func.count()).select_from(IncidentComment).where(where)).one()
    query = select(IncidentComment).where(where).order_by(col(IncidentComment.id))
    return session.exec(query.offset(offset).limit(limit)).all(), total
