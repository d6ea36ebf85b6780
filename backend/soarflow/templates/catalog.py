"""The built-in templates, and turning one into a playbook document: the person choosing it names
the playbook, picks a connection of the right connector for each connection the template uses,
and gives values to its parameters (the playbook variables it asks for).

Pure: no Flask, no SQL. Whether a chosen connection exists is the caller's question."""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from soarflow.playbook.connections import with_connections_renamed

SCENARIOS = ("enrichment", "sync", "orchestration", "response")
PARAMETER_TYPES = ("string", "integer", "boolean", "array")
MAX_NAME_LENGTH = 200


@dataclass(frozen=True)
class Parameter:
    """A playbook variable the template asks a value for. Strings and array items are never
    empty; `enum` lists the values a string (or each array item) may take."""

    name: str
    title: str
    description: str
    type: str
    default: Any
    enum: tuple[str, ...] | None = None
    minimum: int | None = None
    maximum: int | None = None
    pattern: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Parameter:
        enum = data.get("enum")
        return cls(
            name=data["name"],
            title=data["title"],
            description=data["description"],
            type=data["type"],
            default=data["default"],
            enum=tuple(enum) if enum is not None else None,
            minimum=data.get("minimum"),
            maximum=data.get("maximum"),
            pattern=data.get("pattern"),
        )

    def to_dict(self) -> dict[str, Any]:
        described = {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "type": self.type,
            "default": self.default,
            "enum": list(self.enum) if self.enum is not None else None,
            "minimum": self.minimum,
            "maximum": self.maximum,
            "pattern": self.pattern,
        }
        return {key: value for key, value in described.items() if value is not None}

    def problem(self, value: Any) -> str | None:
        """Why the value does not fit, or None when it does."""
        if self.type == "array":
            if not isinstance(value, list) or not value:
                return "a list of at least one value"
            return next(filter(None, (self._text_problem(item) for item in value)), None)
        if self.type == "integer":
            return self._integer_problem(value)
        if self.type == "boolean":
            return None if isinstance(value, bool) else "true or false"
        return self._text_problem(value)

    def _text_problem(self, value: Any) -> str | None:
        if not isinstance(value, str) or not value.strip():
            return "text that is not empty"
        if self.enum is not None and value not in self.enum:
            return f"one of {', '.join(self.enum)}"
        if self.pattern is not None and re.search(self.pattern, value) is None:
            return "text in the form its description gives"
        return None

    def _integer_problem(self, value: Any) -> str | None:
        # bool is an int in Python, but true is no number in JSON.
        if not isinstance(value, int) or isinstance(value, bool):
            return "a whole number"
        if self.minimum is not None and value < self.minimum:
            return f"a whole number of at least {self.minimum}"
        if self.maximum is not None and value > self.maximum:
            return f"a whole number of at most {self.maximum}"
        return None


@dataclass(frozen=True)
class Template:
    id: str
    title: str
    description: str
    scenario: str
    connectors: tuple[str, ...]
    # The connection names the document uses, each with the connector it must be of.
    connections: Mapping[str, str]
    parameters: tuple[Parameter, ...]
    document: Mapping[str, Any]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Template:
        return cls(
            id=data["id"],
            title=data["title"],
            description=data["description"],
            scenario=data["scenario"],
            connectors=tuple(data["connectors"]),
            connections=dict(data["connections"]),
            parameters=tuple(Parameter.from_dict(item) for item in data.get("parameters", [])),
            document=data["document"],
        )

    def summary(self) -> dict[str, Any]:
        """What the gallery shows: everything but the document."""
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "scenario": self.scenario,
            "connectors": list(self.connectors),
            "connections": dict(self.connections),
            "parameters": [parameter.to_dict() for parameter in self.parameters],
        }

    def to_dict(self) -> dict[str, Any]:
        return {**self.summary(), "document": copy.deepcopy(dict(self.document))}


@dataclass(frozen=True)
class Refusal:
    """One reason a deployment is refused; `field` names the place in the request at fault
    (`name`, `connections.<name>`, `parameters.<name>`)."""

    code: str
    field: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "field": self.field, "message": self.message}


class TemplateRefused(Exception):
    def __init__(self, refusals: list[Refusal]) -> None:
        super().__init__("; ".join(refusal.message for refusal in refusals))
        self.refusals = refusals


@functools.cache
def builtin_templates() -> dict[str, Template]:
    """The templates shipped as JSON files beside this module, by id, in title order."""
    folder = resources.files(__package__ or "soarflow.templates")
    loaded = [
        Template.from_dict(json.loads(entry.read_text(encoding="utf-8")))
        for entry in folder.iterdir()
        if entry.name.endswith(".json")
    ]
    return {template.id: template for template in sorted(loaded, key=lambda t: t.title)}


def refusals(
    template: Template,
    *,
    name: Any,
    connections: Mapping[str, Any],
    parameters: Mapping[str, Any],
) -> list[Refusal]:
    """Everything wrong with a deployment's choices, all at once."""
    return [
        *_name_refusals(name),
        *_connection_refusals(template, connections),
        *_parameter_refusals(template, parameters),
    ]


def _name_refusals(name: Any) -> list[Refusal]:
    if isinstance(name, str) and 0 < len(name.strip()) <= MAX_NAME_LENGTH:
        return []
    message = f"name is text of 1 to {MAX_NAME_LENGTH} characters"
    return [Refusal("invalid_field", "name", message)]


def _connection_refusals(template: Template, chosen: Mapping[str, Any]) -> list[Refusal]:
    found = [
        Refusal(
            "missing_connection",
            f"connections.{name}",
            f"choose a {connector} connection for '{name}'",
        )
        for name, connector in template.connections.items()
        if not isinstance(chosen.get(name), str) or not chosen[name].strip()
    ]
    found += [
        Refusal("invalid_field", f"connections.{name}", f"the template uses no connection '{name}'")
        for name in chosen
        if name not in template.connections
    ]
    return found


def _parameter_refusals(template: Template, given: Mapping[str, Any]) -> list[Refusal]:
    declared = {parameter.name: parameter for parameter in template.parameters}
    found = [
        Refusal(
            "unknown_parameter", f"parameters.{name}", f"the template has no parameter '{name}'"
        )
        for name in given
        if name not in declared
    ]
    for name, value in given.items():
        problem = declared[name].problem(value) if name in declared else None
        if problem is not None:
            found.append(
                Refusal("invalid_parameter", f"parameters.{name}", f"{name} must be {problem}")
            )
    return found


def instantiate(
    template: Template,
    *,
    name: str,
    connections: Mapping[str, str],
    parameters: Mapping[str, Any],
) -> dict[str, Any]:
    """The template's document named `name`, using the chosen connections in place of the
    template's own names, with the parameters' values (their defaults where none is given) as
    its variables' initial values. Raises TemplateRefused when any choice does not fit."""
    refused = refusals(template, name=name, connections=connections, parameters=parameters)
    if refused:
        raise TemplateRefused(refused)
    renames = {own: connections[own] for own in template.connections}
    document = with_connections_renamed(template.document, renames)
    document["name"] = name.strip()
    variables = document.setdefault("variables", {})
    for parameter in template.parameters:
        value = parameters.get(parameter.name, parameter.default)
        variables.setdefault(parameter.name, {"type": parameter.type})["initial"] = value
    return document
