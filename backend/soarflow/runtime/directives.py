"""Actions the conductor carries out itself, because they change the run rather than the world:
variables (atomic, since one conductor turn at a time changes a run), delays (a timer, no
thread), terminate, and filter array and select (their item inputs are evaluated per item)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from soarflow.expressions import evaluate
from soarflow.expressions.functions import duration_seconds
from soarflow.runtime.conditions import holds
from soarflow.runtime.plan import Plan, PlanNode
from soarflow.runtime.state import Step, StepFailed

if TYPE_CHECKING:
    from soarflow.runtime.conductor import Turn

JSON_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda value: isinstance(value, str),
    "integer": lambda value: isinstance(value, int) and not isinstance(value, bool),
    "number": lambda value: isinstance(value, int | float) and not isinstance(value, bool),
    "boolean": lambda value: isinstance(value, bool),
    "array": lambda value: isinstance(value, list),
    "object": lambda value: isinstance(value, dict),
}
EMPTY: dict[str, Any] = {
    "string": "",
    "integer": 0,
    "number": 0,
    "boolean": False,
    "array": [],
    "object": {},
}
TERMINATE_STATUSES = frozenset({"succeeded", "failed", "cancelled"})

Directive = Callable[["Turn", Step, PlanNode, Mapping[str, Any], str], None]


def initial_variables(plan: Plan) -> dict[str, Any]:
    return {
        name: declared.get("initial", EMPTY[declared["type"]])
        for name, declared in plan.variables.items()
    }


def _declared_type(turn: Turn, name: Any) -> str:
    declared = turn.plan.variables.get(name) if isinstance(name, str) else None
    if declared is None:
        raise StepFailed("unknown_variable", f"the playbook declares no variable {name!r}")
    return str(declared["type"])


def _store(turn: Turn, step: Step, name: str, value: Any) -> None:
    turn.state.variables[name] = value
    turn.state.dirty.add("")
    turn.finish(step, "succeeded", output={"value": value})


def set_variable(
    turn: Turn, step: Step, _node: PlanNode, inputs: Mapping[str, Any], _prefix: str
) -> None:
    name, value = inputs["name"], inputs.get("value")
    kind = _declared_type(turn, name)
    if not JSON_TYPES[kind](value):
        raise StepFailed("type_mismatch", f"variable {name} holds {kind} values")
    _store(turn, step, name, value)


def append_to_variable(
    turn: Turn, step: Step, _node: PlanNode, inputs: Mapping[str, Any], _prefix: str
) -> None:
    name, value = inputs["name"], inputs.get("value")
    kind = _declared_type(turn, name)
    current = turn.state.variables[name]
    if kind == "array":
        _store(turn, step, name, [*current, value])
    elif kind == "string" and isinstance(value, str):
        _store(turn, step, name, current + value)
    else:
        raise StepFailed("type_mismatch", f"cannot append that to variable {name} ({kind})")


def increment_variable(
    turn: Turn, step: Step, _node: PlanNode, inputs: Mapping[str, Any], _prefix: str
) -> None:
    name, by = inputs["name"], inputs.get("value", 1)
    kind = _declared_type(turn, name)
    if kind not in ("integer", "number") or not JSON_TYPES[kind](by):
        raise StepFailed("type_mismatch", f"variable {name} ({kind}) cannot grow by {by!r}")
    _store(turn, step, name, turn.state.variables[name] + by)


def delay(turn: Turn, step: Step, _node: PlanNode, inputs: Mapping[str, Any], _prefix: str) -> None:
    try:
        if "until" in inputs:
            moment = datetime.fromisoformat(str(inputs["until"]))
            wake = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp()
        else:
            wake = turn.now + duration_seconds(str(inputs.get("duration", "")))
    except ValueError as error:
        raise StepFailed("invalid_delay", str(error)) from None
    if wake <= turn.now:
        turn.finish(step, "succeeded")
        return
    step.status = "waiting"
    turn.set_wake(step, wake)


def terminate(
    turn: Turn, step: Step, _node: PlanNode, inputs: Mapping[str, Any], _prefix: str
) -> None:
    status = inputs.get("status", "failed")
    if status not in TERMINATE_STATUSES:
        raise StepFailed("invalid_status", f"a run cannot end as {status!r}")
    message = str(inputs.get("message", ""))
    turn.finish(step, "succeeded", output={"status": status, "message": message})
    error = None
    if status != "succeeded":
        code = str(inputs.get("code") or "terminated")
        error = {"code": code, "message": message or f"terminated by {step.key}"}
    turn.end_run(status, error)


def filter_array(
    turn: Turn, step: Step, node: PlanNode, inputs: Mapping[str, Any], prefix: str
) -> None:
    items = _list_of(inputs.get("from"))
    where = node.data["inputs"]["where"]
    scope = turn.scope(prefix)
    path = node.path + ".inputs.where"
    kept = [item for item in items if holds(where, {**scope, "item": item}, path)]
    turn.finish(step, "succeeded", output=kept)


def select(turn: Turn, step: Step, node: PlanNode, inputs: Mapping[str, Any], prefix: str) -> None:
    """One object per item: the fields' values evaluated with `item` bound to that item."""
    items = _list_of(inputs.get("items"))
    fields = node.data["inputs"]["fields"]
    if not isinstance(fields, Mapping):
        raise StepFailed("invalid_fields", "the fields are output names and their values")
    scope = turn.scope(prefix)
    path = node.path + ".inputs.fields"
    selected = [evaluate(fields, {**scope, "item": item}, path=path) for item in items]
    turn.finish(step, "succeeded", output=selected)


def _list_of(items: Any) -> list[Any]:
    if not isinstance(items, list):
        raise StepFailed("not_a_list", f"the items are {type(items).__name__}, not a list")
    return items


DIRECTIVES: dict[str, Directive] = {
    "set_variable": set_variable,
    "append_to_variable": append_to_variable,
    "increment_variable": increment_variable,
    "delay": delay,
    "terminate": terminate,
    "filter_array": filter_array,
    "select": select,
}
