"""The playbooks Run a playbook starts, from the store, and the runs it starts, through the
runner: each call in its own transaction, only in the calling run's workspace."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, or_
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from soarflow.connectors.builtin import CallablePlaybook, PlaybookCall, StartedRun
from soarflow.playbook.triggers import trigger_of
from soarflow.runtime.runner import RunRequest
from soarflow.store.models import Playbook, Run

RUN_PAGE_PATH = "/runs/"
RUN_API_PATH = "/api/v1/runs/"


class StorePlaybookDesk:
    def __init__(self, engine: Engine, base_url: str, submit: Callable[[RunRequest], str]) -> None:
        self.engine = engine
        self.base_url = base_url.rstrip("/")
        self.submit = submit

    def find(self, workspace_id: str, reference: str) -> list[CallablePlaybook]:
        named = or_(
            col(Playbook.id) == reference,
            func.lower(col(Playbook.name)) == reference.lower(),
        )
        query = select(Playbook).where(col(Playbook.workspace_id) == workspace_id, named)
        with Session(self.engine) as session:
            return [_callable(playbook) for playbook in session.exec(query).all()]

    def depth(self, run_id: str) -> int:
        with Session(self.engine) as session:
            run = session.get(Run, run_id)
            context = run.context if run is not None and run.context else {}
        return int((context.get("run") or {}).get("depth") or 0)

    def started(self, run_id: str) -> StartedRun | None:
        with Session(self.engine) as session:
            run = session.get(Run, run_id)
            if run is None:
                return None
            return StartedRun(
                run_id=run.id,
                status=run.status,
                playbook_id=run.playbook_id,
                url=f"{self.base_url}{RUN_PAGE_PATH}{run.id}",
                status_url=f"{self.base_url}{RUN_API_PATH}{run.id}",
            )

    def start(self, call: PlaybookCall) -> StartedRun:
        with Session(self.engine) as session:
            caller = session.get(Run, call.caller_run_id)
            # The called run is about what its caller is about: it shows on the same incident.
            incident_id = caller.incident_id if caller is not None else None
            alert_id = caller.alert_id if caller is not None else None
        playbook = call.playbook
        self.submit(
            RunRequest(
                playbook.id,
                playbook.version,
                call.workspace_id,
                playbook.name,
                call.trigger,
                trigger_type="playbook",
                run_id=call.run_id,
                incident_id=incident_id,
                alert_id=alert_id,
                parent_run_id=call.caller_run_id,
                depth=call.depth,
            )
        )
        started = self.started(call.run_id)
        assert started is not None, "submit stores the run before it returns"
        return started


def _callable(playbook: Playbook) -> CallablePlaybook:
    trigger_type, params = trigger_of(playbook.document)
    return CallablePlaybook(
        id=playbook.id,
        name=playbook.name,
        version=playbook.version,
        enabled=playbook.enabled,
        trigger_type=trigger_type,
        trigger_params=params,
    )
