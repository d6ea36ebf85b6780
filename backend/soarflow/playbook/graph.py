"""PlaybookGraph: the playbook's nodes, containment and run-after edges as a networkx graph.

Built defensively from any document, valid or not, so that validation can report every problem
at once: parts that are not even shaped right are left out here (the schema check reports them).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property

import networkx as nx

from soarflow.playbook.document import CONTAINER_KINDS, Json, branches_of

TRIGGER_INDEX = -1
Scope = tuple[str | None, str | None]
TOP_SCOPE: Scope = (None, None)


@dataclass(slots=True, eq=False)
class NodeRef:
    """A node (or the trigger) and where it sits: its index in `nodes` and its container.

    Read-only by convention; not frozen, because frozen dataclasses are slow to build and a
    5,000-node playbook builds 5,000 of these per validation."""

    id: str
    index: int
    kind: str | None
    parent: str | None
    branch: str | None
    data: Mapping[str, Json]

    @property
    def is_trigger(self) -> bool:
        return self.index == TRIGGER_INDEX

    @property
    def is_container(self) -> bool:
        return self.kind in CONTAINER_KINDS

    @property
    def scope(self) -> Scope:
        return (self.parent, self.branch)

    @property
    def branches(self) -> tuple[str, ...]:
        return branches_of(self.data)


@dataclass(slots=True, eq=False)
class EdgeRef:
    index: int
    source: str
    target: str
    branch: str | None


class PlaybookGraph:
    """Nodes by id, the containment tree and the run-after DiGraph of one playbook document."""

    def __init__(
        self,
        trigger: NodeRef | None,
        nodes: list[NodeRef],
        edges: list[EdgeRef],
        document: Mapping[str, Json] | None = None,
    ):
        self.document = document or {}
        self.trigger = trigger
        self.node_list = nodes
        self.edges = edges
        self.by_id: dict[str, NodeRef] = {}
        for node in ([trigger] if trigger else []) + nodes:
            self.by_id.setdefault(node.id, node)

    @classmethod
    def from_document(cls, document: Mapping[str, Json]) -> PlaybookGraph:
        return cls(_read_trigger(document), _read_nodes(document), _read_edges(document), document)

    @cached_property
    def digraph(self) -> nx.DiGraph[str]:
        """Run-after edges whose ends both exist; edges into the trigger are left out."""
        graph: nx.DiGraph[str] = nx.DiGraph()
        graph.add_nodes_from(self.by_id)
        graph.add_edges_from(
            (edge.source, edge.target)
            for edge in self.edges
            if edge.source in self.by_id
            and edge.target in self.by_id
            and not self.by_id[edge.target].is_trigger
        )
        return graph

    def node(self, node_id: str) -> NodeRef | None:
        return self.by_id.get(node_id)

    def enclosing(self, node: NodeRef) -> Iterator[NodeRef]:
        """The containers around a node, innermost first; stops at a missing or looping parent."""
        seen = {node.id}
        parent_id = node.parent
        while parent_id is not None and parent_id not in seen:
            parent = self.by_id.get(parent_id)
            if parent is None:
                return
            yield parent
            seen.add(parent_id)
            parent_id = parent.parent

    def in_containment_loop(self, node: NodeRef) -> bool:
        """True when following parents from this node leads back to it."""
        seen: set[str] = set()
        parent_id = node.parent
        while parent_id is not None and parent_id not in seen:
            if parent_id == node.id:
                return True
            seen.add(parent_id)
            parent = self.by_id.get(parent_id)
            parent_id = parent.parent if parent else None
        return False

    def depth(self, node: NodeRef) -> int:
        return sum(1 for _ in self.enclosing(node))

    def reachable_from_trigger(self) -> set[str]:
        if self.trigger is None:
            return set()
        return {self.trigger.id, *nx.descendants(self.digraph, self.trigger.id)}

    def is_acyclic(self) -> bool:
        return bool(nx.is_directed_acyclic_graph(self.digraph))

    def cycles(self) -> list[list[str]]:
        """One cycle per strongly connected knot of nodes, in edge order from the node that comes
        first in the document, so the same playbook always explains itself the same way."""
        order = {node_id: position for position, node_id in enumerate(self.by_id)}
        found: list[list[str]] = []
        for component in nx.strongly_connected_components(self.digraph):
            start = min(component, key=order.__getitem__)
            if len(component) == 1 and not self.digraph.has_edge(start, start):
                continue
            cycle_edges = nx.find_cycle(self.digraph.subgraph(component), source=start)
            found.append([source for source, _ in cycle_edges])
        return sorted(found, key=lambda cycle: order[cycle[0]])


def _read_trigger(document: Mapping[str, Json]) -> NodeRef | None:
    trigger = document.get("trigger")
    if not isinstance(trigger, dict) or not isinstance(trigger.get("id"), str):
        return None
    return NodeRef(trigger["id"], TRIGGER_INDEX, None, None, None, trigger)


def _read_nodes(document: Mapping[str, Json]) -> list[NodeRef]:
    raw = document.get("nodes")
    if not isinstance(raw, list):
        return []
    return [
        NodeRef(
            node["id"],
            index,
            _str_or_none(node.get("kind")),
            _str_or_none(node.get("parent")),
            _str_or_none(node.get("branch")),
            node,
        )
        for index, node in enumerate(raw)
        if isinstance(node, dict) and isinstance(node.get("id"), str)
    ]


def _read_edges(document: Mapping[str, Json]) -> list[EdgeRef]:
    raw = document.get("edges")
    if not isinstance(raw, list):
        return []
    return [
        EdgeRef(index, edge["source"], edge["target"], _str_or_none(edge.get("branch")))
        for index, edge in enumerate(raw)
        if isinstance(edge, dict)
        and isinstance(edge.get("source"), str)
        and isinstance(edge.get("target"), str)
    ]


def _str_or_none(value: Json) -> str | None:
    return value if isinstance(value, str) else None
