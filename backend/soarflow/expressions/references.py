"""What an expression refers to, read from Jinja's syntax tree (never with regular expressions)."""

from __future__ import annotations

from collections.abc import Iterator

from jinja2 import nodes

Reference = tuple[str | int, ...]


def references(template: nodes.Node) -> list[Reference]:
    """Every data path the expression reads, e.g. ("steps", "vt", "output", "data").

    A path stops where a key is computed (`steps[name]` gives ("steps",)); the computed key's own
    references are listed too. Filter arguments count: `map(attribute='x')` reads no path, but
    `default(trigger.y)` reads ("trigger", "y")."""
    return list(dict.fromkeys(_walk(template)))


def _walk(node: nodes.Node) -> Iterator[Reference]:
    if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name):
        # A called name is a function (parse() allows only whitelisted ones), not data.
        for argument in node.iter_child_nodes(exclude=("node",)):
            yield from _walk(argument)
        return
    chain = _constant_chain(node)
    if chain is not None:
        root, keys, rest = chain
        yield (root, *keys)
        for computed in rest:
            yield from _walk(computed)
        return
    for child in node.iter_child_nodes():
        yield from _walk(child)


def _constant_chain(node: nodes.Node) -> tuple[str, list[str | int], list[nodes.Node]] | None:
    """For a chain of .attr and [constant] lookups that starts at a name: the name, the keys in
    order, and the computed subscripts met on the way (after which the keys stop)."""
    keys: list[str | int] = []
    computed: list[nodes.Node] = []
    current = node
    while isinstance(current, nodes.Getattr | nodes.Getitem):
        key = _constant_key(current)
        if key is None:
            keys.clear()
            computed.append(current.arg)  # type: ignore[union-attr]
        else:
            keys.insert(0, key)
        current = current.node
    if not isinstance(current, nodes.Name):
        return None
    return current.name, keys, computed


def _constant_key(node: nodes.Getattr | nodes.Getitem) -> str | int | None:
    if isinstance(node, nodes.Getattr):
        return node.attr
    arg = node.arg
    if (
        isinstance(arg, nodes.Const)
        and isinstance(arg.value, str | int)
        and not isinstance(arg.value, bool)
    ):
        return arg.value
    return None


def single_expression(template: nodes.Template) -> nodes.Expr | None:
    """The expression of a text that is one `{{ ... }}` with at most white space around it
    (the texts evaluate() keeps the type of), else None."""
    if len(template.body) != 1 or not isinstance(template.body[0], nodes.Output):
        return None
    parts = [
        part
        for part in template.body[0].nodes
        if not (isinstance(part, nodes.TemplateData) and not part.data.strip())
    ]
    if len(parts) != 1 or isinstance(parts[0], nodes.TemplateData):
        return None
    return parts[0]


def reference_of(expression: nodes.Expr) -> Reference | None:
    """The path an expression is, when it is nothing but a lookup chain (`trigger.entities`)."""
    chain = _constant_chain(expression)
    if chain is None or chain[2]:
        return None
    root, keys, _ = chain
    return (root, *keys)
