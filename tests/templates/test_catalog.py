"""Turning a template into a playbook: the name, the chosen connections in place of the
template's own (in `connection` and in inputs that name one), the parameters' values as the
variables' initial values; and every wrong choice refused at once, with the field it concerns."""

from __future__ import annotations

from typing import Any

import pytest

from soarflow.playbook.connections import connection_references
from soarflow.templates.catalog import (
    Parameter,
    Template,
    TemplateRefused,
    builtin_templates,
    instantiate,
    refusals,
)

SEED = builtin_templates()["approve_then_block"]
CHOSEN = {"mail": "smtp-relay", "firewall": "fw01", "entra-id": "graph-prod"}


def _nodes(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {node["id"]: node for node in document["nodes"]}


def _codes(template: Template, **choices: Any) -> list[tuple[str, str]]:
    found = refusals(
        template,
        name=choices.get("name", "Mine"),
        connections=choices.get("connections", CHOSEN),
        parameters=choices.get("parameters", {}),
    )
    return [(refusal.code, refusal.field) for refusal in found]


def test_the_document_gets_the_name_connections_and_parameter_values() -> None:
    approvers = ["soc-lead", "ciso@contoso.example"]
    document = instantiate(
        SEED,
        name="  Block with approval  ",
        connections=CHOSEN,
        parameters={"approvers": approvers},
    )
    nodes = _nodes(document)
    assert document["name"] == "Block with approval"
    assert nodes["ask"]["inputs"]["email_connection"] == "smtp-relay"
    assert nodes["block_ip"]["connection"] == "fw01"
    assert nodes["disable_user"]["connection"] == "graph-prod"
    assert document["variables"]["approvers"] == {"type": "array", "initial": approvers}
    used = connection_references(document)
    assert used == set(CHOSEN.values())


def test_the_template_itself_is_left_as_it_was() -> None:
    before = SEED.to_dict()
    instantiate(SEED, name="x", connections=CHOSEN, parameters={"approvers": ["a@b.example"]})
    assert SEED.to_dict() == before


def test_a_parameter_left_out_keeps_its_default() -> None:
    document = instantiate(SEED, name="x", connections=CHOSEN, parameters={})
    assert document["variables"]["approvers"]["initial"] == SEED.parameters[0].default


def test_a_connection_nested_in_an_input_is_renamed() -> None:
    template = builtin_templates()["approve_then_isolate_machine"]
    chosen = {"slack": "slack-soc", "defender": "mde"}
    document = instantiate(template, name="x", connections=chosen, parameters={})
    assert _nodes(document)["ask"]["inputs"]["slack"]["connection"] == "slack-soc"
    assert _nodes(document)["isolate"]["connection"] == "mde"


def test_every_template_takes_its_defaults_and_uses_only_the_chosen_connections() -> None:
    for template in builtin_templates().values():
        chosen = {name: f"my-{name}" for name in template.connections}
        document = instantiate(template, name=template.title, connections=chosen, parameters={})
        used = connection_references(document)
        assert used == set(chosen.values()), template.id


@pytest.mark.parametrize("name", ["", "   ", None, 7, "x" * 201])
def test_a_name_must_be_text_of_1_to_200_characters(name: Any) -> None:
    assert _codes(SEED, name=name) == [("invalid_field", "name")]


def test_every_connection_must_be_chosen_and_only_those() -> None:
    chosen = {"mail": "smtp", "firewall": " ", "extra": "x"}
    assert _codes(SEED, connections=chosen) == [
        ("missing_connection", "connections.firewall"),
        ("missing_connection", "connections.entra-id"),
        ("invalid_field", "connections.extra"),
    ]


@pytest.mark.parametrize(
    "value",
    [[], "a@b.example", [""], ["ok", 3], None, {"a": 1}],
    ids=["empty", "text", "empty item", "number item", "null", "object"],
)
def test_an_array_parameter_is_a_list_of_text(value: Any) -> None:
    codes = _codes(SEED, parameters={"approvers": value})
    assert codes == [("invalid_parameter", "parameters.approvers")]


def test_unknown_parameters_are_refused_with_the_rest() -> None:
    codes = _codes(SEED, name="", parameters={"approver": ["x"], "approvers": []})
    assert codes == [
        ("invalid_field", "name"),
        ("unknown_parameter", "parameters.approver"),
        ("invalid_parameter", "parameters.approvers"),
    ]


def test_nothing_is_made_from_refused_choices() -> None:
    with pytest.raises(TemplateRefused) as refused:
        instantiate(SEED, name="x", connections={}, parameters={"approvers": "me"})
    assert [r.code for r in refused.value.refusals] == ["missing_connection"] * 3 + [
        "invalid_parameter"
    ]


THRESHOLD = Parameter("n", "N", "A number", "integer", 3, minimum=1, maximum=10)
SWITCH = Parameter("on", "On", "A switch", "boolean", False)
CHOICE = Parameter("kind", "Kind", "A choice", "string", "Full", enum=("Full", "Selective"))
KEY = Parameter("key", "Key", "A project key", "string", "SOC", pattern="^[A-Z][A-Z0-9_]*$")
KINDS = Parameter("kinds", "Kinds", "Choices", "array", ["high"], enum=("low", "high"))


@pytest.mark.parametrize(
    ("parameter", "value", "fits"),
    [
        (THRESHOLD, 1, True),
        (THRESHOLD, 10, True),
        (THRESHOLD, 0, False),
        (THRESHOLD, 11, False),
        (THRESHOLD, 3.0, False),
        (THRESHOLD, "3", False),
        (THRESHOLD, True, False),
        (SWITCH, True, True),
        (SWITCH, 0, False),
        (SWITCH, "false", False),
        (CHOICE, "Selective", True),
        (CHOICE, "selective", False),
        (KEY, "SEC_OPS", True),
        (KEY, "soc", False),
        (KEY, "   ", False),
        (KINDS, ["low", "high"], True),
        (KINDS, ["medium"], False),
    ],
)
def test_a_value_fits_its_parameter_type_and_rules(
    parameter: Parameter, value: Any, fits: bool
) -> None:
    assert (parameter.problem(value) is None) is fits


def test_the_gallery_summary_leaves_out_the_document_and_unset_rules() -> None:
    summary = builtin_templates()["isolate_machine"].summary()
    assert "document" not in summary
    assert summary["connections"] == {"defender": "microsoft_defender"}
    assert summary["parameters"] == [
        {
            "name": "isolation_type",
            "title": "Isolation type",
            "description": summary["parameters"][0]["description"],
            "type": "string",
            "default": "Full",
            "enum": ["Full", "Selective"],
        }
    ]
