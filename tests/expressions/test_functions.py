"""Every function in FUNCTIONS works as documented, and the docs table is FUNCTIONS'."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from soarflow.expressions import FUNCTIONS, ExpressionError, evaluate
from soarflow.expressions.environment import ENV
from soarflow.expressions.functions import TESTS, function_table

DOCS = Path(__file__).parents[2] / "docs" / "expressions.md"

SCOPE: dict[str, Any] = {
    "trigger": {
        "entities": [
            {"kind": "ip", "address": "203.0.113.7", "score": 3},
            {"kind": "host", "address": "web-1", "score": 1},
            {"kind": "ip", "address": "10.0.0.5", "score": 2},
        ],
        "words": ["b", "A", "c", "a"],
        "numbers": [3, 1, 2],
        "labels": {"team": "soc", "env": "prod"},
        "url": "https://Evil.example.com:8443/path/a.exe?x=1",
        "nothing": None,
    },
}

CASES: list[tuple[str, Any]] = [
    ("{{ {'a': 1} | set_field('b', 2) }}", {"a": 1, "b": 2}),
    ("{{ {'a': 1} | set_field('a', [3]) }}", {"a": [3]}),
    ("{{ -3 | abs }}", 3),
    ("{{ '2025-01-31T10:00:00Z' | add_duration('P1M') }}", "2025-02-28T10:00:00Z"),
    ("{{ '2025-03-01T00:00:00Z' | add_duration('-PT1H30M') }}", "2025-02-28T22:30:00Z"),
    (
        "{{ '2025-03-01T00:00:00+02:00' | add_duration('P1W2DT0.5S') }}",
        "2025-03-09T22:00:00.500000Z",
    ),
    ("{{ '2024-02-29' | add_duration('P1Y') }}", "2025-02-28T00:00:00Z"),
    ("{{ trigger.labels | attr('team') }}", "soc"),
    ("{{ 'aGVsbG8gd29ybGQ' | base64_decode }}", "hello world"),
    ("{{ 'w7_Dvg' | base64_decode(urlsafe=true) }}", "\u00ff\u00fe"),
    ("{{ 'hello world' | base64_encode }}", "aGVsbG8gd29ybGQ="),
    ("{{ '\u00ff\u00fe' | base64_encode(urlsafe=true) }}", "w7_Dvg=="),
    ("{{ [1, 2, 3] | batch(2) }}", [[1, 2], [3]]),
    ("{{ [1, 2, 3] | batch(2, 0) }}", [[1, 2], [3, 0]]),
    ("{{ 'hELLO' | capitalize }}", "Hello"),
    ("{{ trigger.nothing | coalesce(trigger.missing, 'x') }}", "x"),
    ("{{ coalesce(trigger.nothing, trigger.missing, 0, 1) }}", 0),
    ("{{ coalesce() }}", None),
    ("{{ trigger.words | count }}", 4),
    ("{{ trigger.missing | d('fallback') }}", "fallback"),
    ("{{ '' | default('empty', true) }}", "empty"),
    ("{{ trigger.url | defang }}", "hxxps://Evil.example[.]com:8443/path/a.exe?x=1"),
    ("{{ '1.2.3.4' | defang }}", "1.2.3[.]4"),
    ("{{ 'evil.com' | defang }}", "evil[.]com"),
    ("{{ 'ceo@corp.example.com' | defang }}", "ceo@corp.example[.]com"),
    ("{{ 'http://evil.com/a' | defang | defang }}", "hxxp://evil[.]com/a"),
    ("{{ trigger.labels | dictsort }}", [["env", "prod"], ["team", "soc"]]),
    (
        "{{ trigger.labels | dictsort(by='value', reverse=true) }}",
        [["team", "soc"], ["env", "prod"]],
    ),
    ("{{ trigger.url | domain_of }}", "evil.example.com"),
    ("{{ 'Alice@Example.ORG' | domain_of }}", "example.org"),
    ("{{ 'hxxp://bad[.]example/x' | domain_of }}", "bad.example"),
    ("{{ 'not a host!' | domain_of }}", None),
    ("{{ 1500000 | filesizeformat }}", "1.5 MB"),
    ("{{ trigger.words | first }}", "b"),
    ("{{ '2.5' | float }}", 2.5),
    ("{{ 'x' | float(1.0) }}", 1.0),
    ("{{ '2025-03-01T08:05:09Z' | format_datetime }}", "2025-03-01 08:05:09"),
    (
        "{{ '2025-03-01T10:05:09+02:00' | format_datetime('%d %b %Y %H:%M %Z') }}",
        "01 Mar 2025 08:05 UTC",
    ),
    ("{{ '[1, {\"a\": null}]' | from_json }}", [1, {"a": None}]),
    (
        "{{ trigger.entities | groupby('kind') | map(attribute='grouper') | list }}",
        ["host", "ip"],
    ),
    ("{{ (trigger.entities | groupby('kind'))[1].list | length }}", 2),
    ("{{ '42' | int }}", 42),
    ("{{ 'ff' | int(base=16) }}", 255),
    ("{{ '10.1.2.3' | ip_in_cidr('10.0.0.0/8') }}", True),
    ("{{ '10.1.2.3' | ip_in_cidr(['192.168.0.0/16', '10.1.0.0/16']) }}", True),
    ("{{ '8.8.8.8' | ip_in_cidr('10.0.0.0/8') }}", False),
    ("{{ 'web-1' | ip_in_cidr('10.0.0.0/8') }}", False),
    ("{{ '2001:db8::1' | is_ip }}", True),
    ("{{ '999.1.1.1' | is_ip }}", False),
    ("{{ 42 | is_ip }}", False),
    ("{{ '10.0.0.5' | is_private_ip }}", True),
    ("{{ '::ffff:192.168.1.1' | is_private_ip }}", True),
    ("{{ '8.8.8.8' | is_private_ip }}", False),
    ("{{ 'host' | is_private_ip }}", False),
    ("{{ trigger.labels | items }}", [["team", "soc"], ["env", "prod"]]),
    ("{{ trigger.words | join(', ') }}", "b, A, c, a"),
    ("{{ trigger.entities | join('/', attribute='score') }}", "3/1/2"),
    ("{{ [1, none, true] | join(',') }}", "1,null,true"),
    ("{{ trigger.labels | json }}", '{"team": "soc", "env": "prod"}'),
    ("{{ 'é' | json }}", '"é"'),
    ("{{ trigger.labels | keys }}", ["team", "env"]),
    ("{{ trigger.words | last }}", "a"),
    ("{{ trigger.words | length }}", 4),
    ("{{ 'abc' | length }}", 3),
    ("{{ 'ab' | list }}", ["a", "b"]),
    ("{{ trigger.labels | list }}", ["team", "env"]),
    ("{{ 'ABC' | lower }}", "abc"),
    (
        "{{ trigger.entities | map(attribute='address') | list }}",
        ["203.0.113.7", "web-1", "10.0.0.5"],
    ),
    ("{{ trigger.words | map('upper') | list }}", ["B", "A", "C", "A"]),
    ("{{ trigger.numbers | max }}", 3),
    ("{{ trigger.entities | max(attribute='score') | attr('address') }}", "203.0.113.7"),
    ("{{ trigger.numbers | min }}", 1),
    ("{{ '2025-03-01T10:00:00+02:00' | parse_datetime }}", "2025-03-01T08:00:00Z"),
    ("{{ 'Tue, 01 Jul 2025 10:00:00 GMT' | parse_datetime }}", "2025-07-01T10:00:00Z"),
    ("{{ 1700000000 | parse_datetime }}", "2023-11-14T22:13:20Z"),
    ("{{ '01/07/2025 10:00' | parse_datetime('%d/%m/%Y %H:%M') }}", "2025-07-01T10:00:00Z"),
    ("{{ 'hxxps://evil[.]com/a' | refang }}", "https://evil.com/a"),
    ("{{ '1.2.3(.)4 and x[@]y[dot]com' | refang }}", "1.2.3.4 and x@y.com"),
    ("{{ 'Report 2025-07' | regex_match('\\\\d{4}-\\\\d{2}$') }}", True),
    ("{{ 'ABC' | regex_match('^abc$', ignorecase=true) }}", True),
    ("{{ 'abc' | regex_match('^b') }}", False),
    (
        "{{ 'user=alice id=7' | regex_replace('(\\\\w+)=(\\\\w+)', '\\\\2:\\\\1') }}",
        "alice:user 7:id",
    ),
    ("{{ 'a-b-c' | regex_replace('-', '+', 1) }}", "a+b-c"),
    ("{{ trigger.numbers | reject('odd') | list }}", [2]),
    (
        "{{ trigger.entities | rejectattr('kind', 'eq', 'ip') | map(attribute='address') | list }}",
        ["web-1"],
    ),
    ("{{ 'a.b.c' | replace('.', '[.]') }}", "a[.]b[.]c"),
    ("{{ 'aaa' | replace('a', 'b', 2) }}", "bba"),
    ("{{ trigger.numbers | reverse }}", [2, 1, 3]),
    ("{{ 'abc' | reverse }}", "cba"),
    ("{{ 2.567 | round(1) }}", 2.6),
    ("{{ 2.01 | round(0, 'ceil') }}", 3.0),
    ("{{ trigger.numbers | select('odd') | list }}", [3, 1]),
    ("{{ trigger.numbers | select('gt', 1) | list }}", [3, 2]),
    (
        "{{ trigger.entities | selectattr('kind', 'eq', 'ip') | map(attribute='address') | list }}",
        ["203.0.113.7", "10.0.0.5"],
    ),
    ("{{ 'abc' | sha256 }}", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
    ("{{ [1, 2, 3, 4, 5] | slice(2) }}", [[1, 2, 3], [4, 5]]),
    ("{{ trigger.words | sort }}", ["A", "a", "b", "c"]),
    (
        "{{ trigger.entities | sort(attribute='score', reverse=true)"
        " | map(attribute='score') | list }}",
        [3, 2, 1],
    ),
    ("{{ 'a, b,c' | split(',') }}", ["a", " b", "c"]),
    ("{{ ' a  b ' | split }}", ["a", "b"]),
    ("{{ trigger.labels | string }}", '{"team": "soc", "env": "prod"}'),
    ("{{ 'x' | string }}", "x"),
    ("{{ trigger.numbers | sum }}", 6),
    ("{{ trigger.entities | sum(attribute='score') }}", 6),
    ("{{ 'hello world' | title }}", "Hello World"),
    ("{{ [1, 'a'] | tojson }}", '[1, "a"]'),
    ("{{ '  x  ' | trim }}", "x"),
    ("{{ '--x--' | trim('-') }}", "x"),
    ("{{ 'the quick brown fox' | truncate(13) }}", "the quick..."),
    ("{{ 'the quick brown fox' | truncate(12, true) }}", "the quick..."),
    ("{{ 'abcdefghijk' | truncate(8, true, '!') }}", "abcdefg!"),
    ("{{ trigger.words | unique | list }}", ["b", "A", "c"]),
    ("{{ trigger.words | unique(case_sensitive=true) | list }}", ["b", "A", "c", "a"]),
    ("{{ 'abc' | upper }}", "ABC"),
    ("{{ 'a b&c/d' | url_encode }}", "a%20b%26c%2Fd"),
    ("{{ {'q': 'x y', 'n': 1} | url_encode }}", "q=x+y&n=1"),
    ("{{ trigger.labels | values }}", ["soc", "prod"]),
    ("{{ 'one two, three' | wordcount }}", 3),
    ("{{ range(3) }}", [0, 1, 2]),
    ("{{ range(1, 10, 4) }}", [1, 5, 9]),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_function(text: str, expected: Any) -> None:
    assert evaluate(text, SCOPE) == expected


def test_every_function_has_a_test() -> None:
    tested = " ".join(text for text, _ in CASES) + " utcnow() guid()"
    untested = [name for name, *_ in FUNCTIONS if not re.search(rf"\b{name}\b", tested)]
    assert untested == []


UUID4 = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


def test_guid_is_a_new_uuid_at_every_call() -> None:
    first, second = evaluate("{{ [guid(), guid()] }}", {})
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", first
    )
    assert first != second


def test_utcnow_is_the_current_utc_time_as_iso_text() -> None:
    now = evaluate("{{ utcnow() }}", {})
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", now)
    moment = datetime.fromisoformat(now)
    assert abs(moment - datetime.now(UTC)) < timedelta(seconds=5)


@pytest.mark.parametrize(
    ("value", "defanged"),
    [
        ("http://evil.com/a", "hxxp://evil[.]com/a"),
        (
            "https://user@a.b.evil.com:8080/x.y?q=a.b#f.g",
            "hxxps://user@a.b.evil[.]com:8080/x.y?q=a.b#f.g",
        ),
        ("ftp://files.example.net/", "fxp://files.example[.]net/"),
        ("1.2.3.4", "1.2.3[.]4"),
        ("1.2.3.4:443", "1.2.3[.]4:443"),
        ("evil.com/login", "evil[.]com/login"),
        ("ceo@corp.com", "ceo@corp[.]com"),
        ("2001:db8::1", "2001:db8::1"),
        ("localhost", "localhost"),
    ],
)
def test_defang_and_refang_are_inverse(value: str, defanged: str) -> None:
    assert evaluate("{{ trigger | defang }}", {"trigger": value}) == defanged
    assert evaluate("{{ trigger | refang }}", {"trigger": defanged}) == value
    assert evaluate("{{ trigger | defang | defang }}", {"trigger": value}) == defanged


@pytest.mark.parametrize(
    "text",
    [
        "{{ 'x' | from_json }}",
        "{{ '%%%' | base64_decode }}",
        "{{ '//8=' | base64_decode }}",
        "{{ 'x' | add_duration('PT1H') }}",
        "{{ '2025-01-01' | add_duration('1 hour') }}",
        "{{ '9999-12-31T00:00:00Z' | add_duration('P1D') }}",
        "{{ '2025-01-01' | format_datetime('%c') }}",
        "{{ '2025-01-01' | format_datetime('%-d') }}",
        "{{ '2025-01-01' | format_datetime('%') }}",
        "{{ 'yesterday' | parse_datetime }}",
        "{{ '1.2.3.4' | ip_in_cidr('not a network') }}",
        "{{ 'a' | regex_match('(') }}",
        "{{ 'a' | regex_match('(?x)a') }}",
        "{{ 'a' | regex_match('a{30000}') }}",
        "{{ 'a' | regex_match('(?:(?:a{30}){30}){30}') }}",
        "{{ 'a' | regex_match('(?#(()a{200}){200}') }}",
        "{{ 'a' | regex_match('[[:alpha:](]a{200}){200}') }}",
        "{{ 'a' | regex_match('x' * 3000) }}",
        "{{ 1 | keys }}",
        "{{ [1] | batch(0) }}",
        "{{ [1] | slice(10001) }}",
        "{{ 1.5 | round(21) }}",
        "{{ ['a'] | sum }}",
        "{{ [[1]] | sum(start=[]) }}",
        "{{ range(10001) }}",
        "{{ 3 is divisibleby 0 }}",
    ],
)
def test_bad_arguments_fail_as_expression_errors(text: str) -> None:
    with pytest.raises(ExpressionError):
        evaluate(text, SCOPE)


def test_nested_counted_repeats_within_the_limit_compile() -> None:
    text = "{{ ('ab' * 50) | regex_match('^(?:(?:ab){5}){10}$') }}"
    assert evaluate(text, SCOPE) is True


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{ trigger.nothing is none }}", True),
        ("{{ 3 is odd and 4 is even and 9 is divisibleby 3 }}", True),
        ("{{ 'abc' is lower and 'ABC' is upper and 'aBc' is not lower }}", True),
        ("{{ '%d' is odd or '%d' is even }}", False),
        ("{{ 3 is number and 'a' is string and {} is mapping and [] is sequence }}", True),
        ("{{ true is boolean and 1 is integer and 1.5 is float and true is true }}", True),
        ("{{ false is false and trigger.x is undefined and trigger is defined }}", True),
        ("{{ 1 is eq 1 and 1 is ne 2 and 1 is lt 2 and 1 is le 1 and 2 is gt 1 }}", True),
        ("{{ 2 is ge 2 and 'a' is in 'abc' }}", True),
    ],
)
def test_tests(text: str, expected: Any) -> None:
    assert evaluate(text, SCOPE) == expected


def test_the_environment_holds_exactly_the_listed_functions() -> None:
    filters = {name for name, kind, *_ in FUNCTIONS if kind == "filter"}
    globals_ = {name for name, kind, *_ in FUNCTIONS if kind == "global"}
    assert set(ENV.filters) == filters
    assert set(ENV.globals) == globals_
    assert set(ENV.tests) == set(TESTS)
    assert len({(name, kind) for name, kind, *_ in FUNCTIONS}) == len(FUNCTIONS)


def test_the_docs_table_is_generated_from_functions() -> None:
    docs = DOCS.read_text(encoding="utf-8")
    start, end = "<!-- functions:start -->\n", "\n<!-- functions:end -->"
    shown = docs[docs.index(start) + len(start) : docs.index(end)]
    assert shown == function_table(), (
        "docs/expressions.md is out of date: paste soarflow.expressions.functions.function_table()"
        " between the functions markers"
    )


def test_the_docs_name_every_test() -> None:
    docs = DOCS.read_text(encoding="utf-8")
    assert [name for name in TESTS if f"`{name}`" not in docs] == []
