"""Runs: start a playbook by hand, list and read runs with their steps, cancel, resubmit
(a new run with the same trigger data) and restart (the same run, again from what failed)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, request, url_for

from soarflow.api.audit import audit_target
from soarflow.api.auth import authorize, listed_workspaces, principal, requires
from soarflow.api.body import conditional_response, json_body, model_response
from soarflow.api.errors import ApiError, not_found
from soarflow.api.extensions import db_session, runner
from soarflow.api.openapi import operation
from soarflow.api.pagination import (
    MAX_LIMIT,
    QUERY_PARAMETERS,
    choice_parameter,
    integer_parameter,
    page_request,
    time_parameter,
)
from soarflow.playbook.triggers import MANUAL_TRIGGER, manual_input_problems, trigger_of
from soarflow.runtime import history
from soarflow.runtime.runner import RunRequest
from soarflow.runtime.state import RUN_TERMINAL
from soarflow.security.roles import Permission
from soarflow.store import playbooks as playbook_repo
from soarflow.store import runs as repo
from soarflow.store.models import (
    IterationPage,
    IterationPublic,
    Playbook,
    Run,
    RunDay,
    RunPage,
    RunPublic,
    RunStarted,
    RunStats,
    RunSummary,
    StepPage,
    StepPublic,
    moment,
)

bp = Blueprint("runs", __name__, url_prefix="/api/v1")
TAG = "runs"
RUN_STATUSES = ["queued", "running", "waiting", "succeeded", "failed", "cancelled"]
RESTARTABLE = frozenset({"failed", "cancelled"})
ITERATION_STATUSES = ["running", "waiting", "failed", "cancelled", "succeeded", "not_reached"]
MAX_STATS_DAYS = 366
FRAME = re.compile(r"(?:[^/\[\]]+\[\d+\]/)+")
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
        "incident": {"type": "string", "description": "incident id"},
        "alert": {"type": "string", "description": "alert id"},
        "since": {"type": "string", "format": "date-time", "description": "created at or after"},
        "until": {"type": "string", "format": "date-time", "description": "created before"},
        "workspace": {"type": "string", "description": "workspace id or name"},
    },
    responses={200: RunPage, 400: "Bad query parameter"},
)
def list_all() -> Response:
    page = page_request()
    session = db_session()
    rows, total = repo.list_runs(
        session,
        workspace_ids=listed_workspaces(),
        offset=page.offset,
        limit=page.limit,
        playbook_id=request.args.get("playbook"),
        status=choice_parameter("status", RUN_STATUSES),
        trigger_type=request.args.get("trigger"),
        since=time_parameter("since"),
        until=time_parameter("until"),
        incident_id=request.args.get("incident"),
        alert_id=request.args.get("alert"),
    )
    filters = ("playbook", "status", "trigger", "incident", "alert", "since", "until", "workspace")
    extra = {k: v for k, v in request.args.items() if k in filters}
    names = repo.run_names(session, rows)
    data = [RunSummary.of(run, names) for run in rows]
    return model_response(RunPage(data=data, total=total, next=page.next_url(total, **extra)))


@bp.get("/runs/<run_id>")
@requires(Permission.PLAYBOOK_READ)
@operation(
    "Get a run with its first steps (up to `steps`, 200 by default); a large run's other steps "
    "are paged (steps_next)",
    tag=TAG,
    query={"steps": {"type": "integer", "minimum": 0, "maximum": MAX_LIMIT, "default": MAX_LIMIT}},
    responses={200: RunPublic, 304: "Not modified (If-None-Match)", 404: "No such run"},
)
def get(run_id: str) -> Response:
    shown = integer_parameter("steps", default=MAX_LIMIT, low=0, high=MAX_LIMIT)
    return _public(_load(run_id), conditional=True, shown=shown)


@bp.get("/runs/<run_id>/steps")
@requires(Permission.PLAYBOOK_READ)
@operation(
    "A run's steps in the order they were made, a page at a time; or with `frame`, the steps "
    "of one loop iteration (`each_ip[2]/`) or of no loop (empty)",
    tag=TAG,
    query={
        **QUERY_PARAMETERS,
        "frame": {
            "type": "string",
            "description": "the loop iterations the steps are in, e.g. each_ip[2]/inner[0]/",
        },
    },
    responses={
        200: StepPage,
        304: "Not modified (If-None-Match)",
        400: "Bad frame",
        404: "No such run",
    },
)
def steps(run_id: str) -> Response:
    run = _load(run_id)
    session = db_session()
    frame = request.args.get("frame")
    if frame is not None:
        _check_frame(frame)
        rows = repo.frame_steps(session, run_id=run.id, frame=frame)
        data = [StepPublic.of(step) for step in rows]
        return conditional_response(StepPage(data=data, total=len(data), next=None))
    page = page_request()
    total = repo.count_steps(session, run_id=run.id)
    rows = repo.steps_page(session, run_id=run.id, offset=page.offset, limit=page.limit)
    data = [StepPublic.of(step) for step in rows]
    return conditional_response(StepPage(data=data, total=total, next=page.next_url(total)))


@bp.get("/runs/<run_id>/iterations")
@requires(Permission.PLAYBOOK_READ)
@operation(
    "The iterations of a loop step with the status of each: running, waiting, failed, "
    "cancelled, succeeded or not_reached",
    tag=TAG,
    query={
        **QUERY_PARAMETERS,
        "loop": {"type": "string", "description": "the loop step's key, e.g. each_ip"},
        "status": {"type": "string", "enum": ITERATION_STATUSES},
    },
    responses={
        200: IterationPage,
        304: "Not modified (If-None-Match)",
        400: "No loop named",
        404: "No such run or loop step",
    },
)
def iterations(run_id: str) -> Response:
    run = _load(run_id)
    session = db_session()
    loop_key = request.args.get("loop", "")
    if not loop_key:
        raise ApiError(
            400, "invalid_parameter", "name the loop step: loop=<its key>", {"parameter": "loop"}
        )
    step = repo.loop_step(session, run_id=run.id, key=loop_key)
    public = None if step is None else StepPublic.of(step)
    if public is None or public.iterations is None:
        raise not_found("loop step", loop_key)
    page = page_request()
    wanted = choice_parameter("status", ITERATION_STATUSES)
    rows = repo.iteration_steps(session, run_id=run.id, loop_key=loop_key)
    found = [
        IterationPublic(
            index=item.index,
            status=item.status,
            started_at=moment(item.started_at),
            ended_at=moment(item.ended_at),
        )
        for item in history.iterations(loop_key, public.iterations, rows)
        if wanted is None or item.status == wanted
    ]
    extra = {k: v for k, v in request.args.items() if k in ("loop", "status")}
    body = IterationPage(
        loop=loop_key,
        data=found[page.offset : page.offset + page.limit],
        total=len(found),
        next=page.next_url(len(found), **extra),
    )
    return conditional_response(body)


@bp.get("/playbooks/<playbook_id>/run-stats")
@requires(Permission.PLAYBOOK_READ)
@operation(
    "A playbook's runs per day (UTC) by status, with the median and 95th percentile duration",
    tag=TAG,
    query={"days": {"type": "integer", "minimum": 1, "maximum": MAX_STATS_DAYS, "default": 30}},
    responses={200: RunStats, 400: "Bad days", 404: "No such playbook"},
)
def run_stats(playbook_id: str) -> Response:
    session = db_session()
    playbook = playbook_repo.get_playbook(session, playbook_id=playbook_id)
    missing = not_found("playbook", playbook_id)
    if playbook is None:
        raise missing
    authorize(playbook.workspace_id, missing=missing)
    days = integer_parameter("days", default=30, low=1, high=MAX_STATS_DAYS)
    today = datetime.now(UTC).date()
    rows = repo.run_times(session, playbook_id=playbook.id, since=history.days_since(today, days))
    found = [
        RunDay(date=day.date.isoformat(), counts=day.counts, p50_ms=day.p50_ms, p95_ms=day.p95_ms)
        for day in history.runs_per_day(rows, today, days)
    ]
    return model_response(RunStats(playbook_id=playbook.id, days=found))


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


def _public(run: Run, *, conditional: bool = False, shown: int = MAX_LIMIT) -> Response:
    session = db_session()
    total = repo.count_steps(session, run_id=run.id)
    rows = repo.steps_page(session, run_id=run.id, offset=0, limit=shown) if shown else []
    summary = RunSummary.of(run, repo.run_names(session, [run]))
    after = url_for("runs.steps", run_id=run.id, offset=shown, limit=MAX_LIMIT)
    body = RunPublic(
        **summary.model_dump(),
        trigger=run.trigger,
        variables=repo.shown_variables(run.variables),
        steps=[StepPublic.of(step) for step in rows],
        steps_total=total,
        steps_next=after if total > shown else None,
    )
    return conditional_response(body) if conditional else model_response(body)


def _check_frame(frame: str) -> None:
    """A frame is empty or loop iterations each ending with a slash: `a[1]/b[0]/`."""
    if frame and not FRAME.fullmatch(frame):
        raise ApiError(
            400,
            "invalid_parameter",
            "frame is loop iterations like each_ip[2]/ (each ending with /), or empty",
            {"parameter": "frame", "value": frame[:200]},
        )


def _ended(run: Run) -> ApiError:
    return ApiError(409, "run_ended", f"the run has ended ({run.status})", {"status": run.status})
