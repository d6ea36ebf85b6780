"""The validator's checks: each a small function from a ValidationContext to problems."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache

from soarflow.playbook.catalog import ActionCatalog, ActionSpec, TriggerSpec
from soarflow.playbook.document import (
    MAX_DEPTH,
    MAX_EXPRESSION_LENGTH,
    MAX_NODES,
    Code,
    Json,
    JsonPath,
    Problem,
    is_expression_text,
    iter_strings,
    json_path,
)
from soarflow.playbook.graph import TRIGGER_INDEX, EdgeRef, NodeRef, PlaybookGraph
from soarflow.playbook.schema import SchemaChecker, schema_problems
from soarflow.playbook.triggers import trigger_params_problems


@dataclass(frozen=True)
class ValidationContext:
    document: Mapping[str, Json]
    graph: PlaybookGraph
    catalog: ActionCatalog


Check = Callable[[ValidationContext], Iterable[Problem]]


def node_path(node: NodeRef, *rest: str | int) -> str:
    if node.is_trigger:
        return json_path(("trigger", *rest))
    return json_path(("nodes", node.index, *rest))


def edge_path(edge: EdgeRef, *rest: str | int) -> str:
    return json_path(("edges", edge.index, *rest))


def check_schema(ctx: ValidationContext) -> Iterator[Problem]:
    yield from schema_problems(ctx.document)


def check_duplicate_ids(ctx: ValidationContext) -> Iterator[Problem]:
    first_seen = {node.id: node for node in ctx.graph.by_id.values()}
    for node in ctx.graph.node_list:
        first = first_seen[node.id]
        if first is not node:
            where = "the trigger" if first.is_trigger else f"node #{first.index}"
            yield Problem(
                Code.DUPLICATE_ID,
                f"id '{node.id}' is already used by {where}",
                node.id,
                node_path(node, "id"),
            )


def check_trigger(ctx: ValidationContext) -> Iterator[Problem]:
    if ctx.graph.trigger is None:
        yield Problem(Code.NO_TRIGGER, "the playbook has no trigger", None, "$.trigger")


def check_trigger_params(ctx: ValidationContext) -> Iterator[Problem]:
    """The trigger's settings against its params schema, then what a schema cannot say (a
    cron expression, a time zone, a duration's limit)."""
    trigger = ctx.graph.trigger
    trigger_type = trigger.data.get("type") if trigger else None
    spec = ctx.catalog.get_trigger(trigger_type) if isinstance(trigger_type, str) else None
    params = trigger.data.get("params", {}) if trigger else None
    if trigger is None or spec is None or not isinstance(params, dict):
        return
    reported: set[str | int] = set()
    for error in _params_checker(spec).errors(params):
        field = tuple(error.absolute_path)
        reported |= set(field[:1])
        if error.validator == "required" and isinstance(error.validator_value, list):
            reported |= set(error.validator_value) - set(params)
        yield _trigger_problem(trigger, spec, error.message, field, str(error.validator))
    for name, message in trigger_params_problems(spec.type, params):
        if name not in reported:
            yield _trigger_problem(trigger, spec, f"{name} {message}", (name,), "semantics")


def _trigger_problem(
    trigger: NodeRef, spec: TriggerSpec, message: str, field: JsonPath, keyword: str
) -> Problem:
    return Problem(
        Code.INVALID_TRIGGER,
        f"trigger '{trigger.id}' ({spec.title or spec.type}): {message}",
        trigger.id,
        node_path(trigger, "params", *field),
        {"trigger": spec.type, "keyword": keyword},
    )


@lru_cache(maxsize=256)
def _params_checker(spec: TriggerSpec) -> SchemaChecker:
    return SchemaChecker(spec.params_schema)


def check_parents(ctx: ValidationContext) -> Iterator[Problem]:
    graph = ctx.graph
    for node in graph.node_list:
        if node.parent is None:
            continue
        parent = graph.node(node.parent)
        if parent is None:
            yield Problem(
                Code.BAD_PARENT,
                f"parent '{node.parent}' does not exist",
                node.id,
                node_path(node, "parent"),
            )
        elif not parent.is_container:
            yield Problem(
                Code.BAD_PARENT,
                f"parent '{parent.id}' is not a container and cannot hold steps",
                node.id,
                node_path(node, "parent"),
            )
        elif graph.in_containment_loop(node):
            yield Problem(
                Code.BAD_PARENT,
                f"'{node.id}' ends up inside itself through its parents",
                node.id,
                node_path(node, "parent"),
            )
        elif node.branch not in parent.branches:
            yield _unknown_branch(parent, node.branch, node.id, node_path(node, "branch"))


def _unknown_branch(container: NodeRef, branch: str | None, node_id: str, path: str) -> Problem:
    return Problem(
        Code.BAD_BRANCH,
        f"'{container.id}' has no branch '{branch}' (it has: {', '.join(container.branches)})",
        node_id,
        path,
        {"container": container.id, "branches": list(container.branches)},
    )


def check_edges(ctx: ValidationContext) -> Iterator[Problem]:
    graph = ctx.graph
    for edge in graph.edges:
        source, target = graph.node(edge.source), graph.node(edge.target)
        if _plain_sibling_edge(source, target, edge):
            continue
        yield from _edge_problems(graph, edge)


def _plain_sibling_edge(source: NodeRef | None, target: NodeRef | None, edge: EdgeRef) -> bool:
    """The common, correct case, decided without building problems or scope tuples."""
    return (
        source is not None
        and target is not None
        and edge.branch is None
        and target.index != TRIGGER_INDEX
        and source.parent == target.parent
        and source.branch == target.branch
        and target.parent != source.id
    )


def _edge_problems(graph: PlaybookGraph, edge: EdgeRef) -> Iterator[Problem]:
    source, target = graph.node(edge.source), graph.node(edge.target)
    for end, node in (("source", source), ("target", target)):
        if node is None:
            name = getattr(edge, end)
            yield Problem(
                Code.DANGLING_EDGE,
                f"edge {end} '{name}' is not a node of this playbook",
                None,
                edge_path(edge, end),
                {"end": end, "id": name},
            )
    if source is None or target is None:
        return
    if target.is_trigger:
        yield Problem(
            Code.DANGLING_EDGE,
            f"edge ends at the trigger '{target.id}'; nothing runs before the trigger",
            target.id,
            edge_path(edge, "target"),
            {"end": "target", "id": target.id},
        )
    elif target.parent == source.id and source.is_container:
        yield from _start_edge_problems(source, target, edge)
    elif source.scope != target.scope:
        yield Problem(
            Code.CROSS_SCOPE_EDGE,
            f"edge '{source.id}' -> '{target.id}' joins steps of different containers or "
            "branches; only siblings, or a container and its own child, can be joined",
            target.id,
            edge_path(edge),
            {"source_scope": list(source.scope), "target_scope": list(target.scope)},
        )
    elif edge.branch is not None:
        yield Problem(
            Code.BAD_BRANCH,
            f"edge '{source.id}' -> '{target.id}' joins siblings, so it cannot name a branch",
            target.id,
            edge_path(edge, "branch"),
        )


def _start_edge_problems(container: NodeRef, child: NodeRef, edge: EdgeRef) -> Iterator[Problem]:
    if edge.branch is None:
        yield Problem(
            Code.BAD_BRANCH,
            f"edge from container '{container.id}' to its child '{child.id}' must name the "
            f"branch it starts ('{child.branch}')",
            child.id,
            edge_path(edge),
            {"container": container.id, "branches": list(container.branches)},
        )
    elif edge.branch not in container.branches:
        yield _unknown_branch(container, edge.branch, child.id, edge_path(edge, "branch"))
    elif edge.branch != child.branch:
        yield Problem(
            Code.BAD_BRANCH,
            f"edge starts branch '{edge.branch}' of '{container.id}', but '{child.id}' is in "
            f"branch '{child.branch}'",
            child.id,
            edge_path(edge, "branch"),
            {"container": container.id, "branches": list(container.branches)},
        )


def check_cycles(ctx: ValidationContext) -> Iterator[Problem]:
    graph = ctx.graph
    if graph.is_acyclic():
        return
    for cycle in graph.cycles():
        first = graph.by_id[cycle[0]]
        shown = " -> ".join([*cycle, cycle[0]])
        yield Problem(
            Code.CYCLE,
            f"steps run after each other in a loop: {shown}",
            first.id,
            node_path(first),
            {"nodes": cycle},
        )


def check_reachability(ctx: ValidationContext) -> Iterator[Problem]:
    graph = ctx.graph
    if graph.trigger is None:
        return
    reached = graph.reachable_from_trigger()
    for node in graph.node_list:
        if node.id not in reached and graph.by_id[node.id] is node:
            yield Problem(
                Code.UNREACHABLE,
                f"'{node.id}' can never run: no path leads to it from the trigger",
                node.id,
                node_path(node),
            )


def check_size(ctx: ValidationContext) -> Iterator[Problem]:
    graph = ctx.graph
    count = len(graph.node_list)
    if count > MAX_NODES:
        yield Problem(
            Code.TOO_LARGE,
            f"the playbook has {count} steps; the limit is {MAX_NODES}",
            None,
            "$.nodes",
            {"limit": MAX_NODES, "actual": count},
        )
    for node in graph.node_list:
        if node.parent is not None and graph.depth(node) == MAX_DEPTH + 1:
            yield Problem(
                Code.TOO_LARGE,
                f"'{node.id}' is nested {MAX_DEPTH + 1} containers deep; the limit is {MAX_DEPTH}",
                node.id,
                node_path(node, "parent"),
                {"limit": MAX_DEPTH, "actual": MAX_DEPTH + 1},
            )
    yield from _long_expressions(ctx.document)


def _long_expressions(document: Mapping[str, Json]) -> Iterator[Problem]:
    roots: list[tuple[JsonPath, Json, str | None]] = [
        (("trigger",), document.get("trigger"), None),
        (("variables",), document.get("variables"), None),
    ]
    nodes = document.get("nodes")
    if isinstance(nodes, list):
        roots.extend((("nodes", index), node, _id_of(node)) for index, node in enumerate(nodes))
    for root_path, value, node_id in roots:
        if not _holds_long_text(value):
            continue
        for path, text in iter_strings(value, root_path):
            if len(text) > MAX_EXPRESSION_LENGTH and is_expression_text(text):
                yield Problem(
                    Code.TOO_LARGE,
                    f"expression is {len(text)} characters; the limit is {MAX_EXPRESSION_LENGTH}",
                    node_id,
                    json_path(path),
                    {"limit": MAX_EXPRESSION_LENGTH, "actual": len(text)},
                )


def _holds_long_text(value: Json) -> bool:
    """A quick pass without paths: nearly every node has no long text at all."""
    if isinstance(value, str):
        return len(value) > MAX_EXPRESSION_LENGTH
    if not isinstance(value, dict | list):
        return False
    for item in value.values() if isinstance(value, dict) else value:
        if isinstance(item, str):
            if len(item) > MAX_EXPRESSION_LENGTH:
                return True
        elif isinstance(item, dict | list) and _holds_long_text(item):
            return True
    return False


def _id_of(node: Json) -> str | None:
    node_id = node.get("id") if isinstance(node, dict) else None
    return node_id if isinstance(node_id, str) else None


def check_actions(ctx: ValidationContext) -> Iterator[Problem]:
    for node in ctx.graph.node_list:
        name = node.data.get("action")
        if node.kind != "action" or not isinstance(name, str):
            continue
        spec = ctx.catalog.get_action(name)
        if spec is None:
            yield Problem(
                Code.UNKNOWN_ACTION,
                f"no connector provides the action '{name}'",
                node.id,
                node_path(node, "action"),
                {"action": name},
            )
            continue
        inputs = node.data.get("inputs", {})
        if isinstance(inputs, dict):
            yield from _input_problems(node, spec, inputs)


def _input_problems(node: NodeRef, spec: ActionSpec, inputs: dict[str, Json]) -> Iterator[Problem]:
    for error in _inputs_checker(spec).errors(inputs):
        field = tuple(error.absolute_path)
        yield Problem(
            Code.INVALID_INPUTS,
            f"{spec.name}: {error.message}",
            node.id,
            node_path(node, "inputs", *field),
            {"action": spec.name, "keyword": str(error.validator)},
        )


@lru_cache(maxsize=4096)
def _inputs_checker(spec: ActionSpec) -> SchemaChecker:
    return SchemaChecker(spec.input_schema, skip_expressions=True)


STRUCTURE_CHECKS: tuple[Check, ...] = (
    check_schema,
    check_duplicate_ids,
    check_trigger,
    check_trigger_params,
    check_parents,
    check_edges,
    check_cycles,
    check_reachability,
    check_size,
    check_actions,
)
