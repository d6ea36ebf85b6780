"""Dynamic fields: what a node may reference, typed by the declared schemas.

One computation serves the canvas picker (dynamic_fields) and the validator (resolve): a
reference is valid exactly when it leads into something the picker could have offered."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import networkx as nx
from jinja2 import nodes

from soarflow.expressions.environment import ExpressionSyntaxError, parse
from soarflow.expressions.references import Reference, reference_of, single_expression
from soarflow.playbook.catalog import ActionCatalog
from soarflow.playbook.document import Code
from soarflow.playbook.graph import NodeRef, PlaybookGraph

Schema = Mapping[str, Any]
ANY: Schema = {}
STEP_RESULT = ("output", "status", "error")
STATUS: Schema = {"type": "string", "description": "succeeded, failed, skipped or timed_out"}
ERROR: Schema = {
    "type": ["object", "null"],
    "description": "why the step failed, or null",
    "properties": {
        "code": {"type": "string"},
        "message": {"type": "string"},
        "details": {"type": "object"},
    },
}
RUN: Schema = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "title": "Run id"},
        "started_at": {"type": "string", "format": "date-time", "title": "Run start"},
        "parent_run_id": {
            "type": ["string", "null"],
            "title": "Started by run",
            "description": "The run whose Run a playbook step started this one; null otherwise",
        },
        "depth": {
            "type": "integer",
            "title": "Call depth",
            "description": "How many Run a playbook steps led to this run (0: none)",
        },
    },
}
PLAYBOOK: Schema = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "id": {"type": "string", "title": "Playbook id"},
        "name": {"type": "string", "title": "Playbook name"},
    },
}
BRANCH_TAKEN: Schema = {
    "type": "object",
    "properties": {"branch": {"type": "string", "title": "Branch taken"}},
}
# Filters that keep a list's items as they are, so a loop over their result has the same items.
ITEM_PRESERVING_FILTERS = frozenset(
    {"list", "unique", "sort", "reverse", "select", "reject", "selectattr", "rejectattr"}
)
FLATTEN_DEPTH = 4
# Between the parts of a field title as the picker shows it: vt, data, reputation.
SEP = " \u203a "
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Field:
    expression: str
    title: str
    type: str
    source_node: str | None
    description: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "expression": self.expression,
            "title": self.title,
            "type": self.type,
            "source_node": self.source_node,
            "description": self.description,
        }


@dataclass(frozen=True)
class Unresolved:
    """Why a reference cannot be made here: `unknown_reference` or `unknown_field`."""

    code: Code
    message: str


class NodeScope:
    """What one node's expressions may read. Steps are those certain to have finished before it
    runs: its ancestors in the run-after graph, less the containers that enclose it (they end
    after it). An until's exit condition also sees its own body, which has just run."""

    def __init__(
        self,
        graph: PlaybookGraph,
        catalog: ActionCatalog,
        node: NodeRef,
        *,
        sees_own_body: bool = False,
        per_item: bool = False,
    ) -> None:
        self.graph = graph
        self.catalog = catalog
        self.node = node
        self.sees_own_body = sees_own_body
        # An input evaluated once per item of a list: `item` is that item, of any shape.
        self.per_item = per_item

    @cached_property
    def enclosing(self) -> list[NodeRef]:
        return list(self.graph.enclosing(self.node))

    @cached_property
    def steps(self) -> dict[str, NodeRef]:
        """Steps in scope, in document order."""
        graph = self.graph
        before = (
            nx.ancestors(graph.digraph, self.node.id) if self.node.id in graph.digraph else set()
        )
        before -= {container.id for container in self.enclosing}
        if self.sees_own_body:
            before |= {n.id for n in graph.node_list if self.node in graph.enclosing(n)}
        return {n.id: n for n in graph.node_list if n.id in before and graph.by_id[n.id] is n}

    @cached_property
    def loops(self) -> list[NodeRef]:
        """Enclosing For each loops, innermost first."""
        return [container for container in self.enclosing if container.kind == "foreach"]

    def resolve(self, reference: Reference) -> Schema | Unresolved:
        root, rest = reference[0], reference[1:]
        if root == "trigger":
            return self._within(self.trigger_schema, rest, "trigger")
        if root == "steps":
            return self._step(rest)
        if root == "item" and self.per_item:
            return self._within({}, rest, root)
        if root in ("item", "index"):
            if not self.loops:
                return Unresolved(
                    Code.UNKNOWN_REFERENCE, f"'{root}' exists only inside a For each loop"
                )
            schema = self.loop_item_schema(self.loops[0]) if root == "item" else {"type": "integer"}
            return self._within(schema, rest, root)
        if root == "items":
            return self._outer_item(rest)
        if root == "vars":
            return self._variable(rest)
        if root in ("run", "playbook"):
            return self._within(RUN if root == "run" else PLAYBOOK, rest, root)
        return Unresolved(
            Code.UNKNOWN_REFERENCE, f"'{root}' exists only in connector manifests, not playbooks"
        )

    @cached_property
    def trigger_schema(self) -> Schema:
        trigger = self.graph.trigger
        trigger_type = trigger.data.get("type") if trigger else None
        spec = self.catalog.get_trigger(trigger_type) if isinstance(trigger_type, str) else None
        params = trigger.data.get("params") if trigger else None
        return spec.payload_schema(params) if spec else ANY

    def _step(self, rest: tuple[str | int, ...]) -> Schema | Unresolved:
        if not rest:
            return {"type": "object"}
        step_id = str(rest[0])
        step = self.steps.get(step_id)
        if step is None:
            return Unresolved(Code.UNKNOWN_REFERENCE, self._why_not_before(step_id))
        if len(rest) == 1:
            return {"type": "object"}
        part = rest[1]
        if part not in STEP_RESULT:
            return Unresolved(
                Code.UNKNOWN_FIELD, f"a step has output, status and error, not '{part}'"
            )
        if part == "status":
            return self._within(STATUS, rest[2:], f"steps.{step_id}.status")
        if part == "error":
            return self._within(ERROR, rest[2:], f"steps.{step_id}.error")
        return self._within(output_schema(self.graph, self.catalog, step), rest[2:], step_id)

    def _why_not_before(self, step_id: str) -> str:
        target = self.graph.node(step_id)
        if target is None or target.is_trigger:
            return f"there is no step '{step_id}'"
        if target in self.enclosing:
            return (
                f"'{step_id}' contains '{self.node.id}', so its output exists only after "
                f"'{self.node.id}' has run"
            )
        return f"'{step_id}' is not certain to have run before '{self.node.id}'"

    def _outer_item(self, rest: tuple[str | int, ...]) -> Schema | Unresolved:
        loop_id = str(rest[0]) if rest else ""
        loop = next((loop for loop in self.loops if loop.id == loop_id), None)
        if loop is None:
            return Unresolved(
                Code.UNKNOWN_REFERENCE, f"'items.{loop_id}' needs a For each '{loop_id}' around it"
            )
        return self._within(self.loop_item_schema(loop), rest[1:], f"items.{loop_id}")

    def _variable(self, rest: tuple[str | int, ...]) -> Schema | Unresolved:
        declared = variables(self.graph)
        name = str(rest[0]) if rest else ""
        if name not in declared:
            return Unresolved(Code.UNKNOWN_REFERENCE, f"no variable '{name}' is declared")
        return self._within(declared[name], rest[1:], f"vars.{name}")

    def loop_item_schema(self, loop: NodeRef) -> Schema:
        """The schema of a For each's items, when its items are a plain (or item-keeping
        filtered) reference to an array with a declared item schema."""
        text = loop.data.get("items")
        if not isinstance(text, str):
            return ANY
        try:
            expression = single_expression(parse(text))
        except ExpressionSyntaxError:
            return ANY
        reference = _source_reference(expression) if expression is not None else None
        if reference is None:
            return ANY
        array = NodeScope(self.graph, self.catalog, loop).resolve(reference)
        if isinstance(array, Unresolved):
            return ANY
        items = array.get("items")
        return items if isinstance(items, Mapping) else ANY

    def _within(
        self, schema: Schema, keys: tuple[str | int, ...], shown: str
    ) -> Schema | Unresolved:
        for depth, key in enumerate(keys):
            inner = _child_schema(schema, key)
            if inner is None:
                where = ".".join([shown, *map(str, keys[:depth])])
                return Unresolved(
                    Code.UNKNOWN_FIELD, f"'{where}' has no field '{key}' in its declared schema"
                )
            schema = inner
        return schema


def _source_reference(expression: nodes.Expr) -> Reference | None:
    while isinstance(expression, nodes.Filter) and expression.name in ITEM_PRESERVING_FILTERS:
        if expression.node is None:
            return None
        expression = expression.node
    return reference_of(expression)


def _child_schema(schema: Schema, key: str | int) -> Schema | None:
    """The schema one step down, ANY when the schema does not say, None when it forbids it."""
    if isinstance(key, int):
        items = schema.get("items")
        return items if isinstance(items, Mapping) else ANY
    properties = schema.get("properties")
    if not isinstance(properties, Mapping):
        return ANY
    if key in properties:
        found = properties[key]
        return found if isinstance(found, Mapping) else ANY
    extra = schema.get("additionalProperties")
    if extra is True or isinstance(extra, Mapping):
        return extra if isinstance(extra, Mapping) else ANY
    return None


def variables(graph: PlaybookGraph) -> dict[str, Schema]:
    declared = graph.document.get("variables")
    if not isinstance(declared, Mapping):
        return {}
    return {
        name: {"type": spec.get("type", "string")} if isinstance(spec, Mapping) else ANY
        for name, spec in declared.items()
    }


def output_schema(graph: PlaybookGraph, catalog: ActionCatalog, node: NodeRef) -> Schema:
    """What a step's `output` holds: its action's declared output, or its container's shape."""
    if node.kind == "action":
        name = node.data.get("action")
        spec = catalog.get_action(name) if isinstance(name, str) else None
        if spec is None:
            return ANY
        inputs = node.data.get("inputs")
        declared = inputs.get(spec.output_from_input) if isinstance(inputs, Mapping) else None
        if spec.output_from_input and isinstance(declared, Mapping):
            return declared
        return spec.output_schema
    if node.kind in ("condition", "switch"):
        return BRANCH_TAKEN
    children = {
        child.id: output_schema(graph, catalog, child)
        for child in graph.node_list
        if child.parent == node.id
    }
    body: Schema = {"type": "object", "properties": children}
    if node.kind in ("foreach", "until"):
        return {"type": "array", "items": body}
    return body


def type_name(schema: Schema) -> str:
    declared = schema.get("type")
    if isinstance(declared, str):
        return declared
    if isinstance(declared, list):
        return " | ".join(str(name) for name in declared)
    return "any"


def path_expression(reference: Reference) -> str:
    """("steps", "each-ip", "output") as {{ steps['each-ip'].output }}."""
    text = str(reference[0])
    for key in reference[1:]:
        if isinstance(key, int):
            text += f"[{key}]"
        elif _IDENTIFIER.match(key):
            text += f".{key}"
        else:
            text += "[" + repr(key) + "]"
    return "{{ " + text + " }}"


def dynamic_fields(graph: PlaybookGraph, catalog: ActionCatalog, node: NodeRef) -> list[Field]:
    """Everything the picker offers for a node: the trigger's outputs, earlier steps' outputs
    and statuses, loop items, variables, and the run and playbook."""
    scope = NodeScope(graph, catalog, node, sees_own_body=node.kind == "until")
    found: list[Field] = []
    found += _flatten(("trigger",), scope.trigger_schema, "Trigger", None)
    for step in scope.steps.values():
        label = str(step.data.get("title") or step.id)
        found += _flatten(
            ("steps", step.id, "output"), output_schema(graph, catalog, step), label, step.id
        )
        found.append(_field(("steps", step.id, "status"), f"{label}{SEP}status", STATUS, step.id))
    for depth, loop in enumerate(scope.loops):
        label = str(loop.data.get("title") or loop.id)
        root: Reference = ("item",) if depth == 0 else ("items", loop.id)
        found += _flatten(root, scope.loop_item_schema(loop), f"{label}{SEP}current item", loop.id)
        if depth == 0:
            index: Schema = {"type": "integer", "description": "position of the item, from 0"}
            found.append(_field(("index",), f"{label}{SEP}index", index, loop.id))
    for name, schema in variables(graph).items():
        found.append(_field(("vars", name), f"Variable{SEP}{name}", schema, None))
    found += _flatten(("run",), RUN, "Run", None)
    found += _flatten(("playbook",), PLAYBOOK, "Playbook", None)
    return found


def _field(reference: Reference, title: str, schema: Schema, source: str | None) -> Field:
    description = schema.get("description") or schema.get("title") or ""
    return Field(path_expression(reference), title, type_name(schema), source, str(description))


def _flatten(
    reference: Reference, schema: Schema, title: str, source: str | None, depth: int = 0
) -> Iterator[Field]:
    yield _field(reference, title, schema, source)
    if depth >= FLATTEN_DEPTH:
        return
    properties = schema.get("properties")
    if isinstance(properties, Mapping):
        for name, child in properties.items():
            if isinstance(child, Mapping):
                yield from _flatten(
                    (*reference, name), child, f"{title}{SEP}{name}", source, depth + 1
                )
    items = schema.get("items")
    if isinstance(items, Mapping) and isinstance(items.get("properties"), Mapping):
        yield from _item_fields(reference, items["properties"], title, source)


def _item_fields(
    reference: Reference, properties: Mapping[str, Any], title: str, source: str | None
) -> Iterator[Field]:
    """An array's item fields, as the list of that field across items."""
    whole = path_expression(reference)[3:-3]
    for name, child in properties.items():
        item_type = type_name(child) if isinstance(child, Mapping) else "any"
        yield Field(
            "{{ " + f"{whole} | map(attribute={name!r}) | list" + " }}",
            f"{title}{SEP}each {name}",
            "array",
            source,
            f"the {name} of every item ({item_type} each)",
        )
