"""The rule builder's conditions (condition nodes, until exits, filter array): and/or groups of
`{left, op, right}` rules whose operands are values or expressions. Never code."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from soarflow.expressions import evaluate
from soarflow.expressions.functions import ip_in_cidr, regex_match, to_text


class ConditionError(Exception):
    """An operator met operands it cannot compare; the step fails with code condition_error."""


def holds(condition: Mapping[str, Any], scope: Mapping[str, Any], path: str) -> bool:
    """Whether the group holds in scope; expressions fail with ExpressionError naming `path`."""
    key = "all" if "all" in condition else "any"
    combine = all if key == "all" else any
    return combine(
        _item_holds(item, scope, f"{path}.{key}[{index}]")
        for index, item in enumerate(condition[key])
    )


def _item_holds(item: Mapping[str, Any], scope: Mapping[str, Any], path: str) -> bool:
    if "op" not in item:
        return holds(item, scope, path)
    left = evaluate(item.get("left"), scope, path=f"{path}.left")
    right = evaluate(item.get("right"), scope, path=f"{path}.right")
    if item.get("ignore_case"):
        left, right = _folded(left), _folded(right)
    try:
        return OPERATORS[item["op"]](left, right)
    except Exception as error:  # bad operands or a runaway pattern fail the step, not the run
        raise ConditionError(f"{path}: {item['op']} cannot compare these values: {error}") from None


def _folded(value: Any) -> Any:
    if isinstance(value, str):
        return value.casefold()
    if isinstance(value, list):
        return [_folded(item) for item in value]
    return value


def _equal(left: Any, right: Any) -> bool:
    # JSON equality: true is not 1, but 1 is 1.0.
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    return bool(left == right)


def _contains(container: Any, value: Any) -> bool:
    if isinstance(container, str):
        return to_text(value) in container
    if isinstance(container, list):
        return any(_equal(item, value) for item in container)
    if isinstance(container, Mapping):
        return value in container
    raise TypeError(f"{type(container).__name__} cannot contain anything")


def _ordered(compare: Callable[[Any, Any], bool]) -> Callable[[Any, Any], bool]:
    def check(left: Any, right: Any) -> bool:
        numbers = (int, float)
        if isinstance(left, bool) or isinstance(right, bool):
            raise TypeError("true and false have no order")
        if isinstance(left, numbers) and isinstance(right, numbers):
            return compare(left, right)
        if isinstance(left, str) and isinstance(right, str):
            return compare(left, right)
        raise TypeError(f"cannot order {type(left).__name__} and {type(right).__name__}")

    return check


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | Mapping) and len(value) == 0)


def _text_op(test: Callable[[str, str], bool]) -> Callable[[Any, Any], bool]:
    return lambda left, right: test(to_text(left), to_text(right))


OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": _equal,
    "ne": lambda left, right: not _equal(left, right),
    "gt": _ordered(lambda a, b: a > b),
    "ge": _ordered(lambda a, b: a >= b),
    "lt": _ordered(lambda a, b: a < b),
    "le": _ordered(lambda a, b: a <= b),
    "contains": _contains,
    "not_contains": lambda left, right: not _contains(left, right),
    "starts_with": _text_op(str.startswith),
    "ends_with": _text_op(str.endswith),
    "matches": lambda left, right: regex_match(left, right),
    "in": lambda left, right: _contains(right, left),
    "not_in": lambda left, right: not _contains(right, left),
    "in_cidr": lambda left, right: ip_in_cidr(left, right),
    "is_empty": lambda left, _right: _empty(left),
    "is_not_empty": lambda left, _right: not _empty(left),
    "is_true": lambda left, _right: left is True,
    "is_false": lambda left, _right: left is False,
}
