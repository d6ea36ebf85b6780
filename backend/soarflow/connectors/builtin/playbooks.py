"""The `soarflow` connector's Run a playbook: start a run of another playbook of the workspace
with the data given as its trigger's, and go on without waiting for it.

The child run's id comes from the step's idempotency key (its run and step), so a step carried
out again after a crash finds the run it started instead of starting another. A run started
this way is one deeper than the run that started it; past MAX_CALL_DEPTH the step fails, so
playbooks that start each other (or themselves) stop."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from soarflow.connectors.builtin import (
    ActionContext,
    CallablePlaybook,
    PlaybookCall,
    PlaybookDesk,
)
from soarflow.connectors.http import ActionFailed
from soarflow.playbook.triggers import MANUAL_TRIGGER, WEBHOOK_TRIGGER, manual_input_problems

CALLED_RUN_NAMESPACE = uuid.UUID("3c9b7f0e-5a41-4c2e-8d6b-2f1e9a7c4b13")
MAX_CALL_DEPTH = 5
SHOWN_PROBLEMS = 5


def run_playbook(
    inputs: Mapping[str, Any], _connection: Mapping[str, Any], context: ActionContext
) -> dict[str, Any]:
    desk = context.playbooks
    if desk is None or context.idempotency_key is None:
        raise ActionFailed(
            "playbooks_unavailable", "other playbooks can only be started in a server run"
        )
    run_id = str(uuid.uuid5(CALLED_RUN_NAMESPACE, context.idempotency_key))
    started = desk.started(run_id)
    if started is None:
        call = _call(desk, inputs, context, run_id)
        try:
            started = desk.start(call)
        except LookupError as error:
            raise ActionFailed("playbook_not_found", str(error)) from None
    return dataclasses.asdict(started)


def _call(
    desk: PlaybookDesk, inputs: Mapping[str, Any], context: ActionContext, run_id: str
) -> PlaybookCall:
    reference = str(inputs["playbook"]).strip()
    playbook = _chosen(desk.find(context.workspace_id, reference), reference)
    if not playbook.enabled:
        raise ActionFailed(
            "playbook_disabled",
            f"playbook {playbook.name!r} is disabled: enable it to start it from other playbooks",
            playbook_id=playbook.id,
        )
    depth = desk.depth(context.run_id) + 1
    if depth > MAX_CALL_DEPTH:
        raise ActionFailed(
            "call_depth_exceeded",
            f"this run was started by {depth - 1} nested Run a playbook steps; at most "
            f"{MAX_CALL_DEPTH} deep, so that playbooks starting each other stop",
        )
    trigger = _trigger(playbook, inputs.get("body"))
    return PlaybookCall(run_id, context.workspace_id, playbook, trigger, context.run_id, depth)


def _chosen(found: list[CallablePlaybook], reference: str) -> CallablePlaybook:
    """The playbook with that id, else the only one with that name."""
    by_id = [playbook for playbook in found if playbook.id == reference]
    if by_id:
        return by_id[0]
    if not found:
        raise ActionFailed(
            "playbook_not_found", f"no playbook named {reference!r} in this playbook's workspace"
        )
    if len(found) > 1:
        raise ActionFailed(
            "playbook_ambiguous",
            f"{len(found)} playbooks are named {reference!r}: name one by its id",
            playbook_ids=sorted(playbook.id for playbook in found),
        )
    return found[0]


def _trigger(playbook: CallablePlaybook, body: Any) -> Any:
    """What the playbook's trigger hands its run: a webhook call's fields with the body, or the
    inputs of a run by hand, checked against the inputs it declares."""
    if playbook.trigger_type == WEBHOOK_TRIGGER:
        return {
            "body": body,
            "headers": {},
            "query": {},
            "method": "POST",
            "received_at": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        }
    if playbook.trigger_type == MANUAL_TRIGGER:
        given = {} if body is None else body
        problems = manual_input_problems(playbook.trigger_params, given)
        if problems:
            shown = "; ".join(f"{p['path']}: {p['message']}" for p in problems[:SHOWN_PROBLEMS])
            raise ActionFailed(
                "invalid_trigger_input",
                f"the body does not fit the inputs of playbook {playbook.name!r}: {shown}",
            )
        return given
    raise ActionFailed(
        "playbook_not_callable",
        f"playbook {playbook.name!r} starts on {playbook.trigger_type}; only playbooks run by "
        "hand or by a webhook can be started by another",
        playbook_id=playbook.id,
    )
