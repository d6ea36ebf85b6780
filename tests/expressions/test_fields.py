"""Dynamic fields: typed, for a node inside a foreach inside a condition; and the API."""

from __future__ import annotations

from typing import Any

from flask.testing import FlaskClient

from soarflow.expressions.fields import dynamic_fields
from soarflow.playbook import PlaybookGraph
from tests.fixtures import FIXTURE_CATALOG, enrich_ips


def nested() -> dict[str, Any]:
    """The design example's loop, moved inside the true branch of a severity check."""
    document = enrich_ips()
    document["nodes"].insert(
        0,
        {
            "id": "is_high",
            "kind": "condition",
            "title": "High severity?",
            "condition": {"all": [{"left": "{{ trigger.severity }}", "op": "eq", "right": "High"}]},
        },
    )
    document["nodes"][1] |= {"parent": "is_high", "branch": "true"}
    document["edges"] = [
        {"source": "incident", "target": "is_high"},
        {"source": "is_high", "target": "each_ip", "branch": "true"},
        *document["edges"][1:],
    ]
    return document


def by_expression(node_id: str) -> dict[str, dict[str, Any]]:
    graph = PlaybookGraph.from_document(nested())
    node = graph.node(node_id)
    assert node is not None
    return {f.expression: f.to_dict() for f in dynamic_fields(graph, FIXTURE_CATALOG, node)}


def test_the_nested_example_is_valid() -> None:
    from soarflow.playbook import validate

    assert validate(nested(), catalog=FIXTURE_CATALOG) == []


def test_a_node_in_a_loop_in_a_condition_sees_typed_fields() -> None:
    fields = by_expression("comment")
    assert fields["{{ steps.vt.output.data.attributes.reputation }}"] == {
        "expression": "{{ steps.vt.output.data.attributes.reputation }}",
        "title": "vt \u203a data \u203a attributes \u203a reputation",
        "type": "integer",
        "source_node": "vt",
        "description": "Reputation",
    }
    assert fields["{{ item.address }}"]["type"] == "string"
    assert fields["{{ item.address }}"]["source_node"] == "each_ip"
    assert fields["{{ index }}"]["type"] == "integer"
    assert fields["{{ trigger.entities }}"]["type"] == "array"
    assert fields["{{ trigger.entities | map(attribute='address') | list }}"]["type"] == "array"
    assert fields["{{ vars.bad_ips }}"]["type"] == "array"
    assert fields["{{ steps.vt.status }}"]["type"] == "string"
    assert "{{ run.started_at }}" in fields


def test_only_steps_certain_to_have_run_are_offered() -> None:
    at_vt = by_expression("vt")
    assert not [e for e in at_vt if e.startswith("{{ steps.")]
    at_comment = by_expression("comment")
    steps = {f["source_node"] for e, f in at_comment.items() if e.startswith("{{ steps.")}
    assert steps == {"vt"}, "enclosing containers and later steps are not offered"


def test_every_offered_field_passes_validation() -> None:
    document = nested()
    for expression in by_expression("comment"):
        candidate = nested()
        candidate["nodes"][3]["inputs"]["text"] = expression
        from soarflow.playbook import validate

        problems = validate(candidate, catalog=FIXTURE_CATALOG)
        assert problems == [], (expression, problems)
    assert document == nested()


def test_the_fields_endpoint(client: FlaskClient) -> None:
    response = client.post(
        "/api/v1/playbooks/fields", json={"document": nested(), "node_id": "comment"}
    )
    assert response.status_code == 200
    body = response.json
    assert body["node_id"] == "comment"
    typed = {f["expression"]: f["type"] for f in body["fields"]}
    assert typed["{{ item.address }}"] == "string"
    assert typed["{{ steps.vt.output.data.attributes.reputation }}"] == "integer"

    unknown = client.post("/api/v1/playbooks/fields", json={"document": nested(), "node_id": "zz"})
    assert unknown.status_code == 422
    assert unknown.json["error"]["code"] == "unknown_node"
    malformed = client.post("/api/v1/playbooks/fields", json={"node_id": "comment"})
    assert malformed.status_code == 400
