"""Vocabulary of the soarflow.playbook/v1 document: kinds, branches, limits, problems."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

FORMAT = "soarflow.playbook/v1"
# What an imported draft could not carry over stays in it as `{{ unmapped('<the original>') }}`;
# the validator reports each such expression as not carried over.
UNMAPPED_PREFIX = "{{ unmapped("

CONTAINER_BRANCHES: dict[str, tuple[str, ...]] = {
    "condition": ("true", "false"),
    "foreach": ("body",),
    "until": ("body",),
    "scope": ("body",),
}
CONTAINER_KINDS = frozenset({*CONTAINER_BRANCHES, "switch"})
SWITCH_DEFAULT = "default"

MAX_NODES = 500
MAX_DEPTH = 8
MAX_EXPRESSION_LENGTH = 8192

Json = Any
JsonPath = tuple[str | int, ...]

_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def json_path(parts: JsonPath) -> str:
    """Render ("nodes", 3, "inputs", "ip") as $.nodes[3].inputs.ip."""
    out = ["$"]
    for part in parts:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif _PLAIN_KEY.match(part):
            out.append(f".{part}")
        else:
            out.append("[" + repr(part) + "]")
    return "".join(out)


class Code(StrEnum):
    """Problem codes. Stable: clients and the canvas key on them."""

    SCHEMA = "schema"
    DUPLICATE_ID = "duplicate_id"
    NO_TRIGGER = "no_trigger"
    BAD_PARENT = "bad_parent"
    DANGLING_EDGE = "dangling_edge"
    CYCLE = "cycle"
    UNREACHABLE = "unreachable"
    CROSS_SCOPE_EDGE = "cross_scope_edge"
    BAD_BRANCH = "bad_branch"
    TOO_LARGE = "too_large"
    UNKNOWN_ACTION = "unknown_action"
    INVALID_INPUTS = "invalid_inputs"
    BAD_EXPRESSION = "bad_expression"
    UNKNOWN_REFERENCE = "unknown_reference"
    UNKNOWN_FIELD = "unknown_field"
    INVALID_TRIGGER = "invalid_trigger"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a playbook, pinned to a node and a JSON path when it has them."""

    code: Code
    message: str
    node_id: str | None = None
    path: str = "$"
    details: Mapping[str, Json] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Json]:
        return {
            "code": str(self.code),
            "message": self.message,
            "node_id": self.node_id,
            "path": self.path,
            "details": dict(self.details),
        }


def branches_of(node: Mapping[str, Json]) -> tuple[str, ...]:
    """The branch names a container node offers its children; empty for non-containers."""
    kind = node.get("kind")
    if kind == "switch":
        cases = node.get("cases")
        names = [branch_name(case) for case in cases] if isinstance(cases, list) else []
        return (*names, SWITCH_DEFAULT)
    if isinstance(kind, str):
        return CONTAINER_BRANCHES.get(kind, ())
    return ()


def branch_name(case: Json) -> str:
    """A switch case value as the branch name it opens (JSON spelling, so True is 'true')."""
    if isinstance(case, bool):
        return "true" if case else "false"
    return str(case)


def is_expression_text(value: Json) -> bool:
    return isinstance(value, str) and "{{" in value


def iter_strings(value: Json, path: JsonPath) -> Iterator[tuple[JsonPath, str]]:
    """Every string inside a JSON value, with its path; iterative so deep values cannot recurse."""
    stack: list[tuple[JsonPath, Json]] = [(path, value)]
    while stack:
        here, item = stack.pop()
        if isinstance(item, str):
            yield here, item
        elif isinstance(item, dict):
            stack.extend(((*here, key), child) for key, child in item.items())
        elif isinstance(item, list):
            stack.extend(((*here, index), child) for index, child in enumerate(item))
