"""The validator's expression pass: bad_expression, unknown_reference and unknown_field."""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache

from soarflow.expressions.environment import ExpressionSyntaxError, parse
from soarflow.expressions.fields import NodeScope, Unresolved
from soarflow.expressions.references import Reference, references
from soarflow.playbook.checks import ValidationContext
from soarflow.playbook.document import (
    MAX_EXPRESSION_LENGTH,
    UNMAPPED_PREFIX,
    Code,
    JsonPath,
    Problem,
    is_expression_text,
    iter_strings,
    json_path,
)
from soarflow.playbook.graph import NodeRef

# The node settings that hold expressions; names, titles and ids are plain text.
EXPRESSION_FIELDS = ("inputs", "items", "on", "condition")


def check_expressions(ctx: ValidationContext) -> Iterator[Problem]:
    graph = ctx.graph
    for node in graph.node_list:
        if graph.by_id[node.id] is not node:
            continue
        scopes: dict[tuple[bool, bool], NodeScope] = {}
        spec = (
            ctx.catalog.get_action(str(node.data.get("action"))) if node.kind == "action" else None
        )
        item_inputs = spec.item_inputs if spec else frozenset()
        for field in EXPRESSION_FIELDS:
            if field not in node.data:
                continue
            for parts, text in iter_strings(node.data[field], ("nodes", node.index, field)):
                if not is_expression_text(text) or len(text) > MAX_EXPRESSION_LENGTH:
                    continue
                if text.startswith(UNMAPPED_PREFIX):
                    yield Problem(
                        Code.BAD_EXPRESSION,
                        "not carried over from the imported workflow: write it as a soarflow "
                        "expression (the import report says why)",
                        node.id,
                        json_path(parts),
                        {"expression": text[:200]},
                    )
                    continue
                analysed = _analyse(text)
                if isinstance(analysed, ExpressionSyntaxError):
                    yield Problem(
                        Code.BAD_EXPRESSION,
                        analysed.reason,
                        node.id,
                        json_path(parts),
                        {"expression": text[:200]},
                    )
                    continue
                after_body = node.kind == "until" and field == "condition"
                per_item = field == "inputs" and len(parts) > 3 and parts[3] in item_inputs
                key = (after_body, per_item)
                if key not in scopes:
                    scopes[key] = NodeScope(
                        graph, ctx.catalog, node, sees_own_body=after_body, per_item=per_item
                    )
                yield from _reference_problems(scopes[key], node, parts, analysed)


@lru_cache(maxsize=4096)
def _analyse(text: str) -> tuple[Reference, ...] | ExpressionSyntaxError:
    """The references of a text, or why it is not an expression; playbooks repeat their texts."""
    try:
        return tuple(references(parse(text)))
    except ExpressionSyntaxError as error:
        return error


def _reference_problems(
    scope: NodeScope, node: NodeRef, parts: JsonPath, found: tuple[Reference, ...]
) -> Iterator[Problem]:
    for reference in found:
        resolved = scope.resolve(reference)
        if isinstance(resolved, Unresolved):
            shown = ".".join(str(part) for part in reference)
            yield Problem(
                resolved.code, resolved.message, node.id, json_path(parts), {"reference": shown}
            )
