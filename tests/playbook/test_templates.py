"""The playbook templates shipped with soarflow: each is valid against the shipped connectors,
names the connectors and connections it needs, says what it is for, and declares as parameters
playbook variables it really has."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from soarflow.connectors import ConnectorRegistry
from soarflow.playbook.connections import connection_references
from soarflow.playbook.validate import validate
from soarflow.templates.catalog import (
    PARAMETER_TYPES,
    SCENARIOS,
    builtin_templates,
)
from tests.conftest import loaded_registry
from tests.connectors.fakes import SHIPPED_CONNECTORS

TEMPLATES = sorted((Path(__file__).parents[2] / "backend/soarflow/templates").glob("*.json"))
PARAMETER_KEYS = {"name", "title", "description", "type", "default"}
OPTIONAL_PARAMETER_KEYS = {"enum", "minimum", "maximum", "pattern"}


@pytest.fixture(scope="module")
def registry() -> ConnectorRegistry:
    return loaded_registry(SHIPPED_CONNECTORS)


def _actions(document: dict[str, Any]) -> set[str]:
    return {node["action"] for node in document["nodes"] if node["kind"] == "action"}


def test_the_seed_scenario_is_there() -> None:
    assert "approve_then_block.json" in [path.name for path in TEMPLATES]


def test_the_gallery_covers_every_scenario_with_at_least_twelve_templates() -> None:
    templates = builtin_templates()
    assert len(templates) >= 12
    assert sorted(templates) == sorted(path.stem for path in TEMPLATES)
    assert {template.scenario for template in templates.values()} == set(SCENARIOS)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda path: path.stem)
def test_a_template_is_a_valid_playbook_that_says_what_it_needs(
    path: Path, registry: ConnectorRegistry
) -> None:
    template = json.loads(path.read_text())
    assert template["id"] == path.stem
    assert template["title"]
    assert template["description"]
    assert template["scenario"] in SCENARIOS
    document = template["document"]
    assert validate(document, catalog=registry) == []
    used = {action.partition(".")[0] for action in _actions(document)}
    named = connection_references(document)
    assert used <= set(template["connectors"])
    assert named == set(template["connections"])
    for name, connector in template["connections"].items():
        assert connector in registry.connectors, name


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda path: path.stem)
def test_its_parameters_are_its_variables_with_their_initial_values(path: Path) -> None:
    template = json.loads(path.read_text())
    variables = template["document"].get("variables", {})
    for parameter in template["parameters"]:
        assert PARAMETER_KEYS <= set(parameter) <= PARAMETER_KEYS | OPTIONAL_PARAMETER_KEYS
        assert parameter["title"]
        assert parameter["description"]
        assert parameter["type"] in PARAMETER_TYPES
        declared = variables.get(parameter["name"])
        assert declared is not None, f"{parameter['name']} is no variable of the document"
        assert declared["type"] == parameter["type"]
        assert declared["initial"] == parameter["default"]
    loaded = builtin_templates()[template["id"]]
    assert [p.problem(p.default) for p in loaded.parameters] == [None] * len(loaded.parameters)


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda path: path.stem)
def test_every_parameter_is_read_by_the_document(path: Path) -> None:
    template = json.loads(path.read_text())
    text = json.dumps(template["document"])
    for parameter in template["parameters"]:
        assert f"vars.{parameter['name']}" in text, parameter["name"]
