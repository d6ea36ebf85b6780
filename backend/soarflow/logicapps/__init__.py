"""Microsoft Sentinel playbooks (ARM templates holding a Logic Apps workflow) and bare Logic Apps
workflow definitions, imported as soarflow playbooks with a report of what did not carry over.
Pure: text in, a document and findings out."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from soarflow.logicapps.wdl import Unmapped
from soarflow.logicapps.workflow import Finding, Importer

MAX_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 200
WORKFLOW_TYPE = "microsoft.logic/workflows"


class NotAPlaybook(Exception):
    """The file cannot be imported at all: the report's error for it."""


@dataclass
class Imported:
    name: str
    document: dict[str, Any]
    findings: list[Finding] = field(default_factory=list)

    @property
    def unmapped(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.unmapped]


def import_text(raw: bytes | str, file_name: str) -> Imported:
    """One file: an ARM template with one Logic Apps workflow, or a workflow definition."""
    size = len(raw.encode() if isinstance(raw, str) else raw)
    if size > MAX_BYTES:
        raise NotAPlaybook(f"{size:,} bytes: larger than the 10 MB an import takes")
    try:
        parsed = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as error:
        raise NotAPlaybook(f"not JSON: {error}") from None
    _check_depth(parsed)
    name, definition, parameters, connections = _workflow(parsed, file_name)
    importer = Importer(name, definition, parameters, connections)
    try:
        document = importer.run()
    except Unmapped as why:
        raise NotAPlaybook(str(why)) from None
    return Imported(name, document, importer.findings)


def _check_depth(value: Any) -> None:
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise NotAPlaybook(f"nested more than {MAX_DEPTH} levels deep")
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)


def _workflow(
    parsed: Any, file_name: str
) -> tuple[str, Mapping[str, Any], Mapping[str, Any], dict[str, str]]:
    """The playbook's name, the workflow definition, the template's parameters and the API
    behind each connection key."""
    if not isinstance(parsed, dict):
        raise NotAPlaybook("not an ARM template or a Logic Apps workflow (not a JSON object)")
    if isinstance(parsed.get("resources"), list):
        return _from_template(parsed, file_name)
    definition = parsed.get("definition", parsed)
    if isinstance(definition, dict) and "triggers" in definition and "actions" in definition:
        parameters = definition.get("parameters") or {}
        connections = _connection_apis((parsed.get("parameters") or {}).get("$connections"))
        return _stem(file_name), definition, parameters, connections
    raise NotAPlaybook("not an ARM template or a Logic Apps workflow (no resources, no triggers)")


def _from_template(
    template: Mapping[str, Any], file_name: str
) -> tuple[str, Mapping[str, Any], Mapping[str, Any], dict[str, str]]:
    workflows = [
        resource
        for resource in template["resources"]
        if isinstance(resource, dict) and str(resource.get("type", "")).lower() == WORKFLOW_TYPE
    ]
    if not workflows:
        raise NotAPlaybook("an ARM template with no Logic Apps workflow in it")
    if len(workflows) > 1:
        raise NotAPlaybook(
            f"an ARM template with {len(workflows)} workflows: import one playbook per file"
        )
    properties = workflows[0].get("properties") or {}
    definition = properties.get("definition")
    if not isinstance(definition, dict):
        raise NotAPlaybook("the workflow has no definition")
    parameters = {
        **(template.get("parameters") or {}),
        **(definition.get("parameters") or {}),
    }
    connections = _connection_apis((properties.get("parameters") or {}).get("$connections"))
    name = _template_name(template, workflows[0]) or _stem(file_name)
    return name, definition, parameters, connections


def _connection_apis(connections: Any) -> dict[str, str]:
    """Connection key -> managed API name, from the `$connections` value's API ids."""
    value = (connections or {}).get("value") if isinstance(connections, dict) else None
    found: dict[str, str] = {}
    for key, connection in (value or {}).items():
        api_id = str((connection or {}).get("id", "")) if isinstance(connection, dict) else ""
        api = api_id.rstrip("')]").rsplit("/", 1)[-1].strip("'") if "/" in api_id else ""
        if api:
            found[key] = api
    return found


def _template_name(template: Mapping[str, Any], workflow: Mapping[str, Any]) -> str | None:
    metadata = template.get("metadata") or {}
    title = metadata.get("title") if isinstance(metadata, dict) else None
    if isinstance(title, str) and title.strip():
        return title.strip()
    default = ((template.get("parameters") or {}).get("PlaybookName") or {}).get("defaultValue")
    return str(default) if isinstance(default, str) and default else None


def _stem(file_name: str) -> str:
    base = file_name.rsplit("/", 1)[-1]
    return base[: -len(".json")] if base.lower().endswith(".json") else base


__all__ = ["Finding", "Imported", "NotAPlaybook", "import_text"]
