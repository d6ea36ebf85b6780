"""The connector registry: every manifest under a folder, validated, as an action catalog.

A bad manifest is reported by file, JSON path and reason, and does not stop the others."""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from soarflow.playbook.catalog import ActionSpec, TriggerSpec
from soarflow.playbook.document import JsonPath, json_path

MANIFEST = "manifest.yaml"
FORMAT = "soarflow.connector/v1"
BUILTIN_MODULES = "soarflow.connectors.builtin."
EMBEDDED_SCHEMAS = ("inputs", "outputs", "params")


@cache
def connector_schema() -> dict[str, Any]:
    text = resources.files("soarflow.connectors").joinpath("connector.schema.json").read_text()
    schema: dict[str, Any] = json.loads(text)
    return schema


def secret_fields(manifest: Mapping[str, Any]) -> set[str]:
    """The connection fields a manifest marks writeOnly: secrets."""
    fields = manifest.get("connection", {}).get("fields", {})
    properties = fields.get("properties", {}) if isinstance(fields, Mapping) else {}
    return {
        name
        for name, spec in properties.items()
        if isinstance(spec, Mapping) and spec.get("writeOnly")
    }


@dataclass(frozen=True)
class ManifestProblem:
    file: str
    path: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.path}: {self.reason}"


@dataclass(frozen=True)
class Connector:
    manifest: Mapping[str, Any]
    folder: Path

    @property
    def id(self) -> str:
        return str(self.manifest["id"])

    @property
    def icon_path(self) -> Path:
        return self.folder / str(self.manifest["icon"])


@dataclass
class ConnectorRegistry:
    """Connectors by id; implements the validator's ActionCatalog."""

    connectors: dict[str, Connector] = field(default_factory=dict)
    problems: list[ManifestProblem] = field(default_factory=list)
    _actions: dict[str, ActionSpec] = field(default_factory=dict)
    _triggers: dict[str, TriggerSpec] = field(default_factory=dict)

    @classmethod
    def load(cls, directory: Path) -> ConnectorRegistry:
        registry = cls()
        if not directory.is_dir():
            registry.problems.append(
                ManifestProblem(str(directory), "$", "no such folder of connectors")
            )
            return registry
        for folder in sorted(path for path in directory.iterdir() if path.is_dir()):
            registry._load_folder(folder)
        return registry

    def _load_folder(self, folder: Path) -> None:
        file = folder / MANIFEST
        shown = str(file)
        manifest, problems = read_manifest(file)
        if manifest is not None and manifest.get("id") in self.connectors:
            problems.append(
                ManifestProblem(shown, "$.id", f"connector id '{manifest['id']}' is taken")
            )
        if manifest is not None and manifest.get("id") != folder.name and not problems:
            problems.append(
                ManifestProblem(shown, "$.id", f"the id must match the folder name '{folder.name}'")
            )
        if manifest is not None and not problems:
            icon = folder / str(manifest["icon"])
            if not icon.is_file():
                problems.append(ManifestProblem(shown, "$.icon", f"no icon file {icon.name}"))
        self.problems += problems
        if manifest is None or problems:
            return
        connector = Connector(manifest, folder)
        self.connectors[connector.id] = connector
        for action in manifest.get("actions", []):
            name = f"{connector.id}.{action['id']}"
            self._actions[name] = ActionSpec(
                name,
                action["inputs"],
                action["outputs"],
                action["title"],
                output_from_input=action.get("outputs_from_input"),
                directive=action.get("directive"),
                item_inputs=frozenset(action.get("item_inputs", ())),
            )
        for trigger in manifest.get("triggers", []):
            name = f"{connector.id}.{trigger['id']}"
            self._triggers[name] = TriggerSpec(
                name,
                trigger["outputs"],
                trigger["title"],
                params_schema=trigger.get("params", {"type": "object"}),
                output_from_param=trigger.get("outputs_from_params"),
            )

    def get_action(self, name: str) -> ActionSpec | None:
        return self._actions.get(name)

    def get_trigger(self, type_: str) -> TriggerSpec | None:
        return self._triggers.get(type_)


def read_manifest(file: Path) -> tuple[dict[str, Any] | None, list[ManifestProblem]]:
    """A manifest and every problem in it; the manifest is None when it cannot be read at all."""
    shown = str(file)
    try:
        manifest = yaml.safe_load(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None, [ManifestProblem(shown, "$", f"no {MANIFEST} in the folder")]
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        return None, [ManifestProblem(shown, "$", f"cannot be read as YAML: {error}")]
    problems = list(_shape_problems(shown, manifest))
    if problems or not isinstance(manifest, dict):
        return (manifest if isinstance(manifest, dict) else None), problems
    problems += _embedded_schema_problems(shown, manifest)
    problems += _duplicate_problems(shown, manifest)
    problems += _implementation_problems(shown, manifest)
    return manifest, problems


def _shape_problems(shown: str, manifest: Any) -> Iterator[ManifestProblem]:
    validator = Draft202012Validator(connector_schema())
    for error in sorted(validator.iter_errors(manifest), key=lambda e: list(e.absolute_path)):
        yield ManifestProblem(shown, json_path(tuple(error.absolute_path)), error.message)


def _embedded_schema_problems(shown: str, manifest: dict[str, Any]) -> Iterator[ManifestProblem]:
    places: list[tuple[tuple[str | int, ...], Any]] = []
    connection = manifest.get("connection")
    if isinstance(connection, dict):
        places.append((("connection", "fields"), connection.get("fields")))
    for kind in ("triggers", "actions"):
        for index, entry in enumerate(manifest.get(kind, [])):
            places += [((kind, index, key), entry[key]) for key in EMBEDDED_SCHEMAS if key in entry]
    for path, schema in places:
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as error:
            where = json_path((*path, *error.absolute_path))
            yield ManifestProblem(shown, where, f"not a valid JSON Schema: {error.message}")


def _duplicate_problems(shown: str, manifest: dict[str, Any]) -> Iterator[ManifestProblem]:
    for kind in ("triggers", "actions"):
        seen: set[str] = set()
        for index, entry in enumerate(manifest.get(kind, [])):
            if entry["id"] in seen:
                yield ManifestProblem(
                    shown, json_path((kind, index, "id")), f"id '{entry['id']}' is used twice"
                )
            seen.add(entry["id"])


def _implementation_problems(shown: str, manifest: dict[str, Any]) -> Iterator[ManifestProblem]:
    """Python actions and test calls must name a function of soarflow's own built-in modules."""
    targets: list[tuple[JsonPath, Any]] = [
        (("actions", index, "python"), action.get("python"))
        for index, action in enumerate(manifest.get("actions", []))
    ]
    test = manifest.get("connection", {}).get("test", {})
    targets.append((("connection", "test", "python"), test.get("python")))
    for parts, target in targets:
        if target is None:
            continue
        module_name, _, function = target.partition(":")
        path = json_path(parts)
        if not module_name.startswith(BUILTIN_MODULES):
            yield ManifestProblem(shown, path, f"Python actions live in {BUILTIN_MODULES}*")
            continue
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            yield ManifestProblem(shown, path, f"no module {module_name}")
            continue
        if not callable(getattr(module, function, None)):
            yield ManifestProblem(shown, path, f"{module_name} has no function {function}")
