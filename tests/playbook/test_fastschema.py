"""compile_schema answers exactly as jsonschema's Draft202012Validator.is_valid, or refuses."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from bench.generate import generate
from hypothesis import HealthCheck, event, find, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from soarflow.playbook.fastschema import UnsupportedSchema, compile_schema
from soarflow.playbook.schema import InputsValidator, playbook_schema

PLAYBOOK = playbook_schema()
PLAYBOOK_VALIDATOR = Draft202012Validator(PLAYBOOK)
FAST_PLAYBOOK = compile_schema(PLAYBOOK)
PLAYBOOK_INPUTS_VALIDATOR = InputsValidator(PLAYBOOK)
SKIPPING_PLAYBOOK = compile_schema(PLAYBOOK, skip_expressions=True)

# Values chosen to sit on the schema's edges: limits, integral floats, bools beside numbers,
# strings that almost match a pattern or an enum, expressions.
EDGE_NUMBERS = st.sampled_from(
    [-1, 0, 1, 2, 49, 50, 51, 90, 91, 5000, 5001, 0.0, 1.0, 3.0, 2.5, -0.5, 1e20, 10**20]
)
EDGE_STRINGS = st.sampled_from(
    [
        "",
        " ",
        "x" * 101,
        "x" * 200,
        "x" * 201,
        "bad id",
        "nodot",
        "a.b",
        "P",
        "PT",
        "P1DT",
        "PT1.5S",
        "30S",
        "soarflow.playbook/v2",
        "succeeded",
        "sometimes",
        "eq",
        "action",
        "loop",
        "{{ trigger.id }}",
    ]
)
JUNK = st.recursive(
    st.none() | st.booleans() | EDGE_NUMBERS | EDGE_STRINGS | st.text(max_size=4),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.sampled_from(["all", "any", "op", "id", "x"]), children, max_size=3)
    ),
    max_leaves=6,
)
IDS = st.sampled_from(["trigger", "a", "b", "n1", "step-2", "Loop_3"])
KINDS = ("action", "condition", "switch", "foreach", "until", "scope")
OPS = st.sampled_from(["eq", "ne", "contains", "in_cidr", "is_empty", "matches"])
STATUSES = st.sampled_from(["succeeded", "failed", "skipped", "timed_out"])
DURATIONS = st.sampled_from(["PT30S", "P1D", "PT1.5S", "P1Y2M3W4DT5H6M7S", "PT10M"])
OPERANDS = st.recursive(
    st.none() | st.booleans() | EDGE_NUMBERS | EDGE_STRINGS,
    lambda children: st.lists(children, max_size=2) | st.dictionaries(IDS, children, max_size=2),
    max_leaves=4,
)
NAMES = st.text(min_size=1, max_size=12) | st.just("x" * 200)


@dataclass
class Author:
    """Writes a playbook by hand, slipping now and then: `chaos` percent per chance to err."""

    draw: st.DrawFn
    chaos: int

    def slips(self) -> bool:
        return self.chaos > 0 and self.draw(st.integers(0, 99)) < self.chaos

    def value(self, make: Callable[[], Any]) -> Any:
        return self.draw(JUNK) if self.slips() else make()

    def pick(self, strategy: st.SearchStrategy[Any]) -> Any:
        return self.value(lambda: self.draw(strategy))

    def record(
        self,
        required: dict[str, Callable[[], Any]],
        optional: dict[str, Callable[[], Any]] | None = None,
    ) -> dict[str, Any]:
        record = {name: self.value(make) for name, make in required.items() if not self.slips()}
        for name, make in (optional or {}).items():
            if self.draw(st.booleans()):
                record[name] = self.value(make)
        if self.slips():
            record[self.draw(st.sampled_from(["extra", "cases", "condition", "w"]))] = self.draw(
                JUNK
            )
        return record

    def some(self, make: Callable[[], Any], most: int) -> list[Any]:
        return [make() for _ in range(self.draw(st.integers(0, most)))]

    def playbook(self) -> dict[str, Any]:
        return self.record(
            {"format": lambda: "soarflow.playbook/v1", "name": lambda: self.draw(NAMES)},
            {
                "description": lambda: self.draw(st.text(max_size=5)),
                "trigger": self.trigger,
                "variables": self.variables,
                "nodes": lambda: self.some(self.node, 6),
                "edges": lambda: self.some(self.edge, 5),
                "layout": self.layout,
            },
        )

    def trigger(self) -> dict[str, Any]:
        return self.record(
            {
                "id": lambda: self.pick(IDS),
                "type": lambda: self.pick(st.sampled_from(["soarflow.incident_created", "a.b.c"])),
            },
            {"title": lambda: self.pick(NAMES), "params": lambda: self.pick(st.just({}))},
        )

    def variables(self) -> dict[str, Any]:
        names = IDS | st.sampled_from(["bad key", "x" * 101])
        return {self.draw(names): self.variable() for _ in range(self.draw(st.integers(0, 3)))}

    def variable(self) -> dict[str, Any]:
        return self.record(
            {"type": lambda: self.pick(st.sampled_from(["string", "integer", "object"]))},
            {"initial": lambda: self.draw(OPERANDS), "description": lambda: self.pick(NAMES)},
        )

    def node(self) -> dict[str, Any]:
        kind = self.draw(st.sampled_from(KINDS))
        fields = self.kind_fields(kind)
        if self.slips():
            # A field that belongs to another kind.
            fields |= self.kind_fields(self.draw(st.sampled_from(KINDS)))
        required = {"id": lambda: self.pick(IDS), "kind": lambda: self.pick(st.just(kind))}
        optional = {"title": lambda: self.pick(NAMES), "description": lambda: self.pick(NAMES)}
        if self.draw(st.booleans()):
            required |= {"parent": lambda: self.pick(IDS), "branch": lambda: self.pick(NAMES)}
        return self.record(required | fields["required"], optional | fields["optional"])

    def kind_fields(self, kind: str) -> dict[str, dict[str, Callable[[], Any]]]:
        condition = {"condition": lambda: self.condition(3)}
        fields: dict[str, tuple[dict[str, Callable[[], Any]], dict[str, Callable[[], Any]]]] = {
            "action": (
                {"action": lambda: self.pick(st.sampled_from(["bench.enrich", "vt.ip.v2"]))},
                {
                    "connection": lambda: self.pick(NAMES),
                    "inputs": lambda: self.pick(st.dictionaries(IDS, OPERANDS, max_size=2)),
                    "retry": self.retry,
                    "timeout": lambda: self.pick(DURATIONS),
                },
            ),
            "condition": (condition, {}),
            "switch": (
                {"on": lambda: self.draw(OPERANDS), "cases": self.cases},
                {},
            ),
            "foreach": (
                {"items": lambda: self.draw(OPERANDS)},
                {"concurrency": lambda: self.pick(st.integers(1, 50))},
            ),
            "until": (
                condition,
                {
                    "max_iterations": lambda: self.pick(st.integers(1, 5000)),
                    "timeout": lambda: self.pick(DURATIONS),
                },
            ),
            "scope": ({}, {}),
        }
        required, optional = fields[kind]
        return {"required": required, "optional": optional}

    def cases(self) -> list[Any]:
        scalars = st.sampled_from(["High", "Low", 1, 1.0, True, 2.5, False, 0])
        return self.some(lambda: self.pick(scalars), 4)

    def retry(self) -> dict[str, Any]:
        return self.record(
            {"policy": lambda: self.pick(st.sampled_from(["exponential", "fixed", "none"]))},
            {
                "count": lambda: self.pick(st.integers(0, 90)),
                "interval": lambda: self.pick(DURATIONS),
                "max_interval": lambda: self.pick(DURATIONS),
            },
        )

    def condition(self, depth: int) -> dict[str, Any]:
        def item() -> Any:
            if depth and self.draw(st.booleans()):
                return self.condition(depth - 1)
            return self.rule()

        keys = ["all", "any"] if self.slips() else [self.draw(st.sampled_from(["all", "any"]))]
        return {
            key: self.value(lambda: [item() for _ in range(self.draw(st.integers(1, 3)))])
            for key in keys
        }

    def rule(self) -> dict[str, Any]:
        return self.record(
            {"left": lambda: self.draw(OPERANDS), "op": lambda: self.pick(OPS)},
            {"right": lambda: self.draw(OPERANDS), "ignore_case": lambda: self.pick(st.booleans())},
        )

    def edge(self) -> dict[str, Any]:
        return self.record(
            {"source": lambda: self.pick(IDS), "target": lambda: self.pick(IDS)},
            {
                "branch": lambda: self.pick(NAMES),
                "when": lambda: self.some(lambda: self.pick(STATUSES), 3),
            },
        )

    def layout(self) -> dict[str, Any]:
        return {self.draw(IDS): self.box() for _ in range(self.draw(st.integers(0, 3)))}

    def box(self) -> dict[str, Any]:
        numbers = st.integers(-5, 500) | st.floats(0, 1e4)
        return self.record(
            {"x": lambda: self.pick(numbers), "y": lambda: self.pick(numbers)},
            {
                "w": lambda: self.pick(numbers),
                "h": lambda: self.pick(numbers),
                "collapsed": lambda: self.pick(st.booleans()),
            },
        )


@st.composite
def playbooks(draw: st.DrawFn) -> dict[str, Any]:
    return Author(draw, draw(st.sampled_from([0, 0, 1, 3, 10, 30]))).playbook()


SLOW_DATA = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@settings(SLOW_DATA, max_examples=400)
@given(document=playbooks())
def test_agrees_with_jsonschema_on_playbooks(document: dict[str, Any]) -> None:
    expected = PLAYBOOK_VALIDATOR.is_valid(document)
    event("valid" if expected else "invalid")
    assert FAST_PLAYBOOK(document) == expected


@settings(SLOW_DATA, max_examples=150)
@given(document=playbooks())
def test_agrees_with_the_inputs_validator_on_playbooks(document: dict[str, Any]) -> None:
    assert SKIPPING_PLAYBOOK(document) == PLAYBOOK_INPUTS_VALIDATOR.is_valid(document)


def test_generated_playbooks_are_both_valid_and_invalid() -> None:
    # Otherwise the differential test above would compare one answer only.
    quick = settings(max_examples=300, database=None, suppress_health_check=list(HealthCheck))
    valid = find(
        playbooks(),
        lambda doc: PLAYBOOK_VALIDATOR.is_valid(doc) and doc.get("nodes"),
        settings=quick,
    )
    invalid = find(playbooks(), lambda doc: not PLAYBOOK_VALIDATOR.is_valid(doc), settings=quick)
    assert FAST_PLAYBOOK(valid)
    assert not FAST_PLAYBOOK(invalid)


def test_a_generated_benchmark_playbook_is_valid_and_breaks_where_jsonschema_says() -> None:
    document = generate(60)
    assert FAST_PLAYBOOK(document)
    first_action = next(node for node in document["nodes"] if node["kind"] == "action")
    first_action["retry"]["count"] = 91
    assert not FAST_PLAYBOOK(document)
    assert not PLAYBOOK_VALIDATOR.is_valid(document)


# Small schemas, one or two keywords each, against arbitrary JSON.

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-3, 12)
    | st.sampled_from([0.0, 1.0, 2.0, 2.5, -1.5, 0.3, 1e10, 1e300, 10**20])
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["", "a", "ab", "abc", "aaaa", "b", "foo", "ü", "ééé", "{{ x }}", "a {{ y"])
)
KEYS = st.sampled_from(["a", "b", "c", "ab", "ba", "bb", "foo", "x1", "", "{{ k }}"])
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=12,
)
SWITCH = {
    "allOf": [
        {
            "if": {"properties": {"a": {"const": "x"}}, "required": ["a"]},
            "then": {"required": ["b"]},
        },
        {
            "if": {"properties": {"a": {"const": "y"}}, "required": ["a"]},
            "else": {"maxProperties": 2},
        },
        {
            "if": {"properties": {"a": {"const": "x"}}, "required": ["a"]},
            "then": {"minProperties": 3},
        },
        {"if": {"properties": {"b": {"const": "{{ x }}"}}, "required": ["b"]}, "then": False},
        {"if": {"properties": {"a": {"const": 1}}, "required": ["a"]}, "then": {"required": ["c"]}},
        {"type": ["object", "string"]},
    ]
}
SMALL_SCHEMAS: dict[str, Any] = {
    "true": True,
    "false": False,
    "empty": {},
    "annotations": {
        "title": "t",
        "description": "d",
        "default": 1,
        "examples": [1],
        "$comment": "c",
        "deprecated": True,
        "readOnly": True,
        "writeOnly": False,
        "format": "email",
        "contentMediaType": "text/plain",
        "contentEncoding": "base64",
    },
    "type null": {"type": "null"},
    "type boolean": {"type": "boolean"},
    "type integer": {"type": "integer"},
    "type number": {"type": "number"},
    "type string": {"type": "string"},
    "type array": {"type": "array"},
    "type object": {"type": "object"},
    "type list": {"type": ["integer", "string"]},
    "type number or null": {"type": ["number", "null"], "minimum": 1},
    "type none": {"type": []},
    "const 1": {"const": 1},
    "const 1.0": {"const": 1.0},
    "const true": {"const": True},
    "const false": {"const": False},
    "const 0": {"const": 0},
    "const null": {"const": None},
    "const string": {"const": "a"},
    "const list": {"const": [1, True, {"a": 1.0}]},
    "const object": {"const": {"a": [1], "b": False}},
    "const empty list": {"const": []},
    "enum mixed": {"enum": [1, "a", None, [1], {"a": [1.0]}]},
    "enum true": {"enum": [True]},
    "enum 0": {"enum": [0, "b"]},
    "enum strings": {"enum": ["a", "ab", "{{ x }}"]},
    "enum none": {"enum": []},
    "required": {"required": ["a", "b"]},
    "properties": {"properties": {"a": {"type": "integer"}, "b": False, "c": True}},
    "pattern properties": {"patternProperties": {"^a": {"type": "string"}, "b$": {"minimum": 1}}},
    "additional false": {"properties": {"a": True}, "additionalProperties": False},
    "additional schema": {"properties": {"a": {}}, "additionalProperties": {"type": "integer"}},
    "all three": {
        "properties": {"a": {"type": "string"}, "ba": {"type": "string"}},
        "patternProperties": {"^b": {"maxLength": 1}},
        "additionalProperties": {"type": "array"},
    },
    "joined patterns": {
        "patternProperties": {"(a)\\1": True, "(b)\\1": True},
        "additionalProperties": False,
    },
    "property names": {"propertyNames": {"pattern": "^[a-c]+$", "maxLength": 1}},
    "property counts": {"minProperties": 1, "maxProperties": 2},
    "dependent required": {"dependentRequired": {"a": ["b"], "c": []}},
    "dependent schemas": {"dependentSchemas": {"a": {"required": ["c"]}, "b": False}},
    "items": {"items": {"type": "integer"}},
    "items false": {"items": False},
    "prefix items": {"prefixItems": [{"type": "integer"}, {"type": "string"}], "items": False},
    "prefix items alone": {"prefixItems": [{"type": "integer"}, True, {"const": "a"}]},
    "prefix then items": {"prefixItems": [{"type": "string"}], "items": {"type": "integer"}},
    "contains": {"contains": {"type": "string"}},
    "contains counted": {"contains": {"type": "integer"}, "minContains": 2, "maxContains": 3},
    "contains none": {"contains": {"type": "string"}, "minContains": 0},
    "min max contains without contains": {"minContains": 5, "maxContains": 0},
    "item counts": {"minItems": 1, "maxItems": 3},
    "unique": {"uniqueItems": True},
    "not unique": {"uniqueItems": False},
    "pattern": {"pattern": "^a+$"},
    "pattern searched": {"pattern": "b"},
    "lengths": {"minLength": 2, "maxLength": 3},
    "minimum": {"minimum": 1},
    "maximum": {"maximum": 2.5},
    "exclusive minimum": {"exclusiveMinimum": 0},
    "exclusive maximum": {"exclusiveMaximum": 10},
    "multiple of 3": {"multipleOf": 3},
    "multiple of 0.5": {"multipleOf": 0.5},
    "multiple of 0.1": {"multipleOf": 0.1},
    "multiple of 1e-300": {"multipleOf": 1e-300},
    "integer in bounds": {"type": "integer", "minimum": 0, "maximum": 10},
    "all of": {"allOf": [{"type": "integer"}, {"minimum": 2}, True]},
    "any of": {"anyOf": [{"type": "string"}, {"minimum": 2}]},
    "any of none": {"anyOf": []},
    "one of": {"oneOf": [{"type": "integer"}, {"minimum": 2}]},
    "one of none": {"oneOf": []},
    "not": {"not": {"type": "string"}},
    "not false": {"not": False},
    "if then else": {"if": {"type": "integer"}, "then": {"minimum": 3}, "else": {"type": "string"}},
    "if alone": {"if": {"type": "integer"}},
    "then without if": {"then": False, "else": False},
    "switch": SWITCH,
    "recursive": {
        "$defs": {"tree": {"type": "object", "properties": {"a": {"$ref": "#/$defs/tree"}}}},
        "$ref": "#/$defs/tree",
    },
    "recursive root": {"type": ["object", "integer"], "additionalProperties": {"$ref": "#"}},
    "ref with siblings": {
        "$defs": {"int": {"type": "integer"}},
        "$ref": "#/$defs/int",
        "minimum": 2,
    },
    "ref escapes": {
        "$defs": {
            "a/b": {"type": "string"},
            "c~d": {"maxLength": 1},
            "e%f": {"pattern": "a"},
            "~1": {"minLength": 1},
        },
        "allOf": [
            {"$ref": "#/$defs/a~1b"},
            {"$ref": "#/$defs/c~0d"},
            {"$ref": "#/$defs/e%25f"},
            {"$ref": "#/$defs/~01"},
        ],
    },
    "ref definitions": {
        "definitions": {"n": {"type": "number"}},
        "items": {"$ref": "#/definitions/n"},
    },
    "ref into array": {"allOf": [{"type": "integer"}], "not": {"$ref": "#/allOf/0"}},
    "ref to boolean": {"$defs": {"no": False}, "properties": {"a": {"$ref": "#/$defs/no"}}},
    "root id": {
        "$id": "https://example.com/s",
        "$defs": {"s": {"type": "string"}},
        "$ref": "#/$defs/s",
    },
}


COMPILED = {name: compile_schema(schema) for name, schema in SMALL_SCHEMAS.items()}
SKIPPING = {
    name: compile_schema(schema, skip_expressions=True) for name, schema in SMALL_SCHEMAS.items()
}
VALIDATORS = {name: Draft202012Validator(schema) for name, schema in SMALL_SCHEMAS.items()}
INPUTS_VALIDATORS = {name: InputsValidator(schema) for name, schema in SMALL_SCHEMAS.items()}


@settings(max_examples=500, deadline=None)
@given(instance=JSON_VALUES)
def test_agrees_with_jsonschema_on_small_schemas(instance: Any) -> None:
    disagreements = [
        name
        for name, check in COMPILED.items()
        if check(instance) != VALIDATORS[name].is_valid(instance)
    ]
    assert disagreements == []


@settings(max_examples=300, deadline=None)
@given(instance=JSON_VALUES)
def test_skipping_expressions_agrees_with_the_inputs_validator(instance: Any) -> None:
    disagreements = [
        name
        for name, check in SKIPPING.items()
        if check(instance) != INPUTS_VALIDATORS[name].is_valid(instance)
    ]
    assert disagreements == []


@pytest.mark.parametrize(
    ("schema", "instance", "valid"),
    [
        ({"const": 1}, True, False),
        ({"const": True}, 1, False),
        ({"const": 0}, False, False),
        ({"const": 1}, 1.0, True),
        ({"const": [1]}, [True], False),
        ({"const": {"a": 1}}, {"a": 1.0}, True),
        ({"enum": [1, 2]}, True, False),
        ({"enum": [False]}, 0, False),
        ({"enum": [[0]]}, [0.0], True),
        ({"type": "integer"}, 3.0, True),
        ({"type": "integer"}, 3.5, False),
        ({"type": "integer"}, True, False),
        ({"type": "number"}, False, False),
        ({"uniqueItems": True}, [1, True], True),
        ({"uniqueItems": True}, [0, False], True),
        ({"uniqueItems": True}, [1, 1.0], False),
        # A bool makes sorting fail, and the pairwise fallback finds 0 and 0.0.
        ({"uniqueItems": True}, [0, False, 0.0], False),
        ({"uniqueItems": True}, [{"a": 1}, {"a": True}], True),
        ({"uniqueItems": True}, [{"a": 1}, {"a": 1.0}], False),
        # jsonschema sorts first and compares neighbours; [1] and [True] sort as equal, so
        # the two [1] never meet.
        ({"uniqueItems": True}, [[1], [True], [1]], True),
        ({"multipleOf": 0.1}, 0.3, False),
        ({"multipleOf": 0.5}, 1.5, True),
        # 1e10 / 1e-300 overflows, and the exact fallback sees that 1e-300 is a binary fraction.
        ({"multipleOf": 1e-300}, 1e10, False),
        ({"minLength": 2}, "ü", False),
        ({"pattern": "b"}, "abc", True),
        (SMALL_SCHEMAS["joined patterns"], {"aa": 1}, True),
        (SMALL_SCHEMAS["joined patterns"], {"bb": 1}, False),
    ],
)
def test_jsonschema_semantics_are_kept(schema: Any, instance: Any, valid: bool) -> None:
    assert Draft202012Validator(schema).is_valid(instance) is valid
    assert compile_schema(schema)(instance) is valid


@pytest.mark.parametrize(
    ("schema", "instance"),
    [
        ({"type": "integer"}, "{{ x }}"),
        ({"properties": {"a": {"type": "integer"}}}, {"a": "{{ x }}"}),
        ({"properties": {"a": False}}, {"a": "{{ x }}"}),
        ({"additionalProperties": False}, {"a": "{{ x }}"}),
        ({"propertyNames": {"maxLength": 1}}, {"{{ k }}": 1}),
        ({"items": {"$ref": "#/$defs/no"}, "$defs": {"no": False}}, ["{{ x }}"]),
        ({"not": {"type": "string"}}, "{{ x }}"),
        (SWITCH, {"a": "{{ x }}"}),
        (SWITCH, {"a": "{{ x }}", "b": 1, "c": 1}),
        (SWITCH, {"b": "{{ x }}"}),
        (SWITCH, "{{ x }}"),
        (False, "{{ x }}"),
    ],
)
def test_skipping_expressions_on_chosen_cases(schema: Any, instance: Any) -> None:
    skipping = compile_schema(schema, skip_expressions=True)
    assert skipping(instance) == InputsValidator(schema).is_valid(instance)


@pytest.mark.parametrize(
    "schema",
    [
        {"unevaluatedProperties": False},
        {"unevaluatedItems": False},
        {"x-unknown": 1},
        {"properties": {"a": {"dependencies": {"b": ["c"]}}}},
        {"if": {"unevaluatedProperties": False}},
        {"$dynamicRef": "#"},
        {"$anchor": "here"},
        {"$ref": "other.json"},
        {"$ref": "#here"},
        {"$ref": "#/$defs/missing"},
        {"$defs": {"x": {"$id": "x.json", "type": "string"}}, "$ref": "#/$defs/x"},
        {"properties": {"a": {"$schema": "https://json-schema.org/draft/2020-12/schema"}}},
        {"$schema": "http://json-schema.org/draft-07/schema#"},
        {"$id": "https://example.com/s#part"},
        {"pattern": "("},
        {"patternProperties": {"a": True, "(?i)b": True}, "additionalProperties": True},
        {"type": "whatever"},
        {"required": "a"},
        {"minimum": "1"},
        {"maxLength": True},
        {"multipleOf": 0},
        {"uniqueItems": 1},
        {"items": 3},
    ],
)
def test_refuses_what_it_cannot_reproduce(schema: Any) -> None:
    with pytest.raises(UnsupportedSchema):
        compile_schema(schema)


def test_refuses_to_skip_expressions_through_a_reference_to_a_dialect_root() -> None:
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": ["object", "integer"],
        "properties": {"a": {"$ref": "#"}},
    }
    # jsonschema picks the plain validator class for a schema naming $schema, so the
    # expression two levels down is checked after all.
    assert not InputsValidator(schema).is_valid({"a": {"a": "{{ x }}"}})
    assert not compile_schema(schema)({"a": {"a": "{{ x }}"}})
    with pytest.raises(UnsupportedSchema):
        compile_schema(schema, skip_expressions=True)
