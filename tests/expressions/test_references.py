"""Reference analysis walks Jinja's syntax tree."""

from __future__ import annotations

import pytest
from jinja2.sandbox import ImmutableSandboxedEnvironment

from soarflow.expressions.references import reference_of, references, single_expression

PARSER = ImmutableSandboxedEnvironment()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "{{ steps.vt.output.data.attributes.reputation }}",
            [("steps", "vt", "output", "data", "attributes", "reputation")],
        ),
        ("{{ steps['my-node'].output[0].x }}", [("steps", "my-node", "output", 0, "x")]),
        (
            "{{ trigger.entities | selectattr('kind', 'eq', 'ip') | map(attribute='a') | list }}",
            [("trigger", "entities")],
        ),
        (
            "IP {{ item.address }}: {{ steps.vt.output.data[item.k].score | default(trigger.y) }}",
            [
                ("item", "address"),
                ("steps", "vt", "output", "data"),
                ("item", "k"),
                ("trigger", "y"),
            ],
        ),
        ("{{ items.each_ip.address ~ vars.n }}", [("items", "each_ip", "address"), ("vars", "n")]),
        ("{{ trigger }}", [("trigger",)]),
        ("{{ 1 + 2 }} and {{ 'steps.vt' }}", []),
        ("{{ trigger.a }}{{ trigger.a }}", [("trigger", "a")]),
        ("{{ coalesce(trigger.a, steps.b.output) }}", [("trigger", "a"), ("steps", "b", "output")]),
    ],
)
def test_references(text: str, expected: list[tuple[str | int, ...]]) -> None:
    assert references(PARSER.parse(text)) == expected


def test_single_expressions_and_plain_references() -> None:
    single = single_expression(PARSER.parse("{{ trigger.entities }}"))
    assert single is not None
    assert reference_of(single) == ("trigger", "entities")
    assert single_expression(PARSER.parse("  {{ trigger }}\n")) is not None
    assert single_expression(PARSER.parse("x {{ trigger }}")) is None
    assert single_expression(PARSER.parse("{{ a }}{{ b }}")) is None
    filtered = single_expression(PARSER.parse("{{ trigger.entities | list }}"))
    assert filtered is not None
    assert reference_of(filtered) is None
