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


class ActionCatalog(Protocol):
    def get_action(self, name: str) -> ActionSpec | None: ...


class StaticCatalog:
    """A fixed set of actions, looked up by `<connector>.<action>` name."""

    def __init__(self, actions: Iterable[ActionSpec] = ()) -> None:
        self._actions = {action.name: action for action in actions}

    def get_action(self, name: str) -> ActionSpec | None:
        return self._actions.get(name)
