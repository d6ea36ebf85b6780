"""Payloads that escaped other template engines: each fails cleanly, quickly, without a trace.

Every payload must end in ExpressionError (expression_error) or ExpressionSyntaxError
(bad_expression), from parse() or evaluate(), within a second. The bound is a safety property
of the sandbox, not a benchmark: the caps stop these expressions long before it.
"""

from __future__ import annotations

import string
from pathlib import Path
from time import process_time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soarflow.expressions import ExpressionError, evaluate, parse

SAFETY_BOUND_SECONDS = 1.0
MARKER = "{marker}"  # replaced by a file path the payload tries to create


def hostile_scope(marker: Path) -> dict[str, Any]:
    return {
        "trigger": {
            "name": "__class__",
            "fmt": "%0999999999d",
            "command": f"touch {marker}",
            "text": "y" * 600_000,
            "numbers": list(range(200_000)),
            "entities": [{"kind": "ip", "address": "1.2.3.4"}],
        },
        "steps": {},
        "item": {},
        "index": 0,
        "items": {},
        "vars": {},
        "run": {"id": "r"},
        "playbook": {"id": "p", "name": "n"},
    }


ESCAPES = [
    # Python object graph
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ ''['__class__'] }}",
    "{{ trigger.__class__ }}",
    "{{ trigger['__class__'] }}",
    "{{ trigger[trigger.name] }}",
    "{{ trigger.entities[0][trigger.name] }}",
    "{{ trigger.__class__.__base__.__subclasses__()[137].__init__.__globals__ }}",
    "{{ ().__class__.__bases__[0].__subclasses__() }}",
    "{{ [].__class__.__mro__ }}",
    "{{ trigger.items() }}",
    "{{ trigger.keys }}",
    "{{ 'x'.upper() }}",
    "{{ 'x'.join }}",
    "{{ [].append(1) }}",
    "{{ trigger.entities.pop() }}",
    "{{ trigger.update({'a': 1}) }}",
    # Jinja globals and framework objects
    "{{ self }}",
    "{{ self.__init__.__globals__ }}",
    "{{ self._TemplateReference__context.cycler.__init__.__globals__.os.popen('touch {marker}') }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ cycler.__init__.__globals__.os.popen('touch {marker}').read() }}",
    "{{ lipsum.__globals__ }}",
    "{{ lipsum.__globals__['os'].popen('touch {marker}').read() }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ namespace.__init__.__globals__.os.system('touch {marker}') }}",
    "{{ joiner() }}",
    "{{ joiner.__init__.__globals__ }}",
    "{{ dict(a=1) }}",
    "{{ config }}",
    "{{ config.__class__.__init__.__globals__['os'].popen('touch {marker}').read() }}",
    "{{ request }}",
    "{{ request.application.__globals__.__builtins__.__import__('os').popen('id').read() }}",
    "{{ loop }}",
    "{{ caller }}",
    "{{ varargs }}",
    "{{ kwargs }}",
    "{{ x }}",
    "{{ os }}",
    "{{ __builtins__ }}",
    "{{ range.__globals__ }}",
    "{{ range.__self__ }}",
    "{{ coalesce.__globals__['os'] }}",
    "{{ utcnow.__code__ }}",
    "{{ range }}",
    # attr() and lookups with computed names
    "{{ ()|attr('\\x5f\\x5fclass\\x5f\\x5f') }}",
    "{{ ()|attr('\\x5f\\x5fclass\\x5f\\x5f')|attr('\\x5f\\x5fbase\\x5f\\x5f')"
    "|attr('\\x5f\\x5fsubclasses\\x5f\\x5f')() }}",
    "{{ ''|attr('__cla'~'ss__') }}",
    "{{ ''|attr('__cla' + 'ss__') }}",
    "{{ trigger|attr(trigger.name) }}",
    "{{ trigger|attr('_' ~ '_class__')|attr('_' ~ '_init__') }}",
    "{{ trigger[('_' * 2) ~ 'class' ~ ('_' * 2)] }}",
    "{{ trigger.entities|map(attribute='__class__')|list }}",
    "{{ trigger.entities|map(attribute='0.__class__')|list }}",
    "{{ trigger.entities|selectattr('__class__')|list }}",
    "{{ trigger.entities|sort(attribute='__class__') }}",
    "{{ trigger.entities|groupby('__class__') }}",
    "{{ trigger.entities|map('__class__')|list }}",
    "{{ trigger.entities|select('__class__')|list }}",
    "{{ trigger.entities|map('attr', '__class__')|list }}",
    # format strings
    "{{ '{0.__class__}'.format(1) }}",
    "{{ '{0.__class__.__init__.__globals__}'.format(trigger) }}",
    "{{ '%s'|format(trigger) }}",
    "{{ '%(a)s' % trigger }}",
    "{{ '%0999999999d' % 1 }}",
    "{{ trigger.fmt % 1 }}",
    "{{ [trigger.fmt]|select('odd')|list|length > 0 and x }}",
    "{{ trigger.fmt is divisibleby 1 }}",
    "{{ '2025-01-01'|format_datetime('%999999999Y') }}",
    "{{ '2025-01-01'|format_datetime(trigger.fmt) }}",
    "{{ 'x'|center(999999999) }}",
    "{{ 'x'|indent(999999999) }}",
    "{{ 'x'|wordwrap(999999999) }}",
    "{{ trigger|pprint }}",
    "{{ 5|random }}",
    "{{ 'x'|safe }}",
    "{{ 'a'|xmlattr }}",
    "{{ 'http://x'|urlize }}",
    # resources
    "{{ 2**(2**31) }}",
    "{{ 9**(9**9) }}",
    "{{ 10.0**400 }}",
    "{{ (2**5000) * (2**6000) }}",
    "{{ 'x' * 10**10 }}",
    "{{ 10**10 * 'x' }}",
    "{{ [1] * 10**9 }}",
    "{{ [[1] * 1000] * 1000000 }}",
    "{{ range(10**10)|list }}",
    "{{ range(10**100) }}",
    "{{ range(10001) }}",
    "{{ " + " ~ ".join(["('x' * 1000000)"] * 300) + " }}",
    "{{ [" + ", ".join(["('x' * 1000000)"] * 300) + "]|length }}",
    "{{ coalesce(" + ", ".join(["'x' * 1000000"] * 300) + ") }}",
    "{{ ('x' * 600000) + ('x' * 600000) }}",
    "{{ 'a'|replace('a', 'a' * 1000000)|replace('a', 'a' * 1000000) }}",
    "{{ ('a' * 1000)|replace('', 'b' * 1000) }}",
    "{{ trigger.text|regex_replace('', 'zz') }}",
    "{{ 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!'|regex_match('(a|aa)+$') }}",
    "{{ 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!'|regex_match('(a|a)+$') }}",
    "{{ 'a'|regex_match('a{4294967294}') }}",
    "{{ 'a'|regex_match('(a{1000}){1000}') }}",
    "{{ 'a'|regex_match('(?x)((a{1000}#)\\n){1000})') }}",
    "{{ [1]|batch(10**9, 0) }}",
    "{{ [1]|slice(10**9) }}",
    "{{ 1.5|round(10**9, 'ceil') }}",
    "{{ [[1] * 1000] * 1000|sum(start=[]) }}",
    "{{ trigger.text|join(trigger.text) }}",
    "{{ [trigger.text, trigger.text]|join }}",
    "{{ [trigger.text, trigger.text]|string }}",
    "{{ [trigger.text, trigger.text]|json }}",
    "{{ [" + ", ".join(["trigger.numbers[:]"] * 400) + "]|length }}",
    "{{ [" + ", ".join(["trigger.numbers|sort"] * 400) + "]|length }}",
    "{{ [" + ", ".join(["trigger.text|upper"] * 400) + "]|length }}",
    "{{ ('[' * 100000)|from_json }}",
    "{{ trigger.text|from_json }}",
    "{{trigger.text}}" * 500,
    "{{ trigger.numbers|list|string }}",
    # syntax and nesting
    "[" * 10000,
    "{{ " + "[" * 10000,
    "{{ " + "[" * 8000 + " }}",
    "{{" + "(" * 5000 + "1" + ")" * 5000 + "}}",
    "{{" + "(" * 4000 + "1" + ")" * 4000 + "}}",
    "{{ " + "not " * 2000 + "1 }}",
    "{{ " + "-" * 8000 + "1 }}",
    "{{ 1" + "|abs" * 2000 + " }}",
    "{{ 1" + " + 1" * 2000 + " }}",
    "{{ trigger" + ".a" * 2000 + " }}",
    "{{ " + "9" * 5000 + " }}",
    "{{ 1 }}" + "x" * 9000,
    "{% for i in range(10) %}x{% endfor %}",
    "{% raw %}{{ x }}{% endraw %}",
    "{# comment #}{{ trigger }}",
    "{% set x = cycler %}{{ x }}",
    "{% macro m() %}{% endmacro %}{{ trigger }}",
    "{% include 'x' %}",
    "{% import 'os' as os %}{{ trigger }}",
    "{{ trigger }",
    "{{ }}",
]

BOUNDED = [
    "{{ 2**2**31 }}",  # Jinja's ** is left-associative: (2**2)**31
    "{{ 9**9**9 }}",
    "{{ 10**10**10 }}",
    "{{ range(10**6)|list|length }}",
    "{{ range(10000)|list|length }}",
    "{{ 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!'|regex_match('(a+)+$') }}",
    "{{ trigger|dictsort|length }}",
    "{{ trigger.numbers|sort|length }}",
    "{{ trigger.numbers|sum }}",
    "{{ trigger.text|length }}",
    "{{ ('x' * 1000000)|length }}",
    "{{ " + " ~ ".join(["'x'"] * 2000) + " }}",
]


def attempt(text: str, scope: dict[str, Any]) -> tuple[Any, float]:
    """The result, or the ExpressionError raised, and the processor time it took: the bound is
    about the work an expression can cause, which other processes on a busy machine do not
    change (wall time does)."""
    started = process_time()
    try:
        parse(text)
        result: Any = evaluate(text, scope)
    except ExpressionError as error:
        result = error
    return result, process_time() - started


@pytest.mark.parametrize("payload", ESCAPES)
def test_escape_fails_cleanly_quickly_and_without_a_trace(payload: str, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = payload.replace(MARKER, str(marker))
    result, seconds = attempt(text, hostile_scope(marker))
    assert isinstance(result, ExpressionError), f"{payload[:80]!r} gave {str(result)[:80]!r}"
    assert result.code in {"expression_error", "bad_expression"}
    assert seconds < SAFETY_BOUND_SECONDS, f"{payload[:80]!r} took {seconds:.2f} s"
    assert not marker.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("payload", BOUNDED)
def test_heavy_but_bounded_expressions_finish_quickly(payload: str, tmp_path: Path) -> None:
    _, seconds = attempt(payload, hostile_scope(tmp_path / "pwned"))
    assert seconds < SAFETY_BOUND_SECONDS, f"{payload[:80]!r} took {seconds:.2f} s"


def test_the_catastrophic_pattern_times_out() -> None:
    text = "{{ ('a' * 40 ~ '!')|regex_match('(a|aa)+$') }}"
    with pytest.raises(ExpressionError, match="timed out"):
        evaluate(text, {})


def test_the_errors_name_the_refused_thing() -> None:
    with pytest.raises(ExpressionError, match="'__class__' is refused"):
        evaluate("{{ trigger[trigger.name] }}", hostile_scope(Path("unused")))
    with pytest.raises(ExpressionError, match="unknown name 'cycler'"):
        evaluate("{{ cycler }}", {})
    with pytest.raises(ExpressionError, match=r"\{% %\} statements"):
        evaluate("{% raw %}{{ x }}{% endraw %}", {})


FRAGMENTS = st.sampled_from(
    [
        "{{",
        "}}",
        "{%",
        "%}",
        "{#",
        "#}",
        " ",
        "trigger",
        "steps",
        "item",
        "self",
        "cycler",
        ".",
        "[",
        "]",
        "(",
        ")",
        "'",
        '"',
        "|",
        "~",
        "+",
        "*",
        "**",
        "%",
        "-",
        "/",
        "//",
        ",",
        ":",
        "=",
        "==",
        "is",
        "not",
        "in",
        "and",
        "or",
        "if",
        "else",
        "0",
        "9",
        "1e9",
        "10**9",
        "__class__",
        "_x",
        "attr",
        "map",
        "join",
        "replace",
        "regex_match",
        "range",
        "default",
        "from_json",
        "format",
        "upper",
        "list",
        "length",
        "a{99}",
        "(a+)+",
        "x",
    ]
)
PRINTABLE = st.text(alphabet=string.printable, max_size=4)
EXPRESSION_TEXTS = st.lists(FRAGMENTS | PRINTABLE, max_size=24).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=EXPRESSION_TEXTS, prefix=PRINTABLE)
def test_random_expressions_raise_nothing_but_expression_errors(body: str, prefix: str) -> None:
    text = prefix + "{{ " + body + " }}"
    scope = {"trigger": {"a": [1, "x", None], "b": {"c": 2}}, "item": "i", "index": 1}
    try:
        parse(text)
        evaluate(text, scope)
    except ExpressionError:
        pass
