"""The connections a playbook document names: each step's `connection`, and the inputs that name
one (the approvals step's `email_connection`, `slack.connection`, `teams.connection`).
Manifests do not mark such inputs, so they are known by their key. Pure."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import Any


def names_a_connection(key: str) -> bool:
    return key == "connection" or key.endswith("_connection")


def connection_references(document: Mapping[str, Any]) -> set[str]:
    """Every connection name (or id) the document's steps use."""
    return {name for node in _nodes(document) for name in _node_references(node)}


def with_connections_renamed(
    document: Mapping[str, Any], renames: Mapping[str, str]
) -> dict[str, Any]:
    """A copy of the document whose steps use the new names in place of the old ones."""
    renamed = copy.deepcopy(dict(document))
    for node in _nodes(renamed):
        _rename(node, renames)
    return renamed


def _nodes(document: Mapping[str, Any]) -> Iterator[dict[str, Any]]:
    nodes = document.get("nodes")
    if isinstance(nodes, list):
        yield from (node for node in nodes if isinstance(node, dict))


def _node_references(node: Mapping[str, Any]) -> Iterator[str]:
    if isinstance(node.get("connection"), str):
        yield node["connection"]
    yield from _named_in(node.get("inputs"))


def _named_in(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if names_a_connection(key) and isinstance(item, str):
                yield item
            else:
                yield from _named_in(item)


def _rename(value: Any, renames: Mapping[str, str]) -> None:
    """Renames in place, in a step (`connection`) and its inputs, at any depth."""
    if not isinstance(value, dict):
        return
    for key, item in value.items():
        if names_a_connection(key) and isinstance(item, str):
            value[key] = renames.get(item, item)
        elif isinstance(item, dict):
            _rename(item, renames)
