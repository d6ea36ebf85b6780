"""What the validator needs to know about connector actions, and a simple in-memory catalog.

The connector registry implements ActionCatalog; tests and tools may use StaticCatalog.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, eq=False)
class ActionSpec:
    """An action as the validator and the dynamic-field picker see it (compared by identity)."""

    name: str
    input_schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "object"})
    output_schema: Mapping[str, Any] = field(default_factory=dict)
    title: str = ""
    # When set, a node's input of this name, if it is a schema, declares the node's output.
    output_from_input: str | None = None
    # When set, the runtime carries the step out itself (variables, timers, ending the run).
    directive: str | None = None
    # Inputs evaluated once per item of a list, with `item` bound (Filter array's condition).
    item_inputs: frozenset[str] = frozenset()


@dataclass(frozen=True, eq=False)
class TriggerSpec:
    """A trigger type, the payload it delivers (what `trigger.*` may reference) and the schema
    of its settings (the trigger's `params`)."""

    type: str
    output_schema: Mapping[str, Any] = field(default_factory=dict)
    title: str = ""
    params_schema: Mapping[str, Any] = field(default_factory=lambda: {"type": "object"})
    # The param whose value (a JSON Schema) is the payload's schema in a playbook, if any.
    output_from_param: str | None = None

    def payload_schema(self, params: Any) -> Mapping[str, Any]:
        """What `trigger.*` holds in a playbook with these trigger params."""
        declared = params.get(self.output_from_param) if isinstance(params, dict) else None
        if self.output_from_param is not None and isinstance(declared, dict):
            return declared
        return self.output_schema


class ActionCatalog(Protocol):
    def get_action(self, name: str) -> ActionSpec | None: ...

    def get_trigger(self, type_: str) -> TriggerSpec | None: ...


class StaticCatalog:
    """A fixed set of actions and triggers, looked up by `<connector>.<name>`."""

    def __init__(
        self, actions: Iterable[ActionSpec] = (), triggers: Iterable[TriggerSpec] = ()
    ) -> None:
        self._actions = {action.name: action for action in actions}
        self._triggers = {trigger.type: trigger for trigger in triggers}

    def get_action(self, name: str) -> ActionSpec | None:
        return self._actions.get(name)

    def get_trigger(self, type_: str) -> TriggerSpec | None:
        return self._triggers.get(type_)
