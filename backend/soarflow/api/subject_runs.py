"""Running playbooks by hand on an incident or an alert (which Sentinel does not offer for
incidents), and their runs tabs: the enabled playbooks whose trigger fits, starting one, and
the runs about that incident or alert, whoever started them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response
from sqlmodel import Session, SQLModel

from soarflow.api.audit import audit_target
from soarflow.api.auth import authorize, principal, requires
from soarflow.api.body import model_body, model_response
from soarflow.api.errors import ApiError, not_found
from soarflow.api.extensions import db_session, runner, settings
from soarflow.api.openapi import operation
from soarflow.api.pagination import QUERY_PARAMETERS, page_request
from soarflow.playbook.triggers import trigger_of
from soarflow.runtime.runner import RunRequest
from soarflow.security.roles import Permission
from soarflow.store import incidents as incident_repo
from soarflow.store import playbooks as playbook_repo
from soarflow.store import runs as run_repo
from soarflow.store.incident_desk import alert_as_seen, incident_as_seen
from soarflow.store.models import (
    Playbook,
    PlaybookPage,
    PlaybookSummary,
    RunPage,
    RunStarted,
    RunSummary,
)

bp = Blueprint("subject_runs", __name__, url_prefix="/api/v1")
TAG = "runs"
INCIDENT_TRIGGERS = ("soarflow.incident_created", "soarflow.incident_updated")
ALERT_TRIGGERS = ("soarflow.alert_created",)


class RunOnSubject(SQLModel):
    playbook_id: str


class _Subject:
    """An incident or alert the caller may see, and what a playbook started on it receives."""

    def __init__(
        self,
        kind: str,
        subject_id: str,
        workspace_id: str,
        triggers: tuple[str, ...],
        payload: Callable[[Session], Any],
    ) -> None:
        self.kind = kind
        self.id = subject_id
        self.workspace_id = workspace_id
        self.triggers = triggers
        self.payload = payload

    @property
    def incident_id(self) -> str | None:
        return self.id if self.kind == "incident" else None

    @property
    def alert_id(self) -> str | None:
        return self.id if self.kind == "alert" else None


def _incident(incident_id: str) -> _Subject:
    incident = incident_repo.get_incident(db_session(), incident_id=incident_id)
    missing = not_found("incident", incident_id)
    if incident is None:
        raise missing
    authorize(incident.workspace_id, missing=missing)
    audit_target("incident", incident.id, incident.workspace_id)
    base_url = settings().base_url
    return _Subject(
        "incident",
        incident.id,
        incident.workspace_id,
        INCIDENT_TRIGGERS,
        lambda session: incident_as_seen(session, incident, base_url),
    )


def _alert(alert_id: str) -> _Subject:
    alert = incident_repo.get_alert(db_session(), alert_id=alert_id)
    missing = not_found("alert", alert_id)
    if alert is None:
        raise missing
    authorize(alert.workspace_id, missing=missing)
    audit_target("alert", alert.id, alert.workspace_id)
    return _Subject(
        "alert", alert.id, alert.workspace_id, ALERT_TRIGGERS, lambda _: alert_as_seen(alert)
    )


@bp.get("/incidents/<incident_id>/playbooks")
@requires(Permission.PLAYBOOK_RUN)
@operation(
    "The enabled playbooks with an incident trigger that the caller may run on this incident",
    tag=TAG,
    responses={200: PlaybookPage, 404: "No such incident"},
)
def incident_playbooks(incident_id: str) -> Response:
    return _playbooks(_incident(incident_id))


@bp.get("/alerts/<alert_id>/playbooks")
@requires(Permission.PLAYBOOK_RUN)
@operation(
    "The enabled playbooks with an alert trigger that the caller may run on this alert",
    tag=TAG,
    responses={200: PlaybookPage, 404: "No such alert"},
)
def alert_playbooks(alert_id: str) -> Response:
    return _playbooks(_alert(alert_id))


@bp.post("/incidents/<incident_id>/runs")
@requires(Permission.PLAYBOOK_RUN)
@operation(
    "Run a playbook on this incident by hand",
    tag=TAG,
    request=RunOnSubject,
    responses={
        202: RunStarted,
        400: "Malformed",
        404: "No such incident",
        409: "The playbook is disabled, has problems, or does not start with an incident",
        415: "Not JSON",
        422: "Missing playbook_id",
    },
)
def run_on_incident(incident_id: str) -> tuple[Response, int]:
    return _start(_incident(incident_id))


@bp.post("/alerts/<alert_id>/runs")
@requires(Permission.PLAYBOOK_RUN)
@operation(
    "Run a playbook on this alert by hand",
    tag=TAG,
    request=RunOnSubject,
    responses={
        202: RunStarted,
        400: "Malformed",
        404: "No such alert",
        409: "The playbook is disabled, has problems, or does not start with an alert",
        415: "Not JSON",
        422: "Missing playbook_id",
    },
)
def run_on_alert(alert_id: str) -> tuple[Response, int]:
    return _start(_alert(alert_id))


@bp.get("/incidents/<incident_id>/runs")
@requires(Permission.PLAYBOOK_READ)
@operation(
    "The runs about this incident, newest first: by automation rules and by hand",
    tag=TAG,
    query=QUERY_PARAMETERS,
    responses={200: RunPage, 404: "No such incident"},
)
def incident_runs(incident_id: str) -> Response:
    return _runs(_incident(incident_id))


@bp.get("/alerts/<alert_id>/runs")
@requires(Permission.PLAYBOOK_READ)
@operation(
    "The runs about this alert, newest first: by automation rules and by hand",
    tag=TAG,
    query=QUERY_PARAMETERS,
    responses={200: RunPage, 404: "No such alert"},
)
def alert_runs(alert_id: str) -> Response:
    return _runs(_alert(alert_id))


def _fits(playbook: Playbook, subject: _Subject) -> bool:
    return (
        playbook.enabled and playbook.valid and trigger_of(playbook.document)[0] in subject.triggers
    )


def _playbooks(subject: _Subject) -> Response:
    rows, _ = playbook_repo.list_playbooks(
        db_session(), workspace_ids=[subject.workspace_id], offset=0, limit=500
    )
    data = [
        PlaybookSummary.model_validate(playbook, update={"runs_count": runs})
        for playbook, runs in rows
        if _fits(playbook, subject)
    ]
    return model_response(PlaybookPage(data=data, total=len(data), next=None))


def _start(subject: _Subject) -> tuple[Response, int]:
    wanted = model_body(RunOnSubject)
    session = db_session()
    playbook = playbook_repo.get_playbook(session, playbook_id=wanted.playbook_id)
    if playbook is None or playbook.workspace_id != subject.workspace_id:
        raise ApiError(
            422,
            "unknown_playbook",
            f"no playbook {wanted.playbook_id!r} in the {subject.kind}'s workspace",
            {"field": "playbook_id"},
        )
    if not _fits(playbook, subject):
        raise ApiError(
            409,
            "playbook_not_runnable",
            f"'{playbook.name}' cannot run on an {subject.kind}: it must be enabled, valid and "
            f"start with {' or '.join(subject.triggers)}",
            {"playbook_id": playbook.id, "trigger": trigger_of(playbook.document)[0]},
        )
    request = RunRequest(
        playbook.id,
        playbook.version,
        playbook.workspace_id,
        playbook.name,
        subject.payload(session),
        trigger_type="manual",
        started_by=principal().user_id,
        incident_id=subject.incident_id,
        alert_id=subject.alert_id,
    )
    run_id = runner().submit(request)
    run = run_repo.get_run(db_session(), run_id=run_id)
    assert run is not None
    response = model_response(RunStarted(id=run.id, status=run.status))
    response.headers["Location"] = f"/api/v1/runs/{run.id}"
    return response, 202


def _runs(subject: _Subject) -> Response:
    page = page_request()
    rows, total = run_repo.list_runs(
        db_session(),
        workspace_ids=[subject.workspace_id],
        offset=page.offset,
        limit=page.limit,
        incident_id=subject.incident_id,
        alert_id=subject.alert_id,
    )
    names = run_repo.run_names(db_session(), rows)
    data = [RunSummary.of(run, names) for run in rows]
    return model_response(RunPage(data=data, total=total, next=page.next_url(total)))
