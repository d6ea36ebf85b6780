"""The `soarflow` connector's actions: read and change soarflow's own incidents from a playbook.
They reach the store through the context's IncidentDesk, only in the playbook's workspace."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from soarflow.connectors.builtin import ActionContext, IncidentDesk
from soarflow.connectors.http import ActionFailed

Inputs = Mapping[str, Any]
Result = TypeVar("Result")
# The inputs of update_incident that are fields of the incident, as the API's PATCH names them.
UPDATABLE = ("title", "description", "severity", "status", "owner")


def get_incident(inputs: Inputs, _connection: Inputs, context: ActionContext) -> Any:
    return _at_desk(context, lambda desk: desk.incident(context.workspace_id, _id(inputs)))


def list_incident_alerts(inputs: Inputs, _connection: Inputs, context: ActionContext) -> Any:
    alerts = _at_desk(context, lambda desk: desk.alerts(context.workspace_id, _id(inputs)))
    return {"alerts": alerts, "count": len(alerts)}


def list_entities(inputs: Inputs, _connection: Inputs, context: ActionContext) -> Any:
    incident = get_incident(inputs, _connection, context)
    kinds = {str(kind).casefold() for kind in inputs.get("kinds") or []}
    entities = [
        entity
        for entity in incident["entities"]
        if not kinds or str(entity["kind"]).casefold() in kinds
    ]
    return {"entities": entities, "count": len(entities)}


def update_incident(inputs: Inputs, _connection: Inputs, context: ActionContext) -> Any:
    changes: dict[str, Any] = {
        name: inputs[name] for name in UPDATABLE if inputs.get(name) not in (None, "")
    }
    if inputs.get("add_labels"):
        current = get_incident(inputs, _connection, context)["labels"]
        added = [str(label) for label in inputs["add_labels"] if label not in current]
        changes["labels"] = [*current, *added]
    if not changes:
        raise ActionFailed("nothing_to_change", "give at least one field to change")
    return _change(inputs, changes, context)


def close_incident(inputs: Inputs, _connection: Inputs, context: ActionContext) -> Any:
    changes = {"status": "closed", "classification": inputs["classification"]}
    if inputs.get("comment"):
        changes["classification_comment"] = inputs["comment"]
    if inputs.get("severity"):
        changes["severity"] = inputs["severity"]
    return _change(inputs, changes, context)


def add_incident_comment(inputs: Inputs, _connection: Inputs, context: ActionContext) -> Any:
    text = str(inputs["text"])
    return _at_desk(
        context,
        lambda desk: desk.comment(context.workspace_id, _id(inputs), text, context.run_id),
    )


def _change(inputs: Inputs, changes: Mapping[str, Any], context: ActionContext) -> Any:
    return _at_desk(
        context,
        lambda desk: desk.update(context.workspace_id, _id(inputs), changes, context.run_id),
    )


def _id(inputs: Inputs) -> str:
    return str(inputs["incident_id"])


def _at_desk(context: ActionContext, call: Callable[[IncidentDesk], Result]) -> Result:
    if context.incidents is None:
        raise ActionFailed(
            "incidents_unavailable", "soarflow's incidents are reachable only in the server"
        )
    try:
        return call(context.incidents)
    except LookupError as error:
        raise ActionFailed("incident_not_found", str(error)) from None
    except ValueError as error:
        raise ActionFailed("invalid_change", str(error)) from None
