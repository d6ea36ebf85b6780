"""The playbook templates shipped with soarflow: each is valid against the shipped connectors,
names the connectors and connections it needs, and says what it is for."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from soarflow.connectors import ConnectorRegistry
from soarflow.playbook.validate import validate
from tests.conftest import loaded_registry
from tests.connectors.fakes import SHIPPED_CONNECTORS

TEMPLATES = sorted((Path(__file__).parents[2] / "backend/soarflow/templates").glob("*.json"))
SCENARIOS = {"enrichment", "sync", "orchestration", "response"}


@pytest.fixture(scope="module")
def registry() -> ConnectorRegistry:
    return loaded_registry(SHIPPED_CONNECTORS)


def _actions(document: dict[str, Any]) -> set[str]:
    return {node["action"] for node in document["nodes"] if node["kind"] == "action"}


def test_the_seed_scenario_is_there() -> None:
    assert "approve_then_block.json" in [path.name for path in TEMPLATES]


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
    named = {
        str(value)
        for node in document["nodes"]
        for value in [node.get("connection"), *(node.get("inputs") or {}).values()]
        if isinstance(value, str) and value in template["connections"]
    }
    assert used <= set(template["connectors"])
    assert named == set(template["connections"])
    for name, connector in template["connections"].items():
        assert connector in registry.connectors, name
