"""Generated playbooks shaped like real ones: chains of actions, loops, conditions and switches."""

from __future__ import annotations

from itertools import count
from typing import Any

from soarflow.playbook import ActionSpec, StaticCatalog

ACTION = "bench.enrich"
CATALOG = StaticCatalog(
    [
        ActionSpec(
            ACTION,
            input_schema={
                "type": "object",
                "required": ["value"],
                "additionalProperties": False,
                "properties": {
                    "value": {"type": "string", "maxLength": 1000},
                    "count": {"type": "integer", "minimum": 0},
                },
            },
            output_schema={"type": "object", "properties": {"score": {"type": "integer"}}},
        )
    ]
)


class _Builder:
    def __init__(self) -> None:
        self.nodes: list[dict[str, Any]] = []
        self.edges: list[dict[str, Any]] = []
        self._ids = count()

    def action(self, parent: str | None = None, branch: str | None = None) -> str:
        node_id = f"n{next(self._ids)}"
        node: dict[str, Any] = {
            "id": node_id,
            "kind": "action",
            "title": f"Enrich {node_id}",
            "action": ACTION,
            "inputs": {"value": "{{ trigger.title }}", "count": 3},
            "retry": {"policy": "exponential", "count": 4},
        }
        self.nodes.append(_placed(node, parent, branch))
        return node_id

    def container(self, kind: str, parent: str | None, branch: str | None, **settings: Any) -> str:
        node_id = f"n{next(self._ids)}"
        self.nodes.append(_placed({"id": node_id, "kind": kind, **settings}, parent, branch))
        return node_id

    def edge(
        self, source: str, target: str, branch: str | None = None, when: list[str] | None = None
    ) -> None:
        edge: dict[str, Any] = {"source": source, "target": target}
        if branch is not None:
            edge["branch"] = branch
        if when is not None:
            edge["when"] = when
        self.edges.append(edge)

    def chain(self, container: str, branch: str, length: int) -> None:
        previous = self.action(container, branch)
        self.edge(container, previous, branch)
        for _ in range(length - 1):
            step = self.action(container, branch)
            self.edge(previous, step)
            previous = step

    def block(self, shape: int) -> str:
        if shape == 0:
            return self.action()
        if shape == 1:
            loop = self.container("foreach", None, None, items="{{ trigger.entities }}")
            self.chain(loop, "body", 3)
            return loop
        if shape == 2:
            rule = {"left": "{{ trigger.severity }}", "op": "eq", "right": "High"}
            test = self.container("condition", None, None, condition={"all": [rule]})
            self.chain(test, "true", 2)
            self.chain(test, "false", 1)
            return test
        if shape == 3:
            switch = self.container(
                "switch", None, None, on="{{ trigger.severity }}", cases=["High", "Medium"]
            )
            for branch in ("High", "Medium", "default"):
                self.chain(switch, branch, 1)
            return switch
        scope = self.container("scope", None, None)
        loop = self.container("foreach", scope, "body", items="{{ trigger.alerts }}", concurrency=5)
        self.edge(scope, loop, "body")
        self.chain(loop, "body", 1)
        return scope


def _placed(node: dict[str, Any], parent: str | None, branch: str | None) -> dict[str, Any]:
    if parent is not None:
        node["parent"] = parent
        node["branch"] = branch
    return node


def generate(node_count: int) -> dict[str, Any]:
    """A valid playbook of exactly `node_count` nodes (single actions fill the last places)."""
    builder = _Builder()
    previous = "trigger"
    shape = 0
    while len(builder.nodes) < node_count:
        block = builder.block(shape % 5 if node_count - len(builder.nodes) > 4 else 0)
        when = ["succeeded", "failed"] if shape % 7 == 6 else None
        builder.edge(previous, block, when=when)
        previous = block
        shape += 1
    return {
        "format": "soarflow.playbook/v1",
        "name": f"Generated playbook with {len(builder.nodes)} steps",
        "trigger": {"id": "trigger", "type": "soarflow.incident_created"},
        "nodes": builder.nodes,
        "edges": builder.edges,
        "layout": {node["id"]: {"x": 0, "y": 80 * i} for i, node in enumerate(builder.nodes)},
    }
