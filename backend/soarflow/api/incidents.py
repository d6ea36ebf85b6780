"""/api/v1/incidents: the incidents alerts open, with their alerts, entities and comments; triage
(title, severity, status, owner, labels) and closing with a classification."""

from __future__ import annotations

from flask import Blueprint, Response, request, url_for

from soarflow.api.audit import audit_target
from soarflow.api.auth import authorize, listed_workspaces, principal, requires
from soarflow.api.body import model_body, model_response
from soarflow.api.errors import ApiError, not_found
from soarflow.api.extensions import automation, db_session
from soarflow.api.openapi import operation
from soarflow.api.pagination import QUERY_PARAMETERS, choice_parameter, page_request
from soarflow.automation.dispatch import automation_subject
from soarflow.incidents import Severity, Status
from soarflow.security.roles import Permission
from soarflow.store import automation as automation_repo
from soarflow.store import incidents as repo
from soarflow.store.models import (
    AlertSummary,
    CommentCreate,
    CommentPage,
    CommentPublic,
    Incident,
    IncidentPage,
    IncidentPublic,
    IncidentSummary,
    IncidentUpdate,
)

bp = Blueprint("incidents", __name__, url_prefix="/api/v1/incidents")
TAG = "incidents"
SEVERITIES = [str(severity) for severity in Severity]
STATUSES = [str(status) for status in Status]


@bp.get("")
@requires(Permission.INCIDENT_READ)
@operation(
    "List incidents, newest first",
    tag=TAG,
    query={
        **QUERY_PARAMETERS,
        "status": {"type": "string", "enum": STATUSES},
        "severity": {"type": "string", "enum": SEVERITIES},
        "owner": {"type": "string"},
        "q": {"type": "string", "description": "title contains"},
        "workspace": {"type": "string", "description": "workspace id or name"},
    },
    responses={200: IncidentPage, 400: "Bad query parameter"},
)
def list_all() -> Response:
    page = page_request()
    rows, total = repo.list_incidents(
        db_session(),
        workspace_ids=listed_workspaces(),
        offset=page.offset,
        limit=page.limit,
        status=choice_parameter("status", STATUSES),
        severity=choice_parameter("severity", SEVERITIES),
        owner=request.args.get("owner"),
        title_contains=request.args.get("q") or None,
    )
    filters = ("status", "severity", "owner", "q", "workspace")
    extra = {k: v for k, v in request.args.items() if k in filters}
    data = [IncidentSummary.model_validate(incident) for incident in rows]
    return model_response(IncidentPage(data=data, total=total, next=page.next_url(total, **extra)))


@bp.get("/<incident_id>")
@requires(Permission.INCIDENT_READ)
@operation(
    "Get an incident with its alerts, entities, labels and comments",
    tag=TAG,
    responses={200: IncidentPublic, 404: "No such incident"},
)
def get(incident_id: str) -> Response:
    return _public(_load(incident_id))


@bp.patch("/<incident_id>")
@requires(Permission.INCIDENT_WRITE)
@operation(
    "Change an incident's title, description, severity, status, owner or labels; closing "
    "needs a classification",
    tag=TAG,
    request=IncidentUpdate,
    responses={
        200: IncidentPublic,
        400: "Malformed",
        404: "No such incident",
        415: "Not JSON",
        422: "Invalid fields, or closing without a classification",
    },
)
def patch(incident_id: str) -> Response:
    incident = _load(incident_id)
    changes = model_body(IncidentUpdate)
    session = db_session()
    before = automation_subject(session, incident)
    try:
        updated = repo.update_incident(session, incident=incident, changes=changes)
    except repo.IncidentChangeError as refused:
        raise ApiError(422, refused.code, refused.message, {"field": refused.field}) from None
    event = None
    if updated.changes:
        event = automation_repo.record_event(
            session,
            workspace_id=incident.workspace_id,
            trigger="incident_updated",
            incident_id=incident.id,
            previous=before,
        )
    session.commit()
    if event is not None:
        automation().process(event.id)
        session.refresh(incident)
    return _public(incident)


@bp.get("/<incident_id>/comments")
@requires(Permission.INCIDENT_READ)
@operation(
    "List an incident's comments, oldest first",
    tag=TAG,
    query=QUERY_PARAMETERS,
    responses={200: CommentPage, 400: "Bad query parameter", 404: "No such incident"},
)
def comments(incident_id: str) -> Response:
    incident = _load(incident_id)
    page = page_request()
    rows, total = repo.list_comments(
        db_session(), incident_id=incident.id, offset=page.offset, limit=page.limit
    )
    data = [CommentPublic.model_validate(comment) for comment in rows]
    return model_response(CommentPage(data=data, total=total, next=page.next_url(total)))


@bp.post("/<incident_id>/comments")
@requires(Permission.INCIDENT_WRITE)
@operation(
    "Comment on an incident; the text is kept as written, never rendered or evaluated",
    tag=TAG,
    request=CommentCreate,
    responses={
        201: CommentPublic,
        400: "Malformed",
        404: "No such incident",
        413: "Too large",
        415: "Not JSON",
        422: "Missing or invalid text",
    },
)
def add_comment(incident_id: str) -> tuple[Response, int]:
    incident = _load(incident_id)
    text = model_body(CommentCreate).text
    caller = principal()
    session = db_session()
    comment = repo.add_comment(
        session,
        incident=incident,
        author_id=caller.user_id,
        author_name=caller.user_name,
        text=text,
    )
    session.commit()
    response = model_response(CommentPublic.model_validate(comment))
    response.headers["Location"] = url_for(".comments", incident_id=incident.id)
    return response, 201


def _load(incident_id: str) -> Incident:
    incident = repo.get_incident(db_session(), incident_id=incident_id)
    missing = not_found("incident", incident_id)
    if incident is None:
        raise missing
    authorize(incident.workspace_id, missing=missing)
    audit_target("incident", incident.id, incident.workspace_id)
    return incident


def _public(incident: Incident) -> Response:
    return model_response(public_incident(incident))


def public_incident(incident: Incident) -> IncidentPublic:
    """The incident as GET /api/v1/incidents/{id} answers it."""
    session = db_session()
    alerts = repo.incident_alerts(session, incident_id=incident.id)
    comments, _ = repo.list_comments(session, incident_id=incident.id)
    return IncidentPublic.model_validate(
        incident,
        update={
            "alerts": [AlertSummary.model_validate(alert) for alert in alerts],
            "comments": [CommentPublic.model_validate(comment) for comment in comments],
        },
    )
