"""Evaluating the expressions inside a JSON value against a run's scope."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from jinja2 import Template, nodes

from soarflow.expressions.environment import (
    ENV,
    ExpressionError,
    ExpressionSyntaxError,
    checked_tree,
)
from soarflow.expressions.functions import GLOBALS, EvaluationBudget, check_size, to_json_value
from soarflow.expressions.references import single_expression
from soarflow.playbook.document import Json, JsonPath, is_expression_text, json_path


class TypedExpression:
    """A text that is exactly one `{{ }}` expression: its value keeps its JSON type."""

    __slots__ = ("_template",)

    def __init__(self, template: Template) -> None:
        self._template = template  # assigns the expression's value to `result`

    def __call__(self, scope: Mapping[str, Any]) -> Json:
        # TemplateExpression.__call__, minus its copy of the globals: a shared context reads the
        # one dict given, so the globals go in it (last, so that no scope key can shadow them).
        context = self._template.new_context({**scope, **GLOBALS}, shared=True)
        for _ in self._template.root_render_func(context):
            pass
        return to_json_value(context.vars["result"])


class TextTemplate:
    """Text mixed with expressions: renders to a string of at most functions.MAX_VALUE_SIZE."""

    __slots__ = ("_template",)

    def __init__(self, template: Template) -> None:
        self._template = template

    def __call__(self, scope: Mapping[str, Any]) -> str:
        pieces: list[str] = []
        size = 0
        # Piece by piece, so "{{ trigger.big }}" repeated stops at the cap instead of first
        # building the whole text.
        for piece in self._template.generate(scope):
            size += len(piece)
            check_size(size, "the text")
            pieces.append(piece)
        return "".join(pieces)


@functools.lru_cache(maxsize=1024)
def compile_text(text: str) -> TypedExpression | TextTemplate | str:
    """The compiled form of an expression text, or why it is refused; cached by text."""
    tree = checked_tree(text)
    if isinstance(tree, str):
        return tree
    try:
        if single_expression(tree) is None:
            return TextTemplate(ENV.from_string(text))
        return TypedExpression(_compile_single(text))
    except Exception as error:  # e.g. generated code too deeply nested for Python to compile
        return f"does not compile: {type(error).__name__}: {error}"


def _compile_single(text: str) -> Template:
    """What env.compile_expression does for the expression between the braces, taken from a
    fresh tree: compiling annotates nodes, and checked_tree's trees are shared."""
    expression = single_expression(ENV.parse(text))
    assert expression is not None  # checked_tree saw the same text
    body = [nodes.Assign(nodes.Name("result", "store"), expression, lineno=1)]
    return ENV.from_string(nodes.Template(body, lineno=1))


def evaluate(value: Any, scope: Mapping[str, Any], *, path: str = "$") -> Any:
    """value with every expression text in it evaluated against scope.

    Walks dicts and lists (keys are never evaluated); other values pass through. Raises
    ExpressionSyntaxError or ExpressionError naming the expression and the field's path."""
    if isinstance(value, str):
        return _evaluate_text(value, scope, path)
    if not isinstance(value, dict | list):
        return value
    root: list[Any] = [None]
    # Iterative, like playbook.document.iter_strings: a deeply nested input cannot recurse.
    # Children go on the stack last first, so fields are evaluated (and fail) in document order.
    stack: list[tuple[Any, Any, Any, JsonPath]] = [(value, root, 0, ())]
    while stack:
        item, parent, key, parts = stack.pop()
        if isinstance(item, dict):
            copy: Any = dict.fromkeys(item)
            children = [(child, copy, name, (*parts, name)) for name, child in item.items()]
            stack.extend(reversed(children))
        elif isinstance(item, list):
            copy = [None] * len(item)
            stack.extend((item[i], copy, i, (*parts, i)) for i in reversed(range(len(item))))
        elif is_expression_text(item):
            copy = _evaluate_text(item, scope, path + json_path(parts)[1:])
        else:
            copy = item
        parent[key] = copy
    return root[0]


def _evaluate_text(text: str, scope: Mapping[str, Any], path: str) -> Any:
    if not is_expression_text(text):
        return text
    compiled = compile_text(text)
    if isinstance(compiled, str):
        raise ExpressionSyntaxError(compiled, expression=text, path=path)
    try:
        with EvaluationBudget():
            return compiled(scope)
    except Exception as error:  # whatever the expression did, the step fails, not the worker
        raise ExpressionError(_reason(error), expression=text, path=path) from error


def _reason(error: Exception) -> str:
    return str(error) or type(error).__name__
