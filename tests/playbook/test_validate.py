"""The validator: one test per problem code, and every problem at once."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from soarflow.playbook import Problem, validate
from soarflow.playbook.checks import STRUCTURE_CHECKS, ValidationContext
from soarflow.playbook.document import Code
from tests.fixtures import FIXTURE_CATALOG, enrich_ips
from tests.strategies import playbook_like


def check(document: Any) -> list[Problem]:
    return validate(document, catalog=FIXTURE_CATALOG)


def only(problems: list[Problem], code: str) -> list[Problem]:
    return [problem for problem in problems if problem.code == code]


def action(node_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": node_id,
        "kind": "action",
        "action": "soarflow.add_incident_comment",
        "inputs": {"incident_id": "{{ trigger.id }}", "text": "seen"},
        **extra,
    }


def playbook(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "format": "soarflow.playbook/v1",
        "name": "test",
        "trigger": {"id": "t", "type": "soarflow.incident_created"},
        "nodes": nodes,
        "edges": edges,
    }


def edge(source: str, target: str, **extra: Any) -> dict[str, Any]:
    return {"source": source, "target": target, **extra}


def test_the_design_example_is_valid() -> None:
    assert check(enrich_ips()) == []


def test_schema_problems_point_at_the_field() -> None:
    document = playbook([action("a", retry={"policy": "sometimes"})], [edge("t", "a")])
    document["nodes"].append({"id": "b", "kind": "foreach", "concurrency": 99})
    problems = only(check(document), "schema")
    assert {(p.path, p.node_id) for p in problems} == {
        ("$.nodes[0].retry.policy", "a"),
        ("$.nodes[1]", "b"),
        ("$.nodes[1].concurrency", "b"),
    }


def test_unknown_fields_of_a_kind_are_schema_problems() -> None:
    document = playbook([action("a", items="{{ trigger.entities }}")], [edge("t", "a")])
    [problem] = check(document)
    assert problem.code == "schema"
    assert "'items' was unexpected" in problem.message


def test_duplicate_ids_including_the_trigger() -> None:
    document = playbook([action("a"), action("a"), action("t")], [edge("t", "a")])
    problems = only(check(document), "duplicate_id")
    assert [(p.node_id, p.path) for p in problems] == [
        ("a", "$.nodes[1].id"),
        ("t", "$.nodes[2].id"),
    ]


def test_no_trigger() -> None:
    document = playbook([action("a")], [])
    del document["trigger"]
    problems = check(document)
    assert [p.code for p in problems] == ["no_trigger"]
    assert problems[0].path == "$.trigger"


def test_dangling_edges_name_the_missing_end() -> None:
    document = playbook([action("a")], [edge("t", "a"), edge("a", "ghost"), edge("nobody", "a")])
    problems = only(check(document), "dangling_edge")
    assert [(p.path, p.details["id"]) for p in problems] == [
        ("$.edges[1].target", "ghost"),
        ("$.edges[2].source", "nobody"),
    ]


def test_an_edge_into_the_trigger_is_dangling() -> None:
    document = playbook([action("a")], [edge("t", "a"), edge("a", "t")])
    [problem] = check(document)
    assert (problem.code, problem.path) == ("dangling_edge", "$.edges[1].target")


def test_cycle_lists_its_nodes() -> None:
    nodes = [action("a"), action("b"), action("c"), action("d")]
    edges = [edge("t", "a"), edge("a", "b"), edge("b", "c"), edge("c", "a"), edge("c", "d")]
    [problem] = check(playbook(nodes, edges))
    assert problem.code == "cycle"
    assert sorted(problem.details["nodes"]) == ["a", "b", "c"]


def test_every_separate_cycle_is_reported() -> None:
    nodes = [action("a"), action("b"), action("c")]
    edges = [edge("t", "a"), edge("a", "a"), edge("a", "b"), edge("b", "c"), edge("c", "b")]
    problems = only(check(playbook(nodes, edges)), "cycle")
    assert sorted(sorted(p.details["nodes"]) for p in problems) == [["a"], ["b", "c"]]


def test_unreachable_nodes() -> None:
    nodes = [action("a"), action("island"), action("after_island")]
    edges = [edge("t", "a"), edge("island", "after_island")]
    problems = only(check(playbook(nodes, edges)), "unreachable")
    assert [p.node_id for p in problems] == ["island", "after_island"]


def test_a_child_without_a_start_edge_is_unreachable() -> None:
    document = enrich_ips()
    document["edges"] = [e for e in document["edges"] if e.get("branch") != "body"]
    problems = check(document)
    assert [(p.code, p.node_id) for p in problems] == [
        ("unreachable", "vt"),
        ("unreachable", "comment"),
    ]


def test_cross_scope_edges() -> None:
    document = enrich_ips()
    document["nodes"].append(action("after"))
    document["edges"] += [
        edge("each_ip", "after"),
        edge("vt", "after"),
        edge("incident", "comment"),
    ]
    problems = only(check(document), "cross_scope_edge")
    assert [p.path for p in problems] == ["$.edges[4]", "$.edges[5]"]
    assert problems[0].details == {
        "source_scope": ["each_ip", "body"],
        "target_scope": [None, None],
    }


def test_bad_branches_on_nodes_and_start_edges() -> None:
    condition = {
        "id": "risky",
        "kind": "condition",
        "condition": {"all": [{"left": "{{ trigger.severity }}", "op": "eq", "right": "High"}]},
    }
    nodes = [
        condition,
        action("yes", parent="risky", branch="true"),
        action("maybe", parent="risky", branch="maybe"),
        action("no", parent="risky", branch="false"),
        action("nameless", parent="risky", branch="false"),
    ]
    edges = [
        edge("t", "risky"),
        edge("risky", "yes", branch="true"),
        edge("risky", "no", branch="true"),
        edge("risky", "nameless"),
        edge("yes", "yes_again", branch="true"),
    ]
    problems = only(check(playbook(nodes, edges)), "bad_branch")
    assert [(p.node_id, p.path) for p in problems] == [
        ("maybe", "$.nodes[2].branch"),
        ("no", "$.edges[2].branch"),
        ("nameless", "$.edges[3]"),
    ]
    assert problems[0].details["branches"] == ["true", "false"]


def test_switch_branches_are_its_cases_and_default() -> None:
    switch = {"id": "sev", "kind": "switch", "on": "{{ trigger.severity }}", "cases": ["High", 3]}
    nodes = [
        switch,
        action("high", parent="sev", branch="High"),
        action("three", parent="sev", branch="3"),
        action("other", parent="sev", branch="default"),
        action("low", parent="sev", branch="Low"),
    ]
    edges = [edge("t", "sev")] + [edge("sev", n["id"], branch=n["branch"]) for n in nodes[1:]]
    problems = check(playbook(nodes, edges))
    assert [(p.code, p.node_id) for p in problems] == [
        ("bad_branch", "low"),
        ("bad_branch", "low"),
    ]


def test_sibling_edges_cannot_name_a_branch() -> None:
    document = playbook([action("a"), action("b")], [edge("t", "a"), edge("a", "b", branch="x")])
    [problem] = check(document)
    assert (problem.code, problem.path) == ("bad_branch", "$.edges[1].branch")


def test_bad_parents() -> None:
    nodes = [
        action("a"),
        action("orphan", parent="missing", branch="body"),
        action("inside_action", parent="a", branch="body"),
        {"id": "s1", "kind": "scope", "parent": "s2", "branch": "body"},
        {"id": "s2", "kind": "scope", "parent": "s1", "branch": "body"},
    ]
    problems = only(check(playbook(nodes, [edge("t", "a")])), "bad_parent")
    assert [p.node_id for p in problems] == ["orphan", "inside_action", "s1", "s2"]


def test_too_many_nodes() -> None:
    nodes = [action(f"n{i}") for i in range(501)]
    edges = [edge("t", f"n{i}") for i in range(501)]
    [problem] = check(playbook(nodes, edges))
    assert (problem.code, problem.path) == ("too_large", "$.nodes")
    assert problem.details == {"limit": 500, "actual": 501}


def test_nesting_deeper_than_eight() -> None:
    nodes: list[dict[str, Any]] = []
    edges = [edge("t", "s0")]
    for depth in range(10):
        scope: dict[str, Any] = {"id": f"s{depth}", "kind": "scope"}
        if depth:
            scope |= {"parent": f"s{depth - 1}", "branch": "body"}
            edges.append(edge(f"s{depth - 1}", f"s{depth}", branch="body"))
        nodes.append(scope)
    problems = check(playbook(nodes, edges))
    assert [(p.code, p.node_id) for p in problems] == [("too_large", "s9")]


def test_expressions_longer_than_the_limit() -> None:
    long_text = "{{ trigger.id }}" + "x" * 8200
    document = playbook([action("a", inputs={"incident_id": "1", "text": long_text})], [])
    document["edges"] = [edge("t", "a")]
    document["nodes"][0]["inputs"]["text"] = long_text
    [problem] = check(document)
    assert (problem.code, problem.path) == ("too_large", "$.nodes[0].inputs.text")
    plain = playbook(
        [action("a", inputs={"incident_id": "1", "text": "x" * 9000})], [edge("t", "a")]
    )
    assert check(plain) == []


def test_unknown_action() -> None:
    document = playbook([action("a", action="nowhere.do_it")], [edge("t", "a")])
    [problem] = check(document)
    assert (problem.code, problem.node_id, problem.path) == (
        "unknown_action",
        "a",
        "$.nodes[0].action",
    )


def test_invalid_inputs_point_at_the_field() -> None:
    node = action("mail", action="soarflow.send_email", inputs={"to": [], "priority": 9})
    problems = check(playbook([node], [edge("t", "mail")]))
    assert {(p.code, p.path) for p in problems} == {
        ("invalid_inputs", "$.nodes[0].inputs"),
        ("invalid_inputs", "$.nodes[0].inputs.to"),
        ("invalid_inputs", "$.nodes[0].inputs.priority"),
    }


def test_expression_inputs_are_left_to_the_expression_checks() -> None:
    node = action(
        "mail",
        action="soarflow.send_email",
        inputs={"to": "{{ [trigger.owner.email] }}", "subject": "x", "priority": "{{ 2 + 1 }}"},
    )
    assert check(playbook([node], [edge("t", "mail")])) == []


def test_every_problem_is_reported_at_once() -> None:
    document = playbook(
        [
            action("a"),
            action("a"),
            action("b", action="no.such"),
            action("c", parent="zz", branch="q"),
        ],
        [edge("t", "a"), edge("a", "ghost"), edge("b", "b")],
    )
    document["nodes"].append({"id": 7, "kind": "action"})
    codes = {p.code for p in check(document)}
    assert codes >= {
        "schema",
        "duplicate_id",
        "dangling_edge",
        "cycle",
        "unreachable",
        "unknown_action",
        "bad_parent",
    }


def test_further_checks_plug_in_and_see_the_compiled_graph() -> None:
    def no_titles(context: ValidationContext) -> list[Problem]:
        return [
            Problem(Code.BAD_EXPRESSION, "untitled", node.id, "$")
            for node in context.graph.node_list
            if "title" not in node.data
        ]

    problems = validate(
        enrich_ips(), catalog=FIXTURE_CATALOG, checks=(*STRUCTURE_CHECKS, no_titles)
    )
    assert [(p.code, p.node_id) for p in problems] == [
        ("bad_expression", "vt"),
        ("bad_expression", "comment"),
    ]


def test_problems_serialise_with_a_stable_shape() -> None:
    [problem] = check(playbook([action("a")], []))
    assert problem.to_dict() == {
        "code": "unreachable",
        "message": "'a' can never run: no path leads to it from the trigger",
        "node_id": "a",
        "path": "$.nodes[0]",
        "details": {},
    }


@pytest.mark.parametrize("document", [None, [], "playbook", 3, {"nodes": "lots"}])
def test_non_documents_get_schema_problems(document: Any) -> None:
    problems = check(document)
    assert problems
    assert {p.code for p in problems} <= {"schema", "no_trigger"}


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(document=playbook_like)
def test_any_shape_gives_problems_never_an_exception(document: dict[str, Any]) -> None:
    for problem in check(document):
        assert problem.code in set(Code)
        assert problem.path.startswith("$")
