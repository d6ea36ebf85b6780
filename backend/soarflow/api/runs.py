"""Runs: start a playbook by hand, list and read runs with their steps, cancel, resubmit
(a new run with the same trigger data) and restart (the same run, again from what failed)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from soarflow.api.audit import audit_target
from soarflow.api.auth import authorize, listed_workspaces, principal, requires
from soarflow.api.body import json_body, model_response
from soarflow.api.errors import ApiError, not_found
from soarflow.api.extensions import db_session, runner
from soarflow.api.openapi import operation
from soarflow.api.pagination import (
    QUERY_PARAMETERS,
    choice_parameter,
    page_request,
    time_parameter,
)
from soarflow.playbook.triggers import MANUAL_TRIGGER, manual_input_problems, trigger_of
from soarflow.runtime.runner import RunRequest
from soarflow.runtime.state import RUN_TERMINAL
from soarflow.security.roles import Permission
from soarflow.store import playbooks as playbook_repo
from soarflow.store import runs as repo
from soarflow.store.models import (
    Playbook,
    Run,
    RunPage,
    RunPublic,
    RunStarted,
    RunSummary,
    StepPublic,
)

bp = Blueprint("runs", __name__, url_prefix="/api/v1")
TAG = "runs"
RUN_STATUSES = ["queued", "running", "waiting", "succeeded", "failed", "cancelled"]
RESTARTABLE = frozenset({"failed", "cancelled"})
START_REQUEST = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"trigger": {"description": "the trigger payload the run starts with"}},
}


@bp.post("/playbooks/<playbook_id>/runs")
@requires(Permission.PLAYBOOK_RUN)
@operation(
    "Run a playbook by hand with a trigger payload",
    tag=TAG,
    request=START_REQUEST,
    responses={
        202: RunStarted,
        400: "Malformed",
        404: "No such playbook",
        409: "The playbook has problems",
        415: "Not JSON",
        422: "The input does not fit the manual trigger's inputs schema",
    },
)
def start(playbook_id: str) -> tuple[Response, int]:
    playbook = _playbook(playbook_id)
    body = json_body() if request.content_length else {}
    if not isinstance(body, dict) or set(body) - {"trigger"}:
        raise ApiError(400, "invalid_body", 'send {"trigger": <payload>}', {})
    trigger = body.get("trigger", {})
    _check_manual_input(playbook, trigger)
    return _started(_submit(playbook, trigger))


def _check_manual_input(playbook: Playbook, trigger: Any) -> None:
    trigger_type, params = trigger_of(playbook.document)
    if trigger_type != MANUAL_TRIGGER:
        return
    problems = manual_input_problems(params, trigger)
    if problems:
        raise ApiError(
            422,
            "invalid_trigger_input",
            "the input does not fit the playbook's inputs: "
            + "; ".join(f"{p['path']}: {p['message']}" for p in problems),
            {"problems": problems},
        )


@bp.get("/runs")
@requires(Permission.PLAYBOOK_READ)
@operation(
    "List runs, newest first",
    tag=TAG,
    query={
        **QUERY_PARAMETERS,
        "playbook": {"type": "string", "description": "playbook id"},
        "status": {"type": "string", "enum": RUN_STATUSES},
        "trigger": {"type": "string", "description": "trigger type, e.g. manual"},
        "since": {"type": "string", "format": "date-time", "description": "created at or after"},
        "until": {"type": "string", "format": "date-time", "description": "created before"},
        "workspace": {"type": "string", "description": "workspace id or name"},
    },
    responses={200: RunPage, 400: "Bad query parameter"},
)
def list_all() -> Response:
    page = page_request()
    rows, total = repo.list_runs(
        db_session(),
        workspace_ids=listed_workspaces(),
        offset=page.offset,
        limit=page.limit,
        playbook_id=request.args.get("playbook"),
        status=choice_parameter("status", RUN_STATUSES),
        trigger_type=request.args.get("trigger"),
        since=time_parameter("since"),
        until=time_parameter("until"),
    )
    filters = ("playbook", "status", "trigger", "since", "until", "workspace")
    extra = {k: v for k, v in request.args.items() if k in filters}
    data = [RunSummary.of(run) for run in rows]
    return model_response(RunPage(data=data, total=total, next=page.next_url(total, **extra)))


@bp.get("/runs/<run_id>")
@requires(Permission.PLAYBOOK_READ)
@operation(
    "Get a run with every step instance",
    tag=TAG,
    responses={200: RunPublic, 404: "No such run"},
)
def get(run_id: str) -> Response:
    return _public(_load(run_id))


@bp.post("/runs/<run_id>/cancel")
@requires(Permission.PLAYBOOK_RUN)
@operation(
    "Cancel a run: steps in flight are cancelled, nothing more starts",
    tag=TAG,
    responses={200: RunPublic, 404: "No such run", 409: "The run has ended"},
)
def cancel(run_id: str) -> Response:
    run = _load(run_id)
    if run.status in RUN_TERMINAL:
        raise _ended(run)
    runner().cancel(run.id, f"cancelled by {principal().user_name}")
    return _public(_reloaded(run))


@bp.post("/runs/<run_id>/resubmit")
@requires(Permission.PLAYBOOK_RUN)
@operation(
    "Run the playbook's current version again with this run's trigger data",
    tag=TAG,
    responses={202: RunStarted, 404: "No such run", 409: "The playbook has problems"},
)
def resubmit(run_id: str) -> tuple[Response, int]:
    run = _load(run_id)
    return _started(_submit(_playbook(run.playbook_id), run.trigger, resubmitted_from=run.id))


@bp.post("/runs/<run_id>/restart")
@requires(Permission.PLAYBOOK_RUN)
@operation(
    "Run again, in the same run, the steps that failed, timed out or were cancelled and what "
    "follows them; steps that succeeded keep their results",
    tag=TAG,
    responses={200: RunPublic, 404: "No such run", 409: "The run has not failed"},
)
def restart(run_id: str) -> Response:
    run = _load(run_id)
    if run.status not in RESTARTABLE:
        raise ApiError(
            409,
            "not_restartable",
            f"only a failed or cancelled run can be restarted; this one is {run.status}",
            {"status": run.status},
        )
    runner().restart(run.id)
    return _public(_reloaded(run))


def _playbook(playbook_id: str) -> Playbook:
    playbook = playbook_repo.get_playbook(db_session(), playbook_id=playbook_id)
    missing = not_found("playbook", playbook_id)
    if playbook is None:
        raise missing
    authorize(playbook.workspace_id, missing=missing)
    audit_target("playbook", playbook.id, playbook.workspace_id)
    if not playbook.valid:
        raise ApiError(
            409,
            "invalid_playbook",
            "the playbook has problems: fix them before running it",
            {"problems": playbook.problems},
        )
    return playbook


def _submit(playbook: Playbook, trigger: Any, *, resubmitted_from: str | None = None) -> str:
    caller = principal()
    request_ = RunRequest(
        playbook.id,
        playbook.version,
        playbook.workspace_id,
        playbook.name,
        trigger,
        trigger_type="manual",
        resubmitted_from=resubmitted_from,
        started_by=caller.user_id,
    )
    return runner().submit(request_)


def _started(run_id: str) -> tuple[Response, int]:
    run = repo.get_run(db_session(), run_id=run_id)
    assert run is not None
    response = model_response(RunStarted(id=run.id, status=run.status))
    response.headers["Location"] = f"/api/v1/runs/{run.id}"
    return response, 202


def _load(run_id: str) -> Run:
    run = repo.get_run(db_session(), run_id=run_id)
    missing = not_found("run", run_id)
    if run is None:
        raise missing
    authorize(run.workspace_id, missing=missing)
    audit_target("run", run.id, run.workspace_id)
    return run


def _reloaded(run: Run) -> Run:
    session = db_session()
    session.refresh(run)
    return run


def _public(run: Run) -> Response:
    steps = [StepPublic.of(step) for step in repo.run_steps(db_session(), run_id=run.id)]
    summary = RunSummary.of(run)
    body = RunPublic(
        **summary.model_dump(), trigger=run.trigger, variables=run.variables or {}, steps=steps
    )
    return model_response(body)


def _ended(run: Run) -> ApiError:
    return ApiError(409, "run_ended", f"the run has ended ({run.status})", {"status": run.status})
