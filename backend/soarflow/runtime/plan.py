"""A playbook version compiled once into what the conductor walks: for every node its
run-after predecessors, successors and settings; for every container branch its nodes in
topological order."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from soarflow.connectors.retry import DEFAULT_RETRY, RetryPolicy
from soarflow.expressions.functions import duration_seconds
from soarflow.playbook.catalog import ActionCatalog
from soarflow.playbook.graph import PlaybookGraph

DEFAULT_WHEN = frozenset({"succeeded"})
LOOP_KINDS = frozenset({"foreach", "until"})
FOREACH_CONCURRENCY = 20
FOREACH_MAX_ITEMS = 100_000
UNTIL_MAX_ITERATIONS = 60
UNTIL_TIMEOUT = 3600.0

FrameKey = tuple[str | None, str | None]
# A predecessor: the sibling's id, or None for the container's (or trigger's) start edge.
Pred = tuple[str | None, frozenset[str]]


@dataclass(slots=True)
class PlanNode:
    id: str
    kind: str
    data: Mapping[str, Any]
    parent: str | None = None
    branch: str | None = None
    preds: list[Pred] = field(default_factory=list)
    succs: list[str] = field(default_factory=list)
    # Statuses an outgoing edge accepts: a failure with one of these is handled.
    handled: set[str] = field(default_factory=set)
    directive: str | None = None
    secret_inputs: frozenset[str] = frozenset()
    # Output fields marked writeOnly: their values are secrets for the rest of the run.
    secret_outputs: frozenset[str] = frozenset()
    item_inputs: frozenset[str] = frozenset()
    retry: RetryPolicy = DEFAULT_RETRY
    timeout: float | None = None
    path: str = "$.trigger"  # where the node sits in the document, for error messages

    @property
    def is_loop(self) -> bool:
        return self.kind in LOOP_KINDS


@dataclass
class Plan:
    trigger_id: str
    nodes: dict[str, PlanNode]
    frames: dict[FrameKey, tuple[str, ...]]
    variables: Mapping[str, Mapping[str, Any]]

    def frame(self, container: str | None, branch: str | None) -> tuple[str, ...]:
        return self.frames.get((container, branch), ())


def compile_plan(document: Mapping[str, Any], catalog: ActionCatalog) -> Plan:
    """The plan of a document the validator accepted (an invalid one may compile wrongly)."""
    graph = PlaybookGraph.from_document(document)
    assert graph.trigger is not None, "compile_plan needs a validated playbook"
    nodes = {graph.trigger.id: PlanNode(graph.trigger.id, "trigger", graph.trigger.data)}
    for ref in graph.node_list:
        node = nodes[ref.id] = _plan_node(ref.id, ref.kind or "", ref.data, catalog)
        node.parent, node.branch, node.path = ref.parent, ref.branch, f"$.nodes[{ref.index}]"
    for raw in document.get("edges", []):
        source, target = nodes[raw["source"]], nodes[raw["target"]]
        when = frozenset(raw.get("when", DEFAULT_WHEN))
        if target.parent == source.id:
            target.preds.append((None, when))
        else:
            target.preds.append((source.id, when))
            source.succs.append(target.id)
            source.handled |= when
    order = {node_id: index for index, node_id in enumerate(nx.topological_sort(graph.digraph))}
    frames: dict[FrameKey, list[str]] = {}
    for node in nodes.values():
        if node.kind != "trigger":
            frames.setdefault((node.parent, node.branch), []).append(node.id)
    return Plan(
        graph.trigger.id,
        nodes,
        {key: tuple(sorted(ids, key=order.__getitem__)) for key, ids in frames.items()},
        document.get("variables", {}),
    )


def _plan_node(
    node_id: str, kind: str, data: Mapping[str, Any], catalog: ActionCatalog
) -> PlanNode:
    node = PlanNode(node_id, kind, data)
    if kind != "action":
        return node
    spec = catalog.get_action(str(data.get("action")))
    if spec is not None:
        node.directive = spec.directive
        node.item_inputs = spec.item_inputs
        node.secret_inputs = _write_only(spec.input_schema)
        node.secret_outputs = _write_only(spec.output_schema)
    node.retry = _retry_policy(data.get("retry"))
    if "timeout" in data:
        node.timeout = duration_seconds(data["timeout"])
    return node


def _write_only(schema: Mapping[str, Any]) -> frozenset[str]:
    """The fields of an object schema marked writeOnly: secrets."""
    properties = schema.get("properties", {}) if isinstance(schema, Mapping) else {}
    return frozenset(
        name
        for name, field_schema in properties.items()
        if isinstance(field_schema, Mapping) and field_schema.get("writeOnly")
    )


def _retry_policy(settings: Mapping[str, Any] | None) -> RetryPolicy:
    if not settings:
        return DEFAULT_RETRY
    defaults = DEFAULT_RETRY
    policy = settings.get("policy", defaults.policy)
    interval = settings.get("interval")
    return RetryPolicy(
        policy=policy,
        count=settings.get("count", defaults.count),
        interval=duration_seconds(interval) if interval else defaults.interval,
        min_interval=_seconds(settings.get("min_interval"), defaults.min_interval),
        max_interval=_seconds(settings.get("max_interval"), defaults.max_interval),
    )


def _seconds(duration: str | None, default: float) -> float:
    return duration_seconds(duration) if duration else default
