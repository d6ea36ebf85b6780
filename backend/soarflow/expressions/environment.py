"""The one sandbox expressions run in, and parse(), which decides what may run in it.

Safety is by construction: parse() admits only `{{ }}` expressions over the scope names and the
whitelisted functions; at run time every lookup reaches JSON data only, every operator that can
grow a value is capped, and nothing an analyst writes is evaluated at compile time.
"""

from __future__ import annotations

import functools
import operator
import sys
from collections.abc import Callable, Mapping
from typing import Any

from jinja2 import StrictUndefined, nodes, pass_context
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError, TemplateSyntaxError
from jinja2.runtime import Context, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from soarflow.expressions.functions import (
    FILTERS,
    GLOBALS,
    MAX_INT_BITS,
    MAX_VALUE_SIZE,
    TESTS,
    LimitError,
    check_size,
    json_size,
    spend,
    to_text,
)
from soarflow.playbook.document import MAX_EXPRESSION_LENGTH

SCOPE_NAMES: frozenset[str] = frozenset(
    {"trigger", "steps", "item", "index", "items", "vars", "run", "playbook"}
)
MAX_NESTING = 64
SHOWN_EXPRESSION_LENGTH = 200
PRIVATE_NAME_RULE = "names may not start with _"


class ExpressionError(Exception):
    """Evaluating an expression failed; the step fails with this code and message."""

    code: str = "expression_error"

    def __init__(self, message: str, *, expression: str, path: str) -> None:
        self.reason = message
        self.expression = expression
        self.path = path
        self.message = f"{message} (in {_shown(expression)} at {path})"
        super().__init__(self.message)


class ExpressionSyntaxError(ExpressionError):
    """The text does not parse, uses a statement, or names something outside the language."""

    code = "bad_expression"


def _shown(expression: str) -> str:
    if len(expression) > SHOWN_EXPRESSION_LENGTH:
        expression = expression[: SHOWN_EXPRESSION_LENGTH - 3] + "..."
    return repr(expression)


# ---------------------------------------------------------------------------------------------
# Operators


def _add(left: Any, right: Any) -> Any:
    if isinstance(left, str) and isinstance(right, str):
        check_size(len(left) + len(right))
    elif isinstance(left, list | tuple) and isinstance(right, list | tuple):
        check_size(json_size(left) + json_size(right))
    return left + right


def _multiply(left: Any, right: Any) -> Any:
    if isinstance(left, int) and isinstance(right, int):
        if left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise LimitError(f"the product would have more than {MAX_INT_BITS:,} bits")
    elif isinstance(right, int) and isinstance(left, str | list | tuple):
        _check_repetition(left, right)
    elif isinstance(left, int) and isinstance(right, str | list | tuple):
        _check_repetition(right, left)
    return left * right


def _check_repetition(sequence: str | list[Any] | tuple[Any, ...], times: int) -> None:
    if times <= 0:
        return
    if isinstance(sequence, str):
        check_size(len(sequence) * times)
        return
    share = MAX_VALUE_SIZE // times  # measure no further than one copy may take
    try:
        size = json_size(sequence, share)
    except LimitError:
        size = share + 1
    check_size(size * times)


def _power(base: Any, exponent: Any) -> Any:
    growing = isinstance(base, int) and isinstance(exponent, int) and abs(base) > 1
    if growing and exponent * base.bit_length() > MAX_INT_BITS:
        raise LimitError(f"the power would have more than {MAX_INT_BITS:,} bits")
    result = base**exponent  # floats raise OverflowError themselves
    if isinstance(result, complex):
        raise ValueError("a negative number has no real fractional power")
    return result


def _modulo(left: Any, right: Any) -> Any:
    if isinstance(left, str):
        # 'text' % value is printf-style formatting: '%0999999999d' % 1 is a gigabyte.
        raise TypeError("% is the remainder of numbers; text is not formatted with it")
    return left % right


BINARY_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "+": _add,
    "-": operator.sub,
    "*": _multiply,
    "/": operator.truediv,
    "//": operator.floordiv,
    "%": _modulo,
    "**": _power,
}


# ---------------------------------------------------------------------------------------------
# The environment


class _CappedCodeGenerator(CodeGenerator):
    """Routes `~` and slices through the environment, where they are capped and accounted."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:  # noqa: N802
        # Jinja writes str_join((...)): str() of any value, uncapped.
        self.write("environment.join_text((")
        for part in node.nodes:
            self.visit(part, frame)
            self.write(", ")
        self.write("))")

    def visit_Getitem(self, node: nodes.Getitem, frame: Frame) -> None:  # noqa: N802
        # Jinja subscripts slices directly, bypassing environment.getitem.
        self.write("environment.getitem(")
        self.visit(node.node, frame)
        self.write(", ")
        if isinstance(node.arg, nodes.Slice):
            self.write("slice(")
            for bound in (node.arg.start, node.arg.stop, node.arg.step):
                if bound is None:
                    self.write("None")
                else:
                    self.visit(bound, frame)
                self.write(", ")
            self.write(")")
        else:
            self.visit(node.arg, frame)
        self.write(")")


@pass_context
def _render_value(context: Context, value: Any) -> str:
    """How a value reads inside mixed text: text as is, anything else as JSON."""
    text = to_text(value)
    spend(sys.getsizeof(text))
    return text


class ExpressionEnvironment(ImmutableSandboxedEnvironment):
    """ImmutableSandboxedEnvironment reduced to JSON data, whitelisted functions and caps."""

    code_generator_class = _CappedCodeGenerator
    intercepted_binops = frozenset(BINARY_OPERATORS)

    def __init__(self) -> None:
        # optimized=False: Jinja's optimizer folds constant expressions at compile time, outside
        # any budget; the pass_context finalize keeps output constants from being folded too.
        super().__init__(
            undefined=StrictUndefined,
            autoescape=False,
            finalize=_render_value,
            optimized=False,
            keep_trailing_newline=True,
        )
        self.filters = dict(FILTERS)
        self.tests = dict(TESTS)
        self.globals = dict(GLOBALS)

    def getitem(self, obj: Any, argument: Any) -> Any:
        """`obj.name` and `obj[key]`: an object's key, a list's or text's index or slice, and
        nothing else; above all no Python attribute of any object. A lookup allocates nothing
        and takes constant time, so only slices are charged to the budget."""
        if isinstance(argument, str) and argument.startswith("_"):
            raise SecurityError(f"the name {argument!r} is refused: {PRIVATE_NAME_RULE}")
        if type(obj) is dict or isinstance(obj, Mapping):
            try:
                return obj[argument]
            except (KeyError, TypeError):
                pass
        elif isinstance(obj, list | tuple | str) and isinstance(argument, int | slice):
            try:
                value = obj[argument]
            except IndexError:
                pass
            else:
                if isinstance(argument, slice):
                    spend(sys.getsizeof(value))
                return value
        if isinstance(obj, Undefined):
            obj._fail_with_undefined_error()
        return self.undefined(obj=obj, name=argument)

    def getattr(self, obj: Any, attribute: str) -> Any:
        # `obj.name` is `obj['name']`: there are no attributes, only keys.
        return self.getitem(obj, attribute)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        result = BINARY_OPERATORS[operator](left, right)
        spend(sys.getsizeof(result))
        return result

    def join_text(self, parts: tuple[Any, ...]) -> str:
        """`a ~ b ~ c`: each part as text (JSON for non-text), at most MAX_VALUE_SIZE in all."""
        texts: list[str] = []
        size = 0
        for part in parts:
            text = to_text(part)
            size += len(text)
            check_size(size, "the joined text")
            texts.append(text)
        result = "".join(texts)
        spend(sys.getsizeof(result))
        return result


ENV = ExpressionEnvironment()
# Connector manifests build requests from an action's inputs, its connection's fields and the
# response; playbooks never have these in scope (the validator says so, and a run's scope
# lacks them), so secrets cannot reach a playbook through them.
MANIFEST_NAMES: frozenset[str] = frozenset({"inputs", "connection", "response"})
ALLOWED_NAMES = SCOPE_NAMES | MANIFEST_NAMES | frozenset(GLOBALS)

# ---------------------------------------------------------------------------------------------
# parse()

# Lexer tokens of anything but `{{ }}`: statements, comments, raw blocks, line statements.
_REFUSED_TOKENS = frozenset(
    {"block_begin", "comment_begin", "raw_begin", "linestatement_begin", "linecomment_begin"}
)
_OPENING = frozenset("([{")
_CLOSING = frozenset(")]}")
_ALLOWED_NODES = (
    *(nodes.Output, nodes.TemplateData, nodes.Const, nodes.Name, nodes.Getattr, nodes.Getitem),
    *(nodes.Slice, nodes.Filter, nodes.Test, nodes.Call, nodes.Keyword, nodes.CondExpr),
    *(nodes.BinExpr, nodes.UnaryExpr, nodes.Concat, nodes.Compare, nodes.Operand),
    *(nodes.List, nodes.Tuple, nodes.Dict, nodes.Pair),
)


def parse(text: str) -> nodes.Template:
    """The syntax tree of a text holding `{{ }}` expressions, once it is known to be admissible.

    Raises ExpressionSyntaxError (path "$") when it is not. Trees are cached by text and shared:
    never modify one."""
    tree = checked_tree(text)
    if isinstance(tree, str):
        raise ExpressionSyntaxError(tree, expression=text, path="$")
    return tree


@functools.lru_cache(maxsize=1024)
def checked_tree(text: str) -> nodes.Template | str:
    """parse() without raising: the tree, or why the text is refused (failures are cached too,
    so a bad expression inside a long loop is parsed once)."""
    if len(text) > MAX_EXPRESSION_LENGTH:
        return f"the text is {len(text):,} characters long; the limit is {MAX_EXPRESSION_LENGTH:,}"
    try:
        problem = _token_problem(text)
        if problem is not None:
            return problem
        tree = ENV.parse(text)
    except TemplateSyntaxError as error:
        return f"does not parse: {error.message}"
    except Exception as error:  # any failure on untrusted text is a refusal
        return f"does not parse: {type(error).__name__}: {error}"
    return _tree_problem(tree) or tree


def _token_problem(text: str) -> str | None:
    """Refuses what the tree no longer shows (comments, raw blocks) and brackets nested so deep
    that Jinja's recursive parser would exhaust the stack."""
    depth = 0
    for _, kind, value in ENV.lex(text):
        if kind in _REFUSED_TOKENS:
            return "only {{ }} expressions are allowed, not {% %} statements or {# #} comments"
        if kind == "operator" and value in _OPENING:
            depth += 1
            if depth > MAX_NESTING:
                return f"brackets are nested deeper than {MAX_NESTING} levels"
        elif kind == "operator" and value in _CLOSING:
            depth -= 1
    return None


def _tree_problem(tree: nodes.Template) -> str | None:
    # Output nodes at -1: nesting counts from the expression itself, like the bracket check.
    stack: list[tuple[nodes.Node, int]] = [(node, -1) for node in tree.body]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_NESTING:
            return f"the expression is nested deeper than {MAX_NESTING} levels"
        problem = _node_problem(node)
        if problem is not None:
            return problem
        stack.extend((child, depth + 1) for child in node.iter_child_nodes())
    return None


def _constant_key(node: nodes.Node) -> str | None:
    if isinstance(node, nodes.Getattr):
        return node.attr
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        return node.arg.value if isinstance(node.arg.value, str) else None
    return None


def _node_problem(node: nodes.Node) -> str | None:
    if not isinstance(node, _ALLOWED_NODES):
        return "only {{ }} expressions are allowed, not {% %} statements"
    if isinstance(node, nodes.Name) and node.name not in ALLOWED_NAMES:
        known = ", ".join(sorted(ALLOWED_NAMES))
        return f"unknown name {node.name!r}: the names in scope are {known}"
    key = _constant_key(node)
    if key is not None and key.startswith("_"):
        return f"the name {key!r} is refused: {PRIVATE_NAME_RULE}"
    if isinstance(node, nodes.Filter) and node.name not in FILTERS:
        return f"unknown function {node.name!r}"
    if isinstance(node, nodes.Test) and node.name not in TESTS:
        return f"unknown test {node.name!r}"
    if isinstance(node, nodes.Call) and not (
        isinstance(node.node, nodes.Name) and node.node.name in GLOBALS
    ):
        return f"only functions can be called: {', '.join(sorted(GLOBALS))}"
    return None
