"""/api/v1/sentinel/incidents: Microsoft Sentinel hands its incidents to soarflow, with the body
its incident trigger delivers (a Logic App's HTTP action posting `triggerBody()`).

A Sentinel incident becomes one soarflow incident with all its alerts. Delivering it again (the
same ARM id) updates that incident and answers 200; nothing is stored twice."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, url_for
from pydantic import ValidationError

from soarflow.api.audit import audit_target
from soarflow.api.auth import requires, target_workspace
from soarflow.api.body import (
    invalid_fields,
    json_body,
    model_response,
    validation_problems,
)
from soarflow.api.errors import ApiError
from soarflow.api.extensions import automation, db_session
from soarflow.api.incidents import public_incident
from soarflow.api.openapi import operation
from soarflow.automation.dispatch import automation_subject
from soarflow.incidents.sentinel import SentinelPayloadError, read_incident
from soarflow.security.roles import Permission
from soarflow.store import automation as automation_repo
from soarflow.store import incidents as repo
from soarflow.store.models import (
    AutomationEvent,
    ExternalIncidentCreate,
    ExternalIncidentReceived,
)

bp = Blueprint("sentinel", __name__, url_prefix="/api/v1/sentinel")
TAG = "sentinel"
_SEVERITY = {"type": "string", "enum": ["High", "Medium", "Low", "Informational"]}
# The parts soarflow reads (shared/corpus/sentinel-trigger-payloads.md §1.1); Sentinel sends
# more, which is accepted and left out.
INCIDENT_TRIGGER_BODY = {
    "type": "object",
    "description": "The body of Microsoft Sentinel's incident trigger",
    "required": ["object"],
    "properties": {
        "object": {
            "type": "object",
            "required": ["id", "properties"],
            "properties": {
                "id": {"type": "string", "description": "the incident's ARM id"},
                "properties": {
                    "type": "object",
                    "required": ["title", "severity", "status"],
                    "properties": {
                        "title": {"type": "string"},
                        "description": {"type": "string"},
                        "severity": _SEVERITY,
                        "status": {"type": "string", "enum": ["New", "Active", "Closed"]},
                        "classification": {"type": "string"},
                        "classificationReason": {"type": "string"},
                        "classificationComment": {"type": "string"},
                        "owner": {"type": "object"},
                        "labels": {"type": "array", "items": {"type": "object"}},
                        "incidentNumber": {"type": "integer"},
                        "firstActivityTimeUtc": {"type": "string", "format": "date-time"},
                        "lastActivityTimeUtc": {"type": "string", "format": "date-time"},
                        "alerts": {"type": "array", "items": {"type": "object"}},
                        "relatedEntities": {"type": "array", "items": {"type": "object"}},
                    },
                },
            },
        },
    },
}


@bp.post("/incidents")
@requires(Permission.ALERT_WRITE)
@operation(
    "Receive a Microsoft Sentinel incident with its alerts and entities; delivering it again "
    "updates it",
    tag=TAG,
    request=INCIDENT_TRIGGER_BODY,
    query={"workspace": {"type": "string", "description": "workspace id or name"}},
    responses={
        200: ExternalIncidentReceived,
        201: ExternalIncidentReceived,
        400: "Malformed",
        413: "Too large",
        415: "Not JSON",
        422: "Missing or invalid fields, each named by its path in Sentinel's payload",
        503: "Busy: deliver the incident again",
    },
)
def receive_incident() -> tuple[Response, int]:
    workspace_id = target_workspace()
    received = _received(json_body())
    session = db_session()
    try:
        result = repo.receive_external_incident(
            session,
            workspace_id=workspace_id,
            received=received,
            snapshot=lambda incident: automation_subject(session, incident),
        )
    except repo.IngestBusyError:
        raise ApiError(
            503,
            "busy",
            "other deliveries kept changing this incident: deliver it again",
            headers={"Retry-After": "1"},
        ) from None
    incident = result.incident
    event: AutomationEvent | None = None
    if result.changed:
        event = automation_repo.record_event(
            session,
            workspace_id=workspace_id,
            trigger="incident_created" if result.created else "incident_updated",
            incident_id=incident.id,
            previous=result.previous,
        )
    session.commit()
    audit_target("incident", incident.id, workspace_id)
    if event is not None:
        automation().process(event.id)
        session.refresh(incident)
    body = ExternalIncidentReceived(incident=public_incident(incident), created=result.created)
    response = model_response(body)
    response.headers["Location"] = url_for("incidents.get", incident_id=incident.id)
    return response, 201 if result.created else 200


def _received(payload: Any) -> ExternalIncidentCreate:
    """The payload read and checked: 422 names each problem by its path in the payload."""
    if not isinstance(payload, dict):
        raise ApiError(400, "bad_request", "send a JSON object")
    try:
        incident = read_incident(payload)
    except SentinelPayloadError as error:
        raise invalid_fields(
            [
                {"field": problem.field, "code": problem.code, "message": problem.message}
                for problem in error.problems
            ]
        ) from None
    try:
        return ExternalIncidentCreate.model_validate(incident.value)
    except ValidationError as error:
        raise invalid_fields(validation_problems(error, incident.path_of)) from None
