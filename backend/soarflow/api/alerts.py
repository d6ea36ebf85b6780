"""/api/v1/alerts: receive alerts from detection products and read them back; and
/api/v1/alert-grouping-rules: how each source rule's alerts become incidents.

Receiving is idempotent: an alert sent again, with the same Idempotency-Key or the same source
product and source alert id, changes nothing and answers 200 with what the first one did."""

from __future__ import annotations

from flask import Blueprint, Response, request, url_for

from soarflow.api.audit import audit_target
from soarflow.api.auth import authorize, listed_workspaces, requires, target_workspace
from soarflow.api.body import model_body, model_response
from soarflow.api.errors import ApiError, not_found
from soarflow.api.extensions import automation, db_session
from soarflow.api.openapi import operation
from soarflow.api.pagination import QUERY_PARAMETERS, choice_parameter, page_request
from soarflow.incidents import Severity
from soarflow.security.roles import Permission
from soarflow.store import automation as automation_repo
from soarflow.store import incidents as repo
from soarflow.store.models import (
    NAME_LENGTH,
    Alert,
    AlertCreate,
    AlertGroupingRuleCreate,
    AlertGroupingRuleList,
    AlertGroupingRulePublic,
    AlertIngested,
    AlertPage,
    AlertPublic,
    AlertSummary,
)

bp = Blueprint("alerts", __name__, url_prefix="/api/v1")
TAG = "alerts"
IDEMPOTENCY_HEADER = "Idempotency-Key"
WORKSPACE_PARAMETER = {"type": "string", "description": "workspace id or name"}
SEVERITIES = [str(severity) for severity in Severity]


@bp.post("/alerts")
@requires(Permission.ALERT_WRITE)
@operation(
    "Receive an alert; its rule's grouping decides whether it opens or joins an incident",
    tag=TAG,
    request=AlertCreate,
    query={"workspace": WORKSPACE_PARAMETER},
    headers={
        IDEMPOTENCY_HEADER: {
            "type": "string",
            "maxLength": NAME_LENGTH,
            "description": "a key of the sender's choosing: a repeated key changes nothing",
        }
    },
    responses={
        200: AlertIngested,
        201: AlertIngested,
        400: "Malformed",
        413: "Too large",
        415: "Not JSON",
        422: "Missing or invalid fields",
        503: "Busy: send the alert again",
    },
)
def ingest() -> tuple[Response, int]:
    workspace_id = target_workspace()
    key = _idempotency_key()
    alert = model_body(AlertCreate)
    session = db_session()
    try:
        ingested = repo.ingest_alert(
            session, workspace_id=workspace_id, alert=alert, idempotency_key=key
        )
    except repo.IngestBusyError:
        raise ApiError(
            503,
            "busy",
            "other alerts kept changing the incident this one belongs to: send it again",
            headers={"Retry-After": "1"},
        ) from None
    events = automation_repo.record_ingestion(session, workspace_id=workspace_id, ingested=ingested)
    session.commit()
    audit_target("alert", ingested.alert.id, workspace_id)
    for event_id in events:
        automation().process(event_id)
    body = AlertIngested(
        alert=AlertPublic.model_validate(ingested.alert),
        incident_id=ingested.incident.id if ingested.incident else None,
        grouping=ingested.grouping,
    )
    response = model_response(body)
    response.headers["Location"] = url_for(".get_alert", alert_id=ingested.alert.id)
    return response, 201 if ingested.created else 200


def _idempotency_key() -> str | None:
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is not None and not (0 < len(key) <= NAME_LENGTH and key.isprintable()):
        raise ApiError(
            400,
            "invalid_header",
            f"{IDEMPOTENCY_HEADER} is 1 to {NAME_LENGTH} printable characters",
            {"header": IDEMPOTENCY_HEADER},
        )
    return key


@bp.get("/alerts")
@requires(Permission.INCIDENT_READ)
@operation(
    "List alerts, the latest to happen first",
    tag=TAG,
    query={
        **QUERY_PARAMETERS,
        "severity": {"type": "string", "enum": SEVERITIES},
        "source_product": {"type": "string"},
        "rule": {"type": "string", "description": "the rule that raised the alert"},
        "incident": {"type": "string", "description": "incident id"},
        "workspace": WORKSPACE_PARAMETER,
    },
    responses={200: AlertPage, 400: "Bad query parameter"},
)
def list_alerts() -> Response:
    page = page_request()
    rows, total = repo.list_alerts(
        db_session(),
        workspace_ids=listed_workspaces(),
        offset=page.offset,
        limit=page.limit,
        severity=choice_parameter("severity", SEVERITIES),
        source_product=request.args.get("source_product"),
        rule_name=request.args.get("rule"),
        incident_id=request.args.get("incident"),
    )
    filters = ("severity", "source_product", "rule", "incident", "workspace")
    extra = {k: v for k, v in request.args.items() if k in filters}
    data = [AlertSummary.model_validate(alert) for alert in rows]
    return model_response(AlertPage(data=data, total=total, next=page.next_url(total, **extra)))


@bp.get("/alerts/<alert_id>")
@requires(Permission.INCIDENT_READ)
@operation(
    "Get an alert with its entities and custom details",
    tag=TAG,
    responses={200: AlertPublic, 404: "No such alert"},
)
def get_alert(alert_id: str) -> Response:
    return model_response(AlertPublic.model_validate(_load(alert_id)))


def _load(alert_id: str) -> Alert:
    alert = repo.get_alert(db_session(), alert_id=alert_id)
    missing = not_found("alert", alert_id)
    if alert is None:
        raise missing
    authorize(alert.workspace_id, missing=missing)
    return alert


@bp.get("/alert-grouping-rules")
@requires(Permission.INCIDENT_READ)
@operation(
    "List the grouping rules; an alert whose rule has none opens an incident of its own",
    tag=TAG,
    query={"workspace": WORKSPACE_PARAMETER},
    responses={200: AlertGroupingRuleList, 400: "Bad query parameter"},
)
def list_grouping_rules() -> Response:
    rows = repo.list_grouping_rules(db_session(), workspace_ids=listed_workspaces())
    data = [AlertGroupingRulePublic.model_validate(row) for row in rows]
    return model_response(AlertGroupingRuleList(data=data, total=len(data)))


@bp.put("/alert-grouping-rules")
@requires(Permission.ALERT_WRITE)
@operation(
    "Set how the alerts of one source rule become incidents (creates or replaces its rule)",
    tag=TAG,
    request=AlertGroupingRuleCreate,
    query={"workspace": WORKSPACE_PARAMETER},
    responses={
        200: AlertGroupingRulePublic,
        400: "Malformed",
        415: "Not JSON",
        422: "Missing or invalid fields",
    },
)
def put_grouping_rule() -> Response:
    workspace_id = target_workspace()
    rule = model_body(AlertGroupingRuleCreate)
    session = db_session()
    row = repo.set_grouping_rule(session, workspace_id=workspace_id, rule=rule)
    session.commit()
    audit_target("alert_grouping_rule", row.rule_name, workspace_id)
    return model_response(AlertGroupingRulePublic.model_validate(row))
