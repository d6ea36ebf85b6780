"""The validator's expression pass on the fixture connectors: bad_expression,
unknown_reference and unknown_field, each pinned to its node and field."""

from __future__ import annotations

from typing import Any

from soarflow.playbook import Problem, validate
from tests.fixtures import FIXTURE_CATALOG, enrich_ips

EXPRESSION_CODES = {"bad_expression", "unknown_reference", "unknown_field"}


def expression_problems(document: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    problems: list[Problem] = validate(document, catalog=FIXTURE_CATALOG)
    return [(p.code, p.node_id, p.path) for p in problems if p.code in EXPRESSION_CODES]


def with_comment(text: str) -> dict[str, Any]:
    document = enrich_ips()
    document["nodes"][2]["inputs"]["text"] = text
    return document


def test_the_design_example_references_only_what_it_may() -> None:
    assert validate(enrich_ips(), catalog=FIXTURE_CATALOG) == []


def test_bad_expressions() -> None:
    for text in (
        "{{ item.address ",
        "{% for x in trigger.entities %}{{ x }}{% endfor %}",
        "{{ self }}",
        "{{ cycler }}",
        "{{ os.system('id') }}",
    ):
        assert expression_problems(with_comment(text)) == [
            ("bad_expression", "comment", "$.nodes[2].inputs.text")
        ], text


def test_unknown_references() -> None:
    cases = {
        "{{ steps.nowhere.output }}": "there is no step 'nowhere'",
        "{{ steps.each_ip.output }}": "'each_ip' contains 'comment'",
        "{{ vars.missing }}": "no variable 'missing'",
        "{{ items.other_loop }}": "needs a For each 'other_loop'",
        "{{ connection.api_key }}": "only in connector manifests",
    }
    for text, reason in cases.items():
        problems = validate(with_comment(text), catalog=FIXTURE_CATALOG)
        assert [(p.code, p.node_id, p.path) for p in problems] == [
            ("unknown_reference", "comment", "$.nodes[2].inputs.text")
        ], text
        assert reason in problems[0].message


def test_a_step_that_may_not_have_run_yet_is_unknown() -> None:
    document = enrich_ips()
    document["nodes"][1]["inputs"]["ip"] = "{{ steps.comment.output }}"
    problems = validate(document, catalog=FIXTURE_CATALOG)
    assert [(p.code, p.node_id) for p in problems] == [("unknown_reference", "vt")]
    assert "not certain to have run before 'vt'" in problems[0].message


def test_item_outside_a_loop_is_unknown() -> None:
    document = enrich_ips()
    document["nodes"][0]["items"] = "{{ item.list }}"
    assert expression_problems(document) == [("unknown_reference", "each_ip", "$.nodes[0].items")]


def test_unknown_fields_follow_the_declared_schemas() -> None:
    assert expression_problems(with_comment("{{ steps.vt.output.data.atributes.reputation }}")) == [
        ("unknown_field", "comment", "$.nodes[2].inputs.text")
    ]
    assert expression_problems(with_comment("{{ trigger.titel }}")) == [
        ("unknown_field", "comment", "$.nodes[2].inputs.text")
    ]
    assert expression_problems(with_comment("{{ item.adress }}")) == [
        ("unknown_field", "comment", "$.nodes[2].inputs.text")
    ]
    assert expression_problems(with_comment("{{ steps.vt.result }}")) == [
        ("unknown_field", "comment", "$.nodes[2].inputs.text")
    ]


def test_open_schemas_accept_any_field() -> None:
    for text in (
        "{{ steps.vt.output.data.attributes.last_analysis_stats.malicious }}",
        "{{ trigger.owner.email }}",
        "{{ steps.vt.status }} {{ steps.vt.error.message }}",
        "{{ run.id }} {{ playbook.name }} {{ index }} {{ vars.bad_ips | length }}",
        "{{ steps.vt.output.data[item.address] }}",
    ):
        assert expression_problems(with_comment(text)) == [], text


def test_until_conditions_see_their_own_body() -> None:
    document = enrich_ips()
    document["nodes"].append(
        {
            "id": "poll",
            "kind": "until",
            "condition": {
                "all": [{"left": "{{ steps.check.output.status }}", "op": "eq", "right": 200}]
            },
        }
    )
    document["nodes"].append(
        {
            "id": "check",
            "kind": "action",
            "parent": "poll",
            "branch": "body",
            "action": "soarflow.http",
            "inputs": {"url": "https://example.org/{{ steps.poll.output }}"},
        }
    )
    document["edges"] += [
        {"source": "each_ip", "target": "poll"},
        {"source": "poll", "target": "check", "branch": "body"},
    ]
    assert expression_problems(document) == [
        ("unknown_reference", "check", "$.nodes[4].inputs.url")
    ]


def test_every_expression_field_is_checked_with_its_path() -> None:
    document = enrich_ips()
    document["nodes"].append(
        {
            "id": "route",
            "kind": "switch",
            "on": "{{ trigger.sevrity }}",
            "cases": ["High"],
        }
    )
    document["nodes"].append(
        {
            "id": "gate",
            "kind": "condition",
            "condition": {
                "any": [{"all": [{"left": "{{ steps.ghost.output }}", "op": "is_true"}]}]
            },
        }
    )
    document["edges"] += [
        {"source": "each_ip", "target": "route"},
        {"source": "each_ip", "target": "gate"},
    ]
    assert expression_problems(document) == [
        ("unknown_field", "route", "$.nodes[3].on"),
        ("unknown_reference", "gate", "$.nodes[4].condition.any[0].all[0].left"),
    ]
