"""The soarflow.playbook/v1 JSON Schema and the `schema` problems it finds."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from soarflow.playbook.document import Code, Json, Problem, json_path


@cache
def playbook_schema() -> dict[str, Any]:
    text = resources.files("soarflow.playbook").joinpath("playbook.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _validator() -> Draft202012Validator:
    schema = playbook_schema()
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def schema_problems(document: Json) -> Iterator[Problem]:
    for error in _validator().iter_errors(document):
        yield from _leaf_problems(document, error)


def _leaf_problems(document: Json, error: ValidationError) -> Iterator[Problem]:
    """Report the most specific failures: the sub-errors of if/then and allOf wrappers."""
    if error.context and error.validator in {"allOf", "then", "else", "$ref"}:
        for sub in error.context:
            yield from _leaf_problems(document, sub)
        return
    parts = tuple(error.absolute_path)
    yield Problem(
        code=Code.SCHEMA,
        message=error.message,
        node_id=_node_id_at(document, parts),
        path=json_path(parts),
        details={"keyword": str(error.validator)},
    )


def _node_id_at(document: Json, parts: tuple[str | int, ...]) -> str | None:
    if len(parts) < 2 or not isinstance(document, Mapping) or parts[0] != "nodes":
        return None
    nodes = document.get("nodes")
    index = parts[1]
    if not isinstance(nodes, list) or not isinstance(index, int) or index >= len(nodes):
        return None
    node = nodes[index]
    node_id = node.get("id") if isinstance(node, dict) else None
    return node_id if isinstance(node_id, str) else None
