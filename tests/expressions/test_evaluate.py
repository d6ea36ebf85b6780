"""evaluate(): typed single expressions, mixed text, nested inputs, scope, errors, caching, caps."""

from __future__ import annotations

from typing import Any

import pytest

from soarflow.expressions import (
    SCOPE_NAMES,
    ExpressionError,
    ExpressionSyntaxError,
    evaluate,
    is_expression_text,
    parse,
)
from soarflow.expressions.environment import checked_tree
from soarflow.expressions.evaluate import compile_text
from soarflow.expressions.functions import MAX_VALUE_SIZE
from soarflow.playbook import document

SCOPE: dict[str, Any] = {
    "trigger": {
        "entities": [
            {"kind": "ip", "address": "203.0.113.7"},
            {"kind": "host", "address": "web-1"},
            {"kind": "ip", "address": "10.0.0.5"},
        ],
        "severity": "high",
        "count": 3,
        "score": 7.5,
        "flag": True,
        "nothing": None,
        "labels": {"team": "soc"},
    },
    "steps": {
        "vt": {
            "output": {"data": {"attributes": {"reputation": -12}}},
            "status": "succeeded",
            "error": None,
        },
        "ticket": {"output": None, "status": "failed", "error": {"code": "http_500"}},
    },
    "item": {"address": "10.0.0.5"},
    "index": 2,
    "items": {"each_ip": {"address": "10.0.0.5"}},
    "vars": {"bad_ips": ["198.51.100.1"]},
    "run": {"id": "run-1", "started_at": "2025-03-01T08:00:00Z"},
    "playbook": {"id": "pb-1", "name": "Enrich IPs"},
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{ trigger.entities }}", SCOPE["trigger"]["entities"]),
        ("{{ trigger.labels }}", {"team": "soc"}),
        ("{{ trigger.count }}", 3),
        ("{{ trigger.score }}", 7.5),
        ("{{ trigger.flag }}", True),
        ("{{ trigger.nothing }}", None),
        ("  {{ trigger.count + 1 }}\n", 4),
        ("{{ (1, 2) }}", [1, 2]),
        ("{{ {'a': [1, (2, 3)]} }}", {"a": [1, [2, 3]]}),
        ("{{ 'text' }}", "text"),
    ],
)
def test_a_single_expression_keeps_the_type_of_its_value(text: str, expected: Any) -> None:
    result = evaluate(text, SCOPE)
    assert result == expected
    assert type(result) is type(expected) or isinstance(expected, tuple)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("IP {{ item.address }} is bad", "IP 10.0.0.5 is bad"),
        ("{{ trigger.count }} hits", "3 hits"),
        ("{{ trigger.flag }}/{{ trigger.nothing }}", "true/null"),
        ("labels: {{ trigger.labels }}", 'labels: {"team": "soc"}'),
        ("{{ trigger.severity }}{{ trigger.count }}", "high3"),
        ("line\r\nnext {{ index }}\n", "line\nnext 2\n"),
    ],
)
def test_mixed_text_renders_to_a_string(text: str, expected: str) -> None:
    assert evaluate(text, SCOPE) == expected


def test_concatenation_writes_non_text_values_as_json() -> None:
    assert evaluate("{{ 'n=' ~ trigger.count ~ ' ' ~ trigger.flag ~ [1] }}", SCOPE) == "n=3 true[1]"


def test_text_without_expressions_passes_through() -> None:
    assert evaluate("plain {% not evaluated %} text", SCOPE) == "plain {% not evaluated %} text"
    assert evaluate(42, SCOPE) == 42
    assert evaluate(None, SCOPE) is None


def test_is_expression_text_is_the_documents_own() -> None:
    assert is_expression_text is document.is_expression_text


def test_nested_inputs_are_walked_and_keys_are_never_evaluated() -> None:
    inputs = {
        "ip": "{{ item.address }}",
        "{{ trigger.severity }}": "key stays",
        "headers": {"X-Id": "{{ run.id }}", "count": 1},
        "list": ["{{ index }}", "plain", ["{{ trigger.flag }}"]],
    }
    assert evaluate(inputs, SCOPE, path="$.inputs") == {
        "ip": "10.0.0.5",
        "{{ trigger.severity }}": "key stays",
        "headers": {"X-Id": "run-1", "count": 1},
        "list": [2, "plain", [True]],
    }
    assert list(evaluate(inputs, SCOPE)) == list(inputs)  # key order kept


def test_the_first_failing_field_in_document_order_is_reported() -> None:
    inputs = {"a": "{{ index }}", "b": ["ok", "{{ trigger.first_missing }}"], "c": "{{ item.x }}"}
    with pytest.raises(ExpressionError) as raised:
        evaluate(inputs, SCOPE, path="$.inputs")
    assert raised.value.path == "$.inputs.b[1]"


def test_the_input_is_not_modified() -> None:
    inputs = {"a": ["{{ index }}"]}
    evaluate(inputs, SCOPE)
    assert inputs == {"a": ["{{ index }}"]}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{ steps.vt.output.data.attributes.reputation }}", -12),
        ("{{ steps.vt.status }}", "succeeded"),
        ("{{ steps.ticket.error.code }}", "http_500"),
        ("{{ steps['vt']['output'].data['attributes'].reputation }}", -12),
        ("{{ item.address }}", "10.0.0.5"),
        ("{{ index }}", 2),
        ("{{ items.each_ip.address }}", "10.0.0.5"),
        ("{{ vars.bad_ips[0] }}", "198.51.100.1"),
        ("{{ vars.bad_ips[-1] }}", "198.51.100.1"),
        ("{{ run.started_at }}", "2025-03-01T08:00:00Z"),
        ("{{ playbook.name }}", "Enrich IPs"),
        ("{{ trigger.entities[1:] | map(attribute='kind') | list }}", ["host", "ip"]),
        ("{{ trigger.severity[0:2] }}", "hi"),
    ],
)
def test_every_scope_name_is_reachable(text: str, expected: Any) -> None:
    assert evaluate(text, SCOPE) == expected


def test_scope_names_are_the_documented_ones() -> None:
    assert {"trigger", "steps", "item", "index", "items", "vars", "run", "playbook"} == SCOPE_NAMES


def test_an_undefined_value_fails_with_the_expression_and_the_field_path() -> None:
    inputs = {"headers": {"X-Id": "{{ trigger.missing }}"}}
    with pytest.raises(ExpressionError) as raised:
        evaluate(inputs, SCOPE, path="$.nodes[2].inputs")
    error = raised.value
    assert error.code == "expression_error"
    assert error.path == "$.nodes[2].inputs.headers['X-Id']"
    assert "missing" in str(error)
    assert "{{ trigger.missing }}" in str(error)
    assert "$.nodes[2].inputs.headers['X-Id']" in str(error)


@pytest.mark.parametrize(
    "text",
    [
        "{{ trigger.missing.deeper }}",
        "IP {{ item.nothing_here }}",
        "{{ vars.bad_ips[5] }}",
        "{{ item }}{{ steps.absent.output }}",
        "{{ 'x'.upper }}",
    ],
)
def test_strict_undefined_fails_instead_of_rendering_nothing(text: str) -> None:
    with pytest.raises(ExpressionError) as raised:
        evaluate(text, SCOPE)
    assert raised.value.code == "expression_error"


def test_a_name_outside_the_scope_at_run_time_is_undefined() -> None:
    with pytest.raises(ExpressionError, match="'item' is undefined"):
        evaluate("{{ item.address }}", {"trigger": {}})


def test_default_and_is_defined_handle_missing_values() -> None:
    assert evaluate("{{ trigger.missing | default('n/a') }}", SCOPE) == "n/a"
    assert evaluate("{{ trigger.missing is defined }}", SCOPE) is False


def test_the_message_shows_at_most_about_200_characters_of_the_expression() -> None:
    text = "{{ trigger.missing }}" + " " * 500 + "{{ index }}"
    with pytest.raises(ExpressionError) as raised:
        evaluate(text, SCOPE)
    assert len(str(raised.value)) < 350
    assert raised.value.expression == text


def test_a_syntax_error_is_bad_expression_at_the_field_path() -> None:
    with pytest.raises(ExpressionSyntaxError) as raised:
        evaluate({"a": ["{{ item.address "]}, SCOPE, path="$.inputs")
    assert raised.value.code == "bad_expression"
    assert raised.value.path == "$.inputs.a[0]"


def test_parse_returns_the_tree_and_refuses_with_path_root() -> None:
    assert parse("IP {{ item.address }}").body
    with pytest.raises(ExpressionSyntaxError) as raised:
        parse("{{ os.environ }}")
    assert raised.value.path == "$"
    assert "unknown name 'os'" in str(raised.value)


def test_the_same_text_is_compiled_once() -> None:
    text = "{{ trigger.count * 2 }} (caching test)"
    compile_text.cache_clear()
    for _ in range(5):
        assert evaluate(text, SCOPE) == "6 (caching test)"
    info = compile_text.cache_info()
    assert (info.misses, info.hits) == (1, 4)


def test_refusals_are_cached_too() -> None:
    text = "{{ cycler }} (refusal caching test)"
    for _ in range(3):
        with pytest.raises(ExpressionSyntaxError):
            evaluate(text, SCOPE)
    assert parse("{{ index }}") is parse("{{ index }}")
    assert isinstance(checked_tree(text), str)


def test_results_are_capped_at_one_megabyte() -> None:
    big = {"trigger": {"text": "x" * (MAX_VALUE_SIZE + 1), "list": ["y" * 1000] * 1001}}
    for text in ("{{ trigger.text }}", "{{ trigger.list }}", "a {{ trigger.text }}"):
        with pytest.raises(ExpressionError, match="1,000,000"):
            evaluate(text, big)
    assert len(evaluate("{{ trigger.list[:900] }}", big)) == 900


def test_mixed_text_stops_at_the_cap_without_building_the_whole_text() -> None:
    big = {"trigger": {"big": "y" * 600_000}}
    with pytest.raises(ExpressionError, match="1,000,000"):
        evaluate("{{trigger.big}}" * 500, big)


@pytest.mark.parametrize(
    "text",
    ["{{ range }}", "{{ coalesce }}", "{{ utcnow }}", "{{ 1.0 * 10.0**308 * 10 }}"],
)
def test_results_must_be_json_values(text: str) -> None:
    with pytest.raises(ExpressionError):
        evaluate(text, SCOPE)


def test_results_are_fresh_copies_of_the_scope_data() -> None:
    result = evaluate("{{ trigger.labels }}", SCOPE)
    result["team"] = "changed"
    assert SCOPE["trigger"]["labels"] == {"team": "soc"}
