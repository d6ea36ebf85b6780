"""Workflow Definition Language expressions written as soarflow expressions: each translation is
evaluated by soarflow's own evaluator and compared with what Logic Apps would give."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from soarflow.expressions import evaluate
from soarflow.logicapps.wdl import (
    Unmapped,
    WdlSyntaxError,
    Writer,
    deployed,
    literal,
    parse,
    split_template,
    strftime_format,
)


class Names:
    """A scope where the trigger is `trigger`, action X's body `steps.x.output`, and so on."""

    def trigger(self, path: Sequence[Any]) -> str:
        return "trigger" + "".join(f"[{literal(key)}]" for key in path)

    def action(self, name: str, path: Sequence[Any], whole: bool) -> str:
        return f"steps.{name.lower()}.output" + "".join(f"[{literal(key)}]" for key in path)

    def item(self, loop: str | None, path: Sequence[Any]) -> str:
        return "item" + "".join(f"[{literal(key)}]" for key in path)

    def variable(self, name: str, path: Sequence[Any]) -> str:
        return f"vars.{name}"

    def parameter(self, name: str, path: Sequence[Any]) -> str:
        raise Unmapped(f"parameter {name}")

    def workflow(self, path: Sequence[Any]) -> str:
        return "run.id"


SCOPE = {
    "trigger": {"object": {"properties": {"title": "Spray", "severity": "High"}}, "n": 7},
    "steps": {"vt": {"output": {"data": {"attributes": {"reputation": -3}}}}},
    "item": {"Address": "203.0.113.9", "tags": ["a", "b"]},
    "vars": {"names": "alice;bob", "count": 2, "list": [1, 2]},
}


def written(template: str) -> Any:
    return evaluate(Writer(Names()).text(template), SCOPE)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("@triggerBody()?['object']?['properties']?['title']", "Spray"),
        ("Title: @{triggerBody()?['object']?['properties']?['title']}!", "Title: Spray!"),
        ("@body('VT')?['data']?['attributes']?['reputation']", -3),
        ("@items('For_each')?['Address']", "203.0.113.9"),
        ("@concat('IP ', item()?['Address'], ' seen')", "IP 203.0.113.9 seen"),
        ("@split(variables('names'), ';')", ["alice", "bob"]),
        ("@join(item()?['tags'], ', ')", "a, b"),
        ("@length(variables('list'))", 2),
        ("@toLower(triggerBody()?['object']?['properties']?['severity'])", "high"),
        ("@toUpper('x')", "X"),
        ("@equals(variables('count'), 2)", True),
        ("@and(equals(1, 1), not(equals(1, 2)))", True),
        ("@or(greater(1, 2), lessOrEquals(2, 2))", True),
        ("@contains(variables('list'), 2)", True),
        ("@empty(variables('list'))", False),
        ("@if(equals(1, 1), 'yes', 'no')", "yes"),
        ("@coalesce(null, 'fallback')", "fallback"),
        ("@add(variables('count'), 3)", 5),
        ("@div(7, 2)", 3),
        ("@substring('abcdef', 1, 3)", "bcd"),
        ("@startsWith('abcdef', 'abc')", True),
        ("@endsWith('abcdef', 'xyz')", False),
        ("@union(createArray(1, 2), createArray(2, 3))", [1, 2, 3]),
        ("@setProperty(item(), 'Address', 'x')['Address']", "x"),
        ("@int('42')", 42),
        ("@string(5)", "5"),
        ("@replace('a-b-c', '-', '+')", "a+b+c"),
        ("@trim('  x  ')", "x"),
        ("@first(variables('list'))", 1),
        ("@last(variables('list'))", 2),
        ("@encodeUriComponent('a b')", "a%20b"),
        ("@json('{\"a\": 1}')", {"a": 1}),
        ("@formatDateTime('2026-11-28T09:05:00Z', 'yyyy-MM-dd HH:mm')", "2026-11-28 09:05"),
        ("@addDays('2026-11-28T00:00:00Z', -3, 'yyyy-MM-dd')", "2026-11-25"),
        ("@@not an expression", "@not an expression"),
        ("it''s {{ braces }} as text", "it''s {{ braces }} as text"),
        ("'quoted' text @{'it''s'}", "'quoted' text it's"),
    ],
)
def test_an_expression_gives_what_logic_apps_gives(template: str, expected: Any) -> None:
    assert written(template) == expected


def test_utcnow_and_guid_have_counterparts() -> None:
    assert len(written("@utcNow()")) == len("2026-11-28T09:05:00Z")
    assert len(written("@guid()")) == 36
    assert written("@utcNow('yyyy')").isdigit()


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("@xpath(xml('<a/>'), '/a')", "xpath"),
        ("@lastIndexOf('a,b', ',')", "lastindexof"),
        ("@parameters('Secret')", "parameter Secret"),
        ("@item()?[variables('key')]", "a property chosen by an expression"),
        ("@formatDateTime(utcNow(), 'yyyy K')", "date format"),
    ],
)
def test_what_has_no_counterpart_is_refused_with_the_reason(template: str, reason: str) -> None:
    with pytest.raises(Unmapped, match=reason):
        Writer(Names()).text(template)


@pytest.mark.parametrize("text", ["concat('a'", "body(", "'unterminated", "items('x'))", "a b"])
def test_syntax_errors_are_refused(text: str) -> None:
    with pytest.raises(WdlSyntaxError):
        parse(text)


def test_an_unclosed_interpolation_is_a_syntax_error() -> None:
    with pytest.raises(WdlSyntaxError, match="not closed"):
        split_template("text @{concat('a'")


def test_deep_nesting_is_refused() -> None:
    with pytest.raises(WdlSyntaxError, match="nested too deeply"):
        parse("concat(" * 100 + "'x'" + ")" * 100)


@pytest.mark.parametrize(
    ("template", "workflow_text"),
    [
        ("[parameters('lookBackDays')]", "@parameters('lookBackDays')"),
        (
            "[concat('/groups/@{encodeURIComponent(''', parameters('GroupId'), ''')}/members')]",
            "/groups/@{encodeURIComponent(parameters('GroupId'))}/members",
        ),
        (
            "[concat('id=', parameters('ClientID'), '&secret=@{body(''Vault'')?[''value'']}')]",
            "id=@{parameters('ClientID')}&secret=@{body('Vault')?['value']}",
        ),
        (
            "[concat('https://login/', subscription().tenantId, '/token')]",
            "https://login/@{parameters('azure_tenant_id')}/token",
        ),
        ("[concat('/rg/', resourceGroup().name)]", "/rg/@{parameters('azure_resource_group')}"),
        ("[[not an ARM expression]", "[not an ARM expression]"),
        ("[a list in brackets", "[a list in brackets"),
        ("@body('X')", "@body('X')"),
    ],
)
def test_arm_template_strings_are_read_as_the_workflow_text_they_deploy_as(
    template: str, workflow_text: str
) -> None:
    assert deployed(template) == workflow_text


@pytest.mark.parametrize(
    ("template", "reason"),
    [
        ("[variables('name')]", "variables"),
        ("[concat('a', uniqueString(resourceGroup().id))]", "uniquestring"),
        ("[subscription().id]", r"subscription\(\)\.id"),
    ],
)
def test_arm_functions_only_azure_can_evaluate_are_refused(template: str, reason: str) -> None:
    with pytest.raises(Unmapped, match=reason):
        deployed(template)


def test_an_arm_expression_that_is_not_one_is_a_syntax_error() -> None:
    with pytest.raises(WdlSyntaxError):
        deployed("[concat('a', ]")


def test_dotnet_date_formats() -> None:
    assert strftime_format("yyyy-MM-ddTHH:mm:ss") == "%Y-%m-%dT%H:%M:%S"
    assert strftime_format("o") == "%Y-%m-%dT%H:%M:%S.%fZ"
    assert strftime_format("dd MMM yyyy") == "%d %b %Y"
