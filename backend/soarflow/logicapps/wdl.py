"""Logic Apps' Workflow Definition Language expressions, parsed and written as soarflow
expressions. A JSON string in a workflow is a literal, a whole expression (`@body('X')?['id']`,
typed) or a text with `@{...}` parts; the same three forms come out as a literal, `{{ e }}` and
a text with `{{ }}` parts.

References to the workflow (the trigger's body, another action's body, a loop's item, a
variable) are resolved by a `Scope` the workflow importer provides, since only it knows what the
names stand for in the imported playbook. What has no soarflow counterpart raises `Unmapped`,
never a guess."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

MAX_DEPTH = 64


class Unmapped(Exception):
    """Part of a workflow that soarflow cannot express; the message says what and why."""


class WdlSyntaxError(Unmapped):
    """Text that is not a WDL expression (a real template's defect)."""


# -- parsing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Literal:
    value: Any


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Access:
    target: Node
    key: Node


Node = Literal | Call | Access

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>-?\d+(?:\.\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<punct>\?\[|\?\.|[()\[\],.]))"
)


def _tokens(text: str) -> list[tuple[str, str]]:
    found, at = [], 0
    while at < len(text):
        if text[at:].strip() == "":
            break
        match = _TOKEN.match(text, at)
        if match is None:
            raise WdlSyntaxError(f"cannot read {text[at : at + 20]!r} in {text[:80]!r}")
        kind = match.lastgroup
        assert kind is not None
        found.append((kind, match.group(kind)))
        at = match.end()
    return found


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.at = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, value: str | None = None) -> tuple[str, str]:
        token = self.peek()
        if token is None or (value is not None and token[1] != value):
            raise WdlSyntaxError(f"expected {value or 'more'} in {self.text[:80]!r}")
        self.at += 1
        return token

    def parse(self) -> Node:
        node = self.expression(0)
        if self.peek() is not None:
            raise WdlSyntaxError(f"unexpected {self.peek()[1]!r} in {self.text[:80]!r}")  # type: ignore[index]
        return node

    def expression(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise WdlSyntaxError("the expression is nested too deeply")
        node = self.primary(depth)
        while (token := self.peek()) is not None and token[1] in ("[", "?[", ".", "?."):
            self.at += 1
            if token[1] in ("[", "?["):
                key = self.expression(depth + 1)
                self.take("]")
            else:
                key = Literal(self.take()[1])
            node = Access(node, key)
        return node

    def primary(self, depth: int) -> Node:
        kind, value = self.take()
        if kind == "string":
            return Literal(value[1:-1].replace("''", "'"))
        if kind == "number":
            return Literal(float(value) if "." in value else int(value))
        if kind == "name":
            if value in ("true", "false"):
                return Literal(value == "true")
            if value == "null":
                return Literal(None)
            self.take("(")
            args: list[Node] = []
            if self.peek() != ("punct", ")"):
                args.append(self.expression(depth + 1))
                while self.peek() == ("punct", ","):
                    self.at += 1
                    args.append(self.expression(depth + 1))
            self.take(")")
            return Call(value.lower(), tuple(args))
        raise WdlSyntaxError(f"unexpected {value!r} in {self.text[:80]!r}")


def parse(text: str) -> Node:
    return _Parser(text).parse()


# -- the forms a JSON string takes -------------------------------------------------------------

_INTERPOLATION = re.compile(r"@\{")


def is_expression(value: Any) -> bool:
    return isinstance(value, str) and value.startswith("@") and not value.startswith("@@")


def split_template(text: str) -> list[str | Node]:
    """A text's literal parts and the expressions of its `@{...}` parts."""
    if text.startswith("@@"):
        return [text[1:]]
    if text.startswith("@") and not text.startswith("@{"):
        return [parse(text[1:])]
    parts: list[str | Node] = []
    at = 0
    while (match := _INTERPOLATION.search(text, at)) is not None:
        if match.start() > at:
            parts.append(text[at : match.start()])
        end = _closing_brace(text, match.end())
        parts.append(parse(text[match.end() : end]))
        at = end + 1
    if at < len(text):
        parts.append(text[at:])
    return parts


def _closing_brace(text: str, start: int) -> int:
    """Where the `}` that ends an `@{` part is: braces inside quoted strings do not count."""
    quoted = False
    for index in range(start, len(text)):
        char = text[index]
        if char == "'":
            quoted = not quoted
        elif char == "}" and not quoted:
            return index
    raise WdlSyntaxError(f"an @{{ part is not closed in {text[:80]!r}")


# -- ARM template expressions -----------------------------------------------------------------

# The deployment's own values, which Azure fills in when it deploys the template: each becomes a
# workflow parameter (a playbook variable the admin sets).
DEPLOYMENT_VALUES = {
    ("subscription", "subscriptionId"): "azure_subscription_id",
    ("subscription", "tenantId"): "azure_tenant_id",
    ("resourcegroup", "name"): "azure_resource_group",
    ("resourcegroup", "location"): "azure_location",
}
_MARK = "\x00"


def is_arm_expression(value: Any) -> bool:
    """`[concat(...)]`, which Azure evaluates when it deploys the template (`[[` escapes)."""
    return (
        isinstance(value, str)
        and value.startswith("[")
        and value.endswith("]")
        and not value.startswith("[[")
    )


def deployed(text: str) -> str:
    """The workflow text an ARM template string deploys as. Template parameters and deployment
    values stay open as workflow parameters: `[concat('/groups/@{encodeURIComponent(''',
    parameters('GroupId'), ''')}')]` is `/groups/@{encodeURIComponent(parameters('GroupId'))}`.
    Any other string is returned as it is, `[[` unescaped."""
    if text.startswith("[["):
        return text[1:]
    if not is_arm_expression(text):
        return text
    pieces = _arm_pieces(parse(text[1:-1]))
    if len(pieces) == 1 and isinstance(pieces[0], _ArmParameter):
        return f"@parameters({_wdl_string(pieces[0].name)})"
    joined = "".join(
        piece if isinstance(piece, str) else f"{_MARK}{index}{_MARK}"
        for index, piece in enumerate(pieces)
    )
    for index, piece in enumerate(pieces):
        if isinstance(piece, _ArmParameter):
            reference = f"parameters({_wdl_string(piece.name)})"
            # Pasted inside a quoted WDL string it is that string; elsewhere a text part.
            joined = joined.replace(f"'{_MARK}{index}{_MARK}'", reference)
            joined = joined.replace(f"{_MARK}{index}{_MARK}", "@{" + reference + "}")
    return joined


@dataclass(frozen=True)
class _ArmParameter:
    name: str


def _arm_pieces(node: Node) -> list[str | _ArmParameter]:
    if isinstance(node, Literal) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, Call) and node.name == "concat":
        return [piece for arg in node.args for piece in _arm_pieces(arg)]
    if isinstance(node, Call) and node.name == "parameters" and len(node.args) == 1:
        name = node.args[0]
        if isinstance(name, Literal) and isinstance(name.value, str):
            return [_ArmParameter(name.value)]
    if isinstance(node, Access) and isinstance(node.target, Call) and not node.target.args:
        key = node.key.value if isinstance(node.key, Literal) else None
        deployment = DEPLOYMENT_VALUES.get((node.target.name, str(key)))
        if deployment is not None:
            return [_ArmParameter(deployment)]
    raise Unmapped(f"the ARM template's {_arm_shown(node)} (Azure evaluates it at deployment)")


def _arm_shown(node: Node) -> str:
    if isinstance(node, Call):
        return f"{node.name}()"
    if isinstance(node, Access) and isinstance(node.key, Literal):
        return f"{_arm_shown(node.target)}.{node.key.value}"
    return "value"


def _wdl_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# -- writing soarflow expressions --------------------------------------------------------------


class Scope(Protocol):
    """What the names of a workflow stand for in the imported playbook: each returns a soarflow
    expression for the reference with its property path (already written keys), or raises
    Unmapped."""

    def trigger(self, path: Sequence[Any]) -> str: ...

    def action(self, name: str, path: Sequence[Any], whole: bool) -> str: ...

    def item(self, loop: str | None, path: Sequence[Any]) -> str: ...

    def variable(self, name: str, path: Sequence[Any]) -> str: ...

    def parameter(self, name: str, path: Sequence[Any]) -> str: ...

    def workflow(self, path: Sequence[Any]) -> str: ...


def only_expression(value: Any) -> str | None:
    """The expression of a written value that is one `{{ e }}` and nothing else."""
    text = value if isinstance(value, str) else ""
    if text.startswith("{{ ") and text.endswith(" }}") and text.count("{{") == 1:
        return text[3:-3]
    return None


def as_expression(value: Any) -> str:
    """A written value as an expression: its `{{ e }}`, or the value as a literal."""
    expression = only_expression(value)
    return literal(value) if expression is None else expression


def literal(value: Any) -> str:
    """A JSON value as a soarflow expression literal."""
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(literal(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{literal(str(k))}: {literal(v)}" for k, v in value.items()) + "}"
    raise Unmapped(f"a {type(value).__name__} value")


_FORMATS = [  # .NET date format pieces and their strftime directives, longest first
    ("yyyy", "%Y"),
    ("MMMM", "%B"),
    ("MMM", "%b"),
    ("MM", "%m"),
    ("dddd", "%A"),
    ("ddd", "%a"),
    ("dd", "%d"),
    ("HH", "%H"),
    ("hh", "%I"),
    ("mm", "%M"),
    ("ss", "%S"),
    ("fff", "%f"),
    ("tt", "%p"),
    ("yy", "%y"),
]
_SPECIFIERS = frozenset("dfFghHKmMstyz")
_STANDARD_FORMATS = {
    "o": "%Y-%m-%dT%H:%M:%S.%fZ",
    "s": "%Y-%m-%dT%H:%M:%S",
    "u": "%Y-%m-%d %H:%M:%SZ",
}


def strftime_format(dotnet: str) -> str:
    if dotnet in _STANDARD_FORMATS:
        return _STANDARD_FORMATS[dotnet]
    out, at = "", 0
    while at < len(dotnet):
        for piece, directive in _FORMATS:
            if dotnet.startswith(piece, at):
                out += directive
                at += len(piece)
                break
        else:
            char = dotnet[at]
            # .NET copies other letters as they are (the T between date and time).
            if char in _SPECIFIERS:
                raise Unmapped(f"the date format {dotnet!r} ({char!r} has no counterpart)")
            out += "%%" if char == "%" else char
            at += 1
    return out


@dataclass
class Writer:
    scope: Scope
    # Functions seen that have no counterpart, for the report.
    unmapped: list[str] = field(default_factory=list)

    def expression(self, node: Node) -> str:
        if isinstance(node, Literal):
            return literal(node.value)
        root, path = _unwind(node)
        if isinstance(root, Call) and root.name in REFERENCES:
            keys = [self._key(key) for key in path]
            return REFERENCES[root.name](self, root.args, keys)
        if path:
            text = self.expression(root)
            return text + "".join(f"[{self.expression(key)}]" for key in path)
        assert isinstance(root, Call)
        function = FUNCTIONS.get(root.name)
        if function is None:
            raise Unmapped(f"the function {root.name}()")
        return function(self, [self.expression(arg) for arg in root.args], root.args)

    def _key(self, key: Node) -> Any:
        if isinstance(key, Literal):
            return key.value
        raise Unmapped("a property chosen by an expression")

    def text(self, template: str) -> Any:
        """A workflow JSON string as a playbook value: a literal, `{{ e }}` or a text."""
        return self.parts(split_template(deployed(template)))

    def parts(self, parts: Sequence[str | Node]) -> Any:
        """A text's literal parts and expressions (as split_template gives them) as a
        playbook value: a literal, `{{ e }}` or a text."""
        if len(parts) == 1 and not isinstance(parts[0], str):
            return "{{ " + self.expression(parts[0]) + " }}"
        out = ""
        for part in parts:
            if isinstance(part, str):
                out += part.replace("{{", "{{ '{{' }}")
            else:
                out += "{{ " + self.expression(part) + " }}"
        return out

    def value(self, raw: Any) -> Any:
        """Any workflow JSON value with its strings written as playbook values."""
        if isinstance(raw, str):
            return self.text(raw)
        if isinstance(raw, list):
            return [self.value(item) for item in raw]
        if isinstance(raw, dict):
            return {key: self.value(item) for key, item in raw.items()}
        return raw


def _unwind(node: Node) -> tuple[Node, list[Node]]:
    path: list[Node] = []
    while isinstance(node, Access):
        path.append(node.key)
        node = node.target
    return node, path[::-1]


def _name_arg(args: Sequence[Node], function: str) -> str:
    if len(args) != 1 or not isinstance(args[0], Literal) or not isinstance(args[0].value, str):
        raise Unmapped(f"{function}() with a name that is not a plain text")
    return args[0].value


def _optional_name(args: Sequence[Node], function: str) -> str | None:
    return None if not args else _name_arg(args, function)


Reference = Callable[[Writer, Sequence[Node], list[Any]], str]

REFERENCES: dict[str, Reference] = {
    "triggerbody": lambda w, args, path: w.scope.trigger(path),
    "triggeroutputs": lambda w, args, path: w.scope.trigger(_without_body(path)),
    "body": lambda w, args, path: w.scope.action(_name_arg(args, "body"), path, whole=False),
    "outputs": lambda w, args, path: w.scope.action(
        _name_arg(args, "outputs"), _without_body(path), whole=True
    ),
    "items": lambda w, args, path: w.scope.item(_name_arg(args, "items"), path),
    "item": lambda w, args, path: w.scope.item(None, path),
    "variables": lambda w, args, path: w.scope.variable(_name_arg(args, "variables"), path),
    "parameters": lambda w, args, path: w.scope.parameter(_name_arg(args, "parameters"), path),
    "workflow": lambda w, args, path: w.scope.workflow(path),
}


def _without_body(path: list[Any]) -> list[Any]:
    """`outputs('X')['body']` is X's body, as soarflow's step output is."""
    return path[1:] if path[:1] == ["body"] else path


Function = Callable[[Writer, list[str], Sequence[Node]], str]


def _filter(name: str, *, arity: tuple[int, ...] = (1,)) -> Function:
    def write(_w: Writer, args: list[str], _nodes: Sequence[Node]) -> str:
        if len(args) not in arity:
            raise Unmapped(f"{name} with {len(args)} arguments")
        rest = f"({', '.join(args[1:])})" if len(args) > 1 else ""
        return f"({args[0]} | {name}{rest})"

    return write


def _infix(operator: str) -> Function:
    def write(_w: Writer, args: list[str], _nodes: Sequence[Node]) -> str:
        if len(args) < 2:
            raise Unmapped(f"{operator} with fewer than two values")
        return "(" + f" {operator} ".join(args) + ")"

    return write


def _add_days(unit: str) -> Function:
    def write(_w: Writer, args: list[str], nodes: Sequence[Node]) -> str:
        amount = nodes[1] if len(nodes) > 1 else None
        if not isinstance(amount, Literal) or not isinstance(amount.value, int):
            raise Unmapped(f"add{unit}() with an amount that is not a plain number")
        sign, count = ("-" if amount.value < 0 else ""), abs(amount.value)
        duration = f"{sign}P{count}D" if unit == "Days" else f"{sign}PT{count}{unit[0]}"
        shifted = f"({args[0]} | add_duration('{duration}'))"
        return _formatted(shifted, nodes[2:3])

    return write


def _formatted(value: str, format_nodes: Sequence[Node]) -> str:
    if not format_nodes:
        return value
    fmt = format_nodes[0]
    if not isinstance(fmt, Literal) or not isinstance(fmt.value, str):
        raise Unmapped("a date format that is not a plain text")
    return f"({value} | format_datetime({literal(strftime_format(fmt.value))}))"


def _utcnow(_w: Writer, _args: list[str], nodes: Sequence[Node]) -> str:
    return _formatted("utcnow()", nodes[:1])


def _format_datetime(_w: Writer, args: list[str], nodes: Sequence[Node]) -> str:
    return _formatted(f"({args[0]} | parse_datetime)", nodes[1:2] or [Literal("o")])


def _empty(_w: Writer, args: list[str], _n: Sequence[Node]) -> str:
    return f"(({args[0]} | length) == 0)"


def _contains(_w: Writer, args: list[str], _n: Sequence[Node]) -> str:
    return f"({args[1]} in {args[0]})"


def _if(_w: Writer, args: list[str], _n: Sequence[Node]) -> str:
    return f"({args[1]} if {args[0]} else {args[2]})"


def _not(_w: Writer, args: list[str], _n: Sequence[Node]) -> str:
    return f"(not {args[0]})"


def _substring(_w: Writer, args: list[str], _n: Sequence[Node]) -> str:
    if len(args) == 2:
        return f"({args[0]})[{args[1]}:]"
    return f"({args[0]})[{args[1]}:({args[1]} + {args[2]})]"


def _starts_with(_w: Writer, args: list[str], _n: Sequence[Node]) -> str:
    return f"(({args[0]})[:({args[1]} | length)] == {args[1]})"


def _ends_with(_w: Writer, args: list[str], _n: Sequence[Node]) -> str:
    return f"(({args[1]} | length) == 0 or ({args[0]})[-({args[1]} | length):] == {args[1]})"


def _union(_w: Writer, args: list[str], _n: Sequence[Node]) -> str:
    return "((" + " + ".join(args) + ") | unique | list)"


def _create_array(_w: Writer, args: list[str], _n: Sequence[Node]) -> str:
    return "[" + ", ".join(args) + "]"


def _coalesce(_w: Writer, args: list[str], _n: Sequence[Node]) -> str:
    return "coalesce(" + ", ".join(args) + ")"


def _div(_w: Writer, args: list[str], _n: Sequence[Node]) -> str:
    return f"({args[0]} // {args[1]})"


FUNCTIONS: dict[str, Function] = {
    "concat": _infix("~"),
    "split": _filter("split", arity=(2,)),
    "join": _filter("join", arity=(2,)),
    "first": _filter("first"),
    "last": _filter("last"),
    "length": _filter("length"),
    "tolower": _filter("lower"),
    "toupper": _filter("upper"),
    "trim": _filter("trim"),
    "replace": _filter("replace", arity=(3,)),
    "encodeuricomponent": _filter("url_encode"),
    "uricomponent": _filter("url_encode"),
    "json": _filter("from_json"),
    "string": _filter("string"),
    "int": _filter("int"),
    "float": _filter("float"),
    "base64": _filter("base64_encode"),
    "base64tostring": _filter("base64_decode"),
    "utcnow": _utcnow,
    "guid": lambda _w, _args, _n: "guid()",
    "setproperty": _filter("set_field", arity=(3,)),
    "adddays": _add_days("Days"),
    "addhours": _add_days("Hours"),
    "addminutes": _add_days("Minutes"),
    "formatdatetime": _format_datetime,
    "coalesce": _coalesce,
    "equals": _infix("=="),
    "and": _infix("and"),
    "or": _infix("or"),
    "not": _not,
    "greater": _infix(">"),
    "greaterorequals": _infix(">="),
    "less": _infix("<"),
    "lessorequals": _infix("<="),
    "add": _infix("+"),
    "sub": _infix("-"),
    "mul": _infix("*"),
    "div": _div,
    "mod": _infix("%"),
    "contains": _contains,
    "empty": _empty,
    "if": _if,
    "substring": _substring,
    "startswith": _starts_with,
    "endswith": _ends_with,
    "union": _union,
    "createarray": _create_array,
}
