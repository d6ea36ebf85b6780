"""JSON Schema (2020-12) compiled into plain closures that only answer "valid or not".

jsonschema takes about 300 ms to validate a 500-node playbook, far over the validator's 10 ms
budget, yet it stays the authority on what is wrong and how to say so. This module is the fast
path in front of it: a schema is compiled once into nested closures, and when they say "valid"
the jsonschema pass is skipped; when they say "invalid" the caller runs jsonschema for the
messages. That is sound only if the answer is exactly
``Draft202012Validator(schema).is_valid(instance)`` (formats not asserted), so the code mirrors
jsonschema's own keyword functions, quirks included, and anything it cannot reproduce exactly
raises UnsupportedSchema so that the caller keeps using jsonschema for that schema.

Instances are JSON data as ``json.loads`` builds it: dict, list, str, int, float, bool, None.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from itertools import pairwise
from numbers import Number
from typing import Any
from urllib.parse import unquote

from soarflow.playbook.document import is_expression_text

Check = Callable[[Any], bool]


class UnsupportedSchema(Exception):
    """The schema needs something this module does not reproduce exactly: use jsonschema."""


_DIALECTS = frozenset(
    {
        "https://json-schema.org/draft/2020-12/schema",
        "https://json-schema.org/draft/2020-12/schema#",
    }
)
# jsonschema asserts none of these (format only when given a format checker).
_ANNOTATIONS = frozenset(
    {
        "$schema",
        "$id",
        "$comment",
        "$defs",
        "definitions",
        "title",
        "description",
        "default",
        "examples",
        "deprecated",
        "readOnly",
        "writeOnly",
        "format",
        "contentMediaType",
        "contentEncoding",
    }
)
_IMPLEMENTED = frozenset(
    {
        "$ref",
        "type",
        "const",
        "enum",
        "required",
        "properties",
        "patternProperties",
        "additionalProperties",
        "propertyNames",
        "minProperties",
        "maxProperties",
        "dependentRequired",
        "dependentSchemas",
        "items",
        "prefixItems",
        "contains",
        "minContains",
        "maxContains",
        "minItems",
        "maxItems",
        "uniqueItems",
        "pattern",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "allOf",
        "anyOf",
        "oneOf",
        "not",
        "if",
        "then",
        "else",
    }
)
_KNOWN = _ANNOTATIONS | _IMPLEMENTED


def compile_schema(
    schema: Mapping[str, Any] | bool, *, skip_expressions: bool = False
) -> Callable[[Any], bool]:
    """A function telling whether an instance is valid under `schema`, as jsonschema would.

    With `skip_expressions`, a string holding "{{" passes every non-boolean (sub)schema, as
    with soarflow.playbook.schema.InputsValidator. Raises UnsupportedSchema when the schema
    uses anything not reproduced exactly.
    """
    if isinstance(schema, Mapping):
        _refuse_foreign_root(schema)
    return _Compiler(schema, skip_expressions).target(schema)


def _refuse_foreign_root(schema: Mapping[str, Any]) -> None:
    if "$schema" in schema:
        dialect = schema["$schema"]
        if not isinstance(dialect, str) or dialect not in _DIALECTS:
            raise UnsupportedSchema(f"only draft 2020-12 is compiled, not {dialect!r}")
    base = schema.get("$id", "")
    if not isinstance(base, str) or base.partition("#")[2]:
        raise UnsupportedSchema(f"$id {base!r} is not a plain URI")


class _Compiler:
    def __init__(self, root: Any, skip_expressions: bool) -> None:
        self._root = root
        self._skip_expressions = skip_expressions
        # One cell per $ref target: empty while the target compiles, so a reference back
        # into it (a recursive schema) forwards to the cell instead of compiling forever.
        self._targets: dict[int, list[Check]] = {}

    def target(self, schema: Any) -> Check:
        cell = self._targets.get(id(schema))
        if cell is None:
            cell = self._targets[id(schema)] = []
            cell.append(self.schema(schema))
        return cell[0] if cell else _forward(cell)

    def schema(self, schema: Any) -> Check:
        if schema is True:
            return _accept
        if schema is False:
            return _reject
        if not isinstance(schema, Mapping):
            raise UnsupportedSchema(f"not a schema: {schema!r}")
        if schema is not self._root and ("$id" in schema or "$schema" in schema):
            # jsonschema switches base URI or validator class there.
            raise UnsupportedSchema("$id and $schema are supported on the root schema only")
        check = self._keywords(schema)
        if self._skip_expressions and check is not _accept:
            return _passing_expressions(check)
        return check

    def _keywords(self, schema: Mapping[str, Any]) -> Check:
        unknown = schema.keys() - _KNOWN
        if unknown:
            raise UnsupportedSchema(f"unsupported keywords: {', '.join(sorted(unknown))}")
        checks = self._typed_checks(schema, _type_names(schema))
        if "const" in schema:
            checks.append(_equal_to(schema["const"]))
        if "enum" in schema:
            checks.append(_among(_sequence(schema, "enum")))
        checks.extend(self._applicators(schema))
        return _all(checks)

    def _typed_checks(
        self, schema: Mapping[str, Any], types: tuple[str, ...] | None
    ) -> list[Check]:
        """The type check, then each kind's keywords, guarded by the kind only where needed."""
        groups = {
            "object": self._object_checks(schema),
            "array": self._array_checks(schema),
            "string": _string_checks(schema),
            "number": _number_checks(schema),
        }
        if types is None:
            return [_GUARDS[kind](_all(checks)) for kind, checks in groups.items() if checks]
        kinds = {_KIND_OF_TYPE[name] for name in types}
        # A kind the type rules out never reaches its keywords.
        allowed = [(kind, _all(group)) for kind, group in groups.items() if group and kind in kinds]
        if len(types) == 1 and types[0] in _CLASS_OF_TYPE and allowed:
            return [_instance_of(_CLASS_OF_TYPE[types[0]], allowed[0][1])]
        checks = [_type_check(types)]
        for kind, group_check in allowed:
            # The only kind the type allows needs no guard.
            checks.append(group_check if kinds == {kind} else _GUARDS[kind](group_check))
        return checks

    def _object_checks(self, schema: Mapping[str, Any]) -> list[Check]:
        checks: list[Check] = []
        if "required" in schema:
            checks.append(_has_keys(frozenset(_strings(schema, "required"))))
        size = _size_within(_number(schema, "minProperties"), _number(schema, "maxProperties"))
        if size is not None:
            checks.append(size)
        if "dependentRequired" in schema:
            checks.append(_dependent_required(schema["dependentRequired"]))
        members = self._members(schema)
        if members is not None:
            checks.append(members)
        if "propertyNames" in schema:
            names = self.schema(schema["propertyNames"])
            if names is not _accept:
                checks.append(_all_keys(names))
        if "dependentSchemas" in schema:
            dependents = {
                name: self.schema(sub) for name, sub in _mapping(schema, "dependentSchemas").items()
            }
            checks.append(_dependent_schemas(dependents))
        return checks

    def _members(self, schema: Mapping[str, Any]) -> Check | None:
        """properties, patternProperties and additionalProperties, in one pass over the keys."""
        declared = {name: self.schema(sub) for name, sub in _mapping(schema, "properties").items()}
        patterns = _mapping(schema, "patternProperties")
        extra = self.schema(schema.get("additionalProperties", True))
        if patterns:
            matched = tuple((_regex(p), self.schema(sub)) for p, sub in patterns.items())
            joined = None
            if "additionalProperties" in schema:
                # jsonschema decides "additional" with the patterns joined by "|", which is
                # not always the same as trying each one (group numbers shift), and it runs
                # that regex even under additionalProperties: true.
                joined = _regex("|".join(patterns))
            return _members_with_patterns(declared, matched, joined, extra)
        if extra is not _accept:
            return _declared_or_extra(declared, extra)
        return _declared_members(declared)

    def _array_checks(self, schema: Mapping[str, Any]) -> list[Check]:
        checks: list[Check] = []
        size = _size_within(_number(schema, "minItems"), _number(schema, "maxItems"))
        if size is not None:
            checks.append(size)
        prefix = tuple(self.schema(sub) for sub in _sequence(schema, "prefixItems"))
        rest = self.schema(schema.get("items", True))
        if prefix or rest is not _accept:
            checks.append(_items(prefix, rest))
        if "contains" in schema:
            checks.append(
                _contains(
                    self.schema(schema["contains"]),
                    _number(schema, "minContains"),
                    _number(schema, "maxContains"),
                )
            )
        unique = schema.get("uniqueItems", False)
        if not isinstance(unique, bool):
            raise UnsupportedSchema(f"uniqueItems must be a boolean, not {unique!r}")
        if unique:
            checks.append(_unique_items)
        return checks

    def _applicators(self, schema: Mapping[str, Any]) -> list[Check]:
        # allOf joins the schema's own list: same instance, all must hold.
        checks = self._all_of(_sequence(schema, "allOf"))
        if "$ref" in schema:
            checks.insert(0, self._reference(schema["$ref"]))
        if "anyOf" in schema:
            checks.append(_any_holds(self._schemas(schema, "anyOf")))
        if "oneOf" in schema:
            checks.append(_exactly_one_holds(self._schemas(schema, "oneOf")))
        if "not" in schema:
            checks.append(_negated(self.schema(schema["not"])))
        if "if" in schema:
            conditional = self._conditional(schema)
            if conditional is not None:
                checks.append(conditional)
        return checks

    def _all_of(self, subschemas: Sequence[Any]) -> list[Check]:
        """allOf members; those that are "if property K is C then ..." become one lookup on K."""
        checks: list[Check] = []
        switches: dict[str, list[Mapping[str, Any]]] = {}
        for sub in subschemas:
            key = _switch_key(sub)
            if key is None:
                checks.append(self.schema(sub))
            else:
                switches.setdefault(key, []).append(sub)
        checks.extend(self._switch(key, cases) for key, cases in switches.items())
        return checks

    def _switch(self, key: str, cases: list[Mapping[str, Any]]) -> Check:
        """The if/then/else members on one key, with each constant's outcome worked out now.

        Each `if` holds when the instance is not an object (properties and required ignore
        it), fails when the key is missing, and otherwise holds when the value equals its
        constant: for a string constant, only a string can; with skip_expressions, any
        expression does.
        """
        constants = [case["if"]["properties"][key]["const"] for case in cases]
        thens = [self.schema(case.get("then", True)) for case in cases]
        elses = [self.schema(case.get("else", True)) for case in cases]
        by_value = {
            value: _all(
                [
                    then if constant == value else otherwise
                    for constant, then, otherwise in zip(constants, thens, elses, strict=True)
                ]
            )
            for value in constants
        }
        switch = _switch_on(
            key, by_value, _all(thens), _all(elses), skip_expressions=self._skip_expressions
        )
        # Each member is a schema of its own, so an expression passes it whole.
        return _passing_expressions(switch) if self._skip_expressions else switch

    def _schemas(self, schema: Mapping[str, Any], keyword: str) -> tuple[Check, ...]:
        return tuple(self.schema(sub) for sub in _sequence(schema, keyword))

    def _conditional(self, schema: Mapping[str, Any]) -> Check | None:
        # Compiled even when nothing hangs on it, so that what jsonschema would still run
        # gets refused here if it cannot be reproduced.
        condition = self.schema(schema["if"])
        then = self.schema(schema.get("then", True))
        otherwise = self.schema(schema.get("else", True))
        if then is _accept and otherwise is _accept:
            return None
        return _if_then_else(condition, then, otherwise)

    def _reference(self, ref: Any) -> Check:
        if not isinstance(ref, str) or not ref.startswith("#"):
            raise UnsupportedSchema(f"only local references are supported, not {ref!r}")
        fragment = ref[1:]
        if fragment and not fragment.startswith("/"):
            raise UnsupportedSchema(f"anchors are not supported: {ref!r}")
        target = self._pointed_at(fragment)
        if self._skip_expressions and isinstance(target, Mapping) and "$schema" in target:
            # jsonschema switches to the plain validator class there, dropping the skip.
            raise UnsupportedSchema("a reference to a schema with $schema cannot skip expressions")
        return self.target(target)

    def _pointed_at(self, pointer: str) -> Any:
        """What referencing.Resource.pointer finds: unquoted first, ~1 and ~0 per segment."""
        here = self._root
        if not pointer:
            return here
        for segment in unquote(pointer[1:]).split("/"):
            try:
                if isinstance(here, Sequence):
                    here = here[int(segment)]
                else:
                    here = here[segment.replace("~1", "/").replace("~0", "~")]
            except (LookupError, TypeError, ValueError) as error:
                raise UnsupportedSchema(f"reference #{pointer} points nowhere") from error
            if isinstance(here, Mapping) and "$id" in here:
                raise UnsupportedSchema(f"reference #{pointer} crosses an embedded $id")
        return here


def _accept(instance: Any) -> bool:
    return True


def _reject(instance: Any) -> bool:
    return False


def _forward(cell: list[Check]) -> Check:
    def forward(instance: Any) -> bool:
        return cell[0](instance)

    return forward


def _passing_expressions(check: Check) -> Check:
    def passing_expressions(instance: Any) -> bool:
        return is_expression_text(instance) or check(instance)

    return passing_expressions


def _all(checks: Sequence[Check]) -> Check:
    checks = tuple(check for check in checks if check is not _accept)
    if not checks:
        return _accept
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks

        def both(instance: Any) -> bool:
            return first(instance) and second(instance)

        return both

    def every(instance: Any) -> bool:
        for check in checks:  # noqa: SIM110 -- all() over a generator is slower per call
            if not check(instance):
                return False
        return True

    return every


def _switch_key(schema: Any) -> str | None:
    """K when `schema` is, to the letter, "if property K is the string C then/else ...".

    That is: {"if": {"properties": {K: {"const": C}}, "required": [K]}, "then": ...}, with
    "then" and "else" each optional.
    """
    if not isinstance(schema, Mapping) or "if" not in schema:
        return None
    if not schema.keys() <= {"if", "then", "else"}:
        return None
    condition = schema["if"]
    if not isinstance(condition, Mapping) or condition.keys() != {"properties", "required"}:
        return None
    properties, required = condition["properties"], condition["required"]
    if not isinstance(properties, Mapping) or len(properties) != 1:
        return None
    [(key, value)] = properties.items()
    if required != [key] or not isinstance(value, Mapping) or value.keys() != {"const"}:
        return None
    return key if isinstance(value["const"], str) else None


def _switch_on(
    key: str,
    by_value: dict[str, Check],
    every_then: Check,
    every_else: Check,
    *,
    skip_expressions: bool,
) -> Check:
    def switch_on(instance: Any) -> bool:
        if not isinstance(instance, dict):
            return every_then(instance)
        if key not in instance:
            return every_else(instance)
        value = instance[key]
        if not isinstance(value, str):
            return every_else(instance)
        if skip_expressions and is_expression_text(value):
            return every_then(instance)
        return by_value.get(value, every_else)(instance)

    return switch_on


def _instance_of(cls: type, check: Check) -> Check:
    def instance_of(instance: Any) -> bool:
        return isinstance(instance, cls) and check(instance)

    return instance_of


def _any_holds(checks: tuple[Check, ...]) -> Check:
    def any_holds(instance: Any) -> bool:
        for check in checks:  # noqa: SIM110 -- any() over a generator is slower per call
            if check(instance):
                return True
        return False

    return any_holds


def _exactly_one_holds(checks: tuple[Check, ...]) -> Check:
    def exactly_one_holds(instance: Any) -> bool:
        held = False
        for check in checks:
            if check(instance):
                if held:
                    return False
                held = True
        return held

    return exactly_one_holds


def _negated(check: Check) -> Check:
    def negated(instance: Any) -> bool:
        return not check(instance)

    return negated


def _if_then_else(condition: Check, then: Check, otherwise: Check) -> Check:
    def if_then_else(instance: Any) -> bool:
        return then(instance) if condition(instance) else otherwise(instance)

    return if_then_else


# Types as jsonschema's draft 2020-12 type checker defines them: bool is never a number, an
# integer may be a float with an integral value, an object is a dict and an array a list.


def _is_object(instance: Any) -> bool:
    return isinstance(instance, dict)


def _is_array(instance: Any) -> bool:
    return isinstance(instance, list)


def _is_string(instance: Any) -> bool:
    return isinstance(instance, str)


def _is_boolean(instance: Any) -> bool:
    return isinstance(instance, bool)


def _is_null(instance: Any) -> bool:
    return instance is None


def _is_number(instance: Any) -> bool:
    kind = instance.__class__
    if kind is int or kind is float:
        return True
    return kind is not bool and isinstance(instance, Number)


def _is_integer(instance: Any) -> bool:
    if isinstance(instance, bool):
        return False
    if isinstance(instance, int):
        return True
    return isinstance(instance, float) and instance.is_integer()


_TYPE_TESTS: dict[str, Check] = {
    "object": _is_object,
    "array": _is_array,
    "string": _is_string,
    "number": _is_number,
    "integer": _is_integer,
    "boolean": _is_boolean,
    "null": _is_null,
}
_CLASS_OF_TYPE: dict[str, type] = {"object": dict, "array": list, "string": str}
_KIND_OF_TYPE: dict[str, str | None] = {
    "object": "object",
    "array": "array",
    "string": "string",
    "number": "number",
    "integer": "number",
    "boolean": None,
    "null": None,
}


def _type_names(schema: Mapping[str, Any]) -> tuple[str, ...] | None:
    if "type" not in schema:
        return None
    value = schema["type"]
    names = (value,) if isinstance(value, str) else value
    if not isinstance(names, list | tuple) or not all(
        isinstance(name, str) and name in _TYPE_TESTS for name in names
    ):
        raise UnsupportedSchema(f"unknown type {value!r}")
    return tuple(names)


def _type_check(types: tuple[str, ...]) -> Check:
    if len(types) == 1:
        return _TYPE_TESTS[types[0]]
    return _any_holds(tuple(_TYPE_TESTS[name] for name in types))


def _on_objects(check: Check) -> Check:
    def on_objects(instance: Any) -> bool:
        return not isinstance(instance, dict) or check(instance)

    return on_objects


def _on_arrays(check: Check) -> Check:
    def on_arrays(instance: Any) -> bool:
        return not isinstance(instance, list) or check(instance)

    return on_arrays


def _on_strings(check: Check) -> Check:
    def on_strings(instance: Any) -> bool:
        return not isinstance(instance, str) or check(instance)

    return on_strings


def _on_numbers(check: Check) -> Check:
    def on_numbers(instance: Any) -> bool:
        return not _is_number(instance) or check(instance)

    return on_numbers


_GUARDS: dict[str, Callable[[Check], Check]] = {
    "object": _on_objects,
    "array": _on_arrays,
    "string": _on_strings,
    "number": _on_numbers,
}


# Keyword values: anything jsonschema would read in some other way is refused.


def _number(schema: Mapping[str, Any], keyword: str) -> int | float | None:
    if keyword not in schema:
        return None
    value = schema[keyword]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise UnsupportedSchema(f"{keyword} must be a number, not {value!r}")
    return value


def _sequence(schema: Mapping[str, Any], keyword: str) -> Sequence[Any]:
    value = schema.get(keyword, ())
    if not isinstance(value, list | tuple):
        raise UnsupportedSchema(f"{keyword} must be an array, not {value!r}")
    return value


def _strings(schema: Mapping[str, Any], keyword: str) -> tuple[str, ...]:
    value = _sequence(schema, keyword)
    if not all(isinstance(each, str) for each in value):
        raise UnsupportedSchema(f"{keyword} must hold strings, not {value!r}")
    return tuple(value)


def _mapping(schema: Mapping[str, Any], keyword: str) -> Mapping[str, Any]:
    value = schema.get(keyword, {})
    if not isinstance(value, Mapping):
        raise UnsupportedSchema(f"{keyword} must be an object, not {value!r}")
    return value


def _regex(pattern: Any) -> re.Pattern[str]:
    if not isinstance(pattern, str):
        raise UnsupportedSchema(f"a pattern must be a string, not {pattern!r}")
    try:
        return re.compile(pattern)
    except re.error as error:
        raise UnsupportedSchema(f"Python's re cannot compile {pattern!r}: {error}") from error


# Objects.


def _has_keys(names: frozenset[str]) -> Check:
    def has_keys(instance: dict[str, Any]) -> bool:
        return instance.keys() >= names

    return has_keys


def _dependent_required(value: Any) -> Check:
    if not isinstance(value, Mapping):
        raise UnsupportedSchema(f"dependentRequired must be an object, not {value!r}")
    dependencies = tuple((name, frozenset(_strings(value, name))) for name in value)

    def dependent_required(instance: dict[str, Any]) -> bool:
        for name, needed in dependencies:
            if name in instance and not instance.keys() >= needed:
                return False
        return True

    return dependent_required


def _dependent_schemas(dependents: Mapping[str, Check]) -> Check:
    checked = tuple((name, check) for name, check in dependents.items() if check is not _accept)

    def dependent_schemas(instance: dict[str, Any]) -> bool:
        for name, check in checked:  # noqa: SIM110 -- as in _all
            if name in instance and not check(instance):
                return False
        return True

    return dependent_schemas


def _all_keys(check: Check) -> Check:
    def all_keys(instance: dict[str, Any]) -> bool:
        for key in instance:  # noqa: SIM110 -- as in _all
            if not check(key):
                return False
        return True

    return all_keys


def _declared_members(declared: Mapping[str, Check]) -> Check | None:
    checked = tuple((name, check) for name, check in declared.items() if check is not _accept)
    if not checked:
        return None

    def declared_members(instance: dict[str, Any]) -> bool:
        for name, check in checked:  # noqa: SIM110 -- as in _all
            if name in instance and not check(instance[name]):
                return False
        return True

    return declared_members


def _declared_or_extra(declared: dict[str, Check], extra: Check) -> Check:
    check_of = declared.get

    def declared_or_extra(instance: dict[str, Any]) -> bool:
        for key, value in instance.items():  # noqa: SIM110 -- as in _all
            if not check_of(key, extra)(value):
                return False
        return True

    return declared_or_extra


def _members_with_patterns(
    declared: dict[str, Check],
    patterns: tuple[tuple[re.Pattern[str], Check], ...],
    joined: re.Pattern[str] | None,
    extra: Check,
) -> Check:
    check_of = declared.get
    additional = None if extra is _accept else joined

    def members_with_patterns(instance: dict[str, Any]) -> bool:
        for key, value in instance.items():
            for regex, check in patterns:
                if regex.search(key) and not check(value):
                    return False
            declared_check = check_of(key)
            if declared_check is not None:
                if not declared_check(value):
                    return False
            elif additional is not None and not additional.search(key) and not extra(value):
                return False
        return True

    return members_with_patterns


# Arrays.


def _items(prefix: tuple[Check, ...], rest: Check) -> Check:
    start = len(prefix)

    def items(instance: list[Any]) -> bool:
        for item, check in zip(instance, prefix, strict=False):
            if not check(item):
                return False
        for item in instance[start:] if start else instance:  # noqa: SIM110 -- as in _all
            if not rest(item):
                return False
        return True

    return items


def _contains(match: Check, least: int | float | None, most: int | float | None) -> Check:
    fewest = 1 if least is None else least

    def contains(instance: list[Any]) -> bool:
        matches = 0
        for item in instance:
            if match(item):
                matches += 1
                if most is not None and matches > most:
                    return False
        return not matches < fewest

    return contains


def _unique_items(instance: list[Any]) -> bool:
    """jsonschema's _utils.uniq, including its sort: [[1], [True], [1]] counts as unique."""
    try:
        ordered = sorted(_unbool(item) for item in instance)
        return not any(_json_equal(a, b) for a, b in pairwise(ordered))
    except (NotImplementedError, TypeError):
        seen: list[Any] = []
        for item in instance:
            unbooled = _unbool(item)
            if any(_json_equal(each, unbooled) for each in seen):
                return False
            seen.append(unbooled)
        return True


# Strings and numbers.


def _string_checks(schema: Mapping[str, Any]) -> list[Check]:
    checks: list[Check] = []
    size = _size_within(_number(schema, "minLength"), _number(schema, "maxLength"))
    if size is not None:
        checks.append(size)
    if "pattern" in schema:
        checks.append(_matches(_regex(schema["pattern"])))
    return checks


def _matches(regex: re.Pattern[str]) -> Check:
    search = regex.search

    def matches(instance: str) -> bool:
        return search(instance) is not None

    return matches


def _size_within(least: int | float | None, most: int | float | None) -> Check | None:
    """len() within bounds: code points of a string, items of an array, keys of an object."""
    if least is None and most is None:
        return None
    low = 0 if least is None else least
    high = math.inf if most is None else most

    def size_within(instance: Any) -> bool:
        size = len(instance)
        return not (size < low or size > high)

    return size_within


def _number_checks(schema: Mapping[str, Any]) -> list[Check]:
    # Each comparison is jsonschema's failure test negated, so NaN behaves the same way.
    checks: list[Check] = []
    between = _between(_number(schema, "minimum"), _number(schema, "maximum"))
    if between is not None:
        checks.append(between)
    above = _number(schema, "exclusiveMinimum")
    if above is not None:
        checks.append(lambda instance: not instance <= above)
    below = _number(schema, "exclusiveMaximum")
    if below is not None:
        checks.append(lambda instance: not instance >= below)
    divisor = _number(schema, "multipleOf")
    if divisor is not None:
        checks.append(_multiple_of(divisor))
    return checks


def _between(least: int | float | None, most: int | float | None) -> Check | None:
    """minimum and maximum in one test: a missing bound becomes an infinity, which no number
    (not even NaN) fails, just as no test at all."""
    if least is None and most is None:
        return None
    low = -math.inf if least is None else least
    high = math.inf if most is None else most

    def between(instance: Any) -> bool:
        return not (instance < low or instance > high)

    return between


def _multiple_of(divisor: int | float) -> Check:
    """jsonschema's multipleOf: float division for a float divisor, remainder for an int one."""
    if not divisor > 0:
        raise UnsupportedSchema(f"multipleOf must be positive, not {divisor!r}")
    if isinstance(divisor, int):
        return lambda instance: not instance % divisor

    def multiple_of_float(instance: Any) -> bool:
        quotient: float = instance / divisor
        try:
            return int(quotient) == quotient
        except OverflowError:
            return (Fraction(instance) / Fraction(divisor)).denominator == 1

    return multiple_of_float


# Equality as jsonschema's _utils.equal: True and 1 differ, 1 and 1.0 do not, deeply.

_TRUE = object()
_FALSE = object()


def _unbool(value: Any) -> Any:
    if value is True:
        return _TRUE
    if value is False:
        return _FALSE
    return value


def _json_equal(one: Any, two: Any) -> bool:
    if one is two:
        return True
    if isinstance(one, str) or isinstance(two, str):
        return bool(one == two)
    if isinstance(one, Sequence) and isinstance(two, Sequence):
        return len(one) == len(two) and all(map(_json_equal, one, two))
    if isinstance(one, Mapping) and isinstance(two, Mapping):
        return len(one) == len(two) and all(
            key in two and _json_equal(value, two[key]) for key, value in one.items()
        )
    return bool(_unbool(one) == _unbool(two))


def _equal_to(expected: Any) -> Check:
    if isinstance(expected, str):
        return lambda instance: expected == instance
    if expected is None or isinstance(expected, bool):
        return lambda instance: instance is expected
    if isinstance(expected, int | float):
        return lambda instance: not isinstance(instance, bool) and expected == instance
    return lambda instance: _json_equal(instance, expected)


def _among(values: Sequence[Any]) -> Check:
    if all(isinstance(value, str) for value in values):
        texts = frozenset(values)
        return lambda instance: isinstance(instance, str) and instance in texts
    return _any_holds(tuple(_equal_to(value) for value in values))
