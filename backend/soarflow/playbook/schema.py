"""The soarflow.playbook/v1 JSON Schema and the `schema` problems it finds."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from jsonschema.protocols import Validator
from jsonschema.validators import extend

from soarflow.playbook.document import Code, Json, Problem, is_expression_text, json_path
from soarflow.playbook.fastschema import Check, UnsupportedSchema, compile_schema


@cache
def playbook_schema() -> dict[str, Any]:
    text = resources.files("soarflow.playbook").joinpath("playbook.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


def _skip_expressions(check: Any) -> Any:
    """Let a value that holds an expression pass: its type is known only when it runs."""

    def checked(validator: Validator, value: Json, instance: Json, schema: Json) -> Any:
        if is_expression_text(instance):
            return ()
        return check(validator, value, instance, schema)

    return checked


InputsValidator = extend(  # type: ignore[no-untyped-call]
    Draft202012Validator,
    {
        keyword: _skip_expressions(check)
        for keyword, check in Draft202012Validator.VALIDATORS.items()
    },
)


class SchemaChecker:
    """jsonschema's errors for an instance, asked for only when the compiled check fails.

    Nearly every document is valid, and the compiled check is some 60 times faster; jsonschema
    stays the authority on what is wrong. A schema the compiler cannot reproduce exactly is
    always checked by jsonschema alone."""

    def __init__(self, schema: Mapping[str, Any], *, skip_expressions: bool = False) -> None:
        validator_class = InputsValidator if skip_expressions else Draft202012Validator
        self._full: Validator = validator_class(dict(schema))
        try:
            self._fast: Check | None = compile_schema(schema, skip_expressions=skip_expressions)
        except UnsupportedSchema:
            self._fast = None

    def errors(self, instance: Json) -> Iterator[ValidationError]:
        if self._fast is not None and self._fast(instance):
            return iter(())
        return self._full.iter_errors(instance)


@cache
def _playbook_checker() -> SchemaChecker:
    schema = playbook_schema()
    Draft202012Validator.check_schema(schema)
    return SchemaChecker(schema)


def schema_problems(document: Json) -> Iterator[Problem]:
    for error in _playbook_checker().errors(document):
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
