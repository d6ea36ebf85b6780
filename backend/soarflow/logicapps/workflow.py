"""A Logic Apps workflow definition as a soarflow playbook document, with a report of everything
that did not carry over. Triggers, control actions, data actions, HTTP and managed-connector
calls become nodes; `runAfter` becomes edges with their statuses. What cannot be mapped becomes
a node or an expression the validator flags, so the canvas shows it as a problem: nothing is
dropped silently."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from soarflow.incidents.payload import snake_case
from soarflow.logicapps import operations
from soarflow.logicapps.wdl import (
    Access,
    Call,
    Literal,
    Node,
    Unmapped,
    WdlSyntaxError,
    Writer,
    as_expression,
    deployed,
    is_expression,
    literal,
    parse,
)
from soarflow.playbook.document import FORMAT, UNMAPPED_PREFIX, branch_name

MAX_NESTING = 40
RUN_AFTER = {
    "Succeeded": "succeeded",
    "Failed": "failed",
    "Skipped": "skipped",
    "TimedOut": "timed_out",
}
HTTP_OUTPUTS = operations.Outputs(
    renamed={"body": "body", "statusCode": "status", "headers": "headers"}, body_key="body"
)
VARIABLE_TYPES = {
    "string": "string",
    "integer": "integer",
    "float": "number",
    "boolean": "boolean",
    "array": "array",
    "object": "object",
}
# Template and workflow parameters name two types their own way (ARM's and WDL's `int`, `bool`).
PARAMETER_TYPES = {**VARIABLE_TYPES, "int": "integer", "bool": "boolean"}


@dataclass(frozen=True)
class Finding:
    """One line of the import report. `kind`: action, expression or trigger (not carried over:
    the playbook is a draft), defect (a fault of the original, carried over as meant), note."""

    kind: str
    path: str
    message: str
    node_id: str | None = None

    @property
    def unmapped(self) -> bool:
        return self.kind in ("action", "expression", "trigger")


# -- the trigger's payload ---------------------------------------------------------------------

# A value computed from the payload, `§` standing for it.
PRODUCTS = "(§.alerts | map(attribute='source_product') | unique | list)"
INCIDENT_FIELDS: dict[tuple[str, ...], str] = {
    ("id",): "id",
    ("name",): "id",
    ("properties", "title"): "title",
    ("properties", "description"): "description",
    ("properties", "severity"): "severity",
    ("properties", "status"): "status",
    ("properties", "incidentNumber"): "number",
    ("properties", "incidentUrl"): "url",
    ("properties", "relatedEntities"): "entities",
    ("properties", "labels"): "labels",
    ("properties", "classification"): "classification",
    ("properties", "owner", "assignedTo"): "owner",
    ("properties", "owner", "email"): "owner",
    ("properties", "owner", "userPrincipalName"): "owner",
    ("properties", "createdTimeUtc"): "created_at",
    ("properties", "lastModifiedTimeUtc"): "updated_at",
    ("properties", "alerts"): "alerts",
    ("properties", "additionalData", "tactics"): "tactics",
    ("properties", "additionalData", "alertProductNames"): PRODUCTS,
}
ALERT_FIELDS: dict[tuple[str, ...], str] = {
    ("SystemAlertId",): "id",
    ("AlertDisplayName",): "title",
    ("Description",): "description",
    ("Severity",): "severity",
    ("Entities",): "entities",
    ("ProductName",): "source_product",
    ("ProviderName",): "source_product",
    ("AlertType",): "rule_name",
    ("TimeGenerated",): "time",
    ("StartTimeUtc",): "time",
    ("ExtendedProperties",): "custom_details",
    ("Tactics",): "tactics",
    ("VendorOriginalId",): "source_alert_id",
}
# Sentinel's workspace as its triggers name it: soarflow's incidents and alerts carry no Azure
# workspace, so each is the deployment parameter an ARM template's subscription() would be.
INCIDENT_WORKSPACE_FIELDS: dict[tuple[str, ...], str] = {
    ("workspaceInfo", "SubscriptionId"): "azure_subscription_id",
    ("workspaceInfo", "ResourceGroupName"): "azure_resource_group",
    ("workspaceInfo", "WorkspaceName"): "azure_workspace_name",
    ("workspaceId",): "azure_workspace_id",
}
ALERT_WORKSPACE_FIELDS: dict[tuple[str, ...], str] = {
    ("WorkspaceSubscriptionId",): "azure_subscription_id",
    ("WorkspaceResourceGroup",): "azure_resource_group",
    ("WorkspaceId",): "azure_workspace_id",
}
ENTITY_TRIGGER_FIELDS: dict[tuple[str, ...], str] = {
    ("IncidentArmID",): "incident_id",
    ("Entity", "properties"): "entity",
    ("Entity",): "entity",
}


@dataclass(frozen=True)
class TriggerMapping:
    document: dict[str, Any]
    fields: Mapping[tuple[str, ...], str]
    # Where the mapped fields sit in the soarflow payload (`trigger.body` for a webhook).
    root: str = "trigger"
    # Paths to drop before mapping (`object` around a Sentinel incident).
    prefix: tuple[str, ...] = ()
    entity_fields: tuple[str, ...] = ()
    # Paths of the whole payload that stand for deployment parameters.
    workspace_fields: Mapping[tuple[str, ...], str] = field(default_factory=dict)


ENTITY_INPUTS = {
    "type": "object",
    "required": ["entity"],
    "properties": {
        "incident_id": {"type": "string", "title": "Incident id"},
        "entity": {
            "type": "object",
            "title": "Entity",
            "additionalProperties": True,
            "properties": {
                name: {"type": "string"}
                for name in (
                    "kind",
                    "address",
                    "name",
                    "upn_suffix",
                    "aad_user_id",
                    "host_name",
                    "url",
                    "domain_name",
                    "algorithm",
                    "value",
                )
            },
        },
    },
}


def _recurrence_cron(recurrence: Mapping[str, Any]) -> str:
    frequency = str(recurrence.get("frequency", "Day"))
    interval = int(recurrence.get("interval", 1) or 1)
    schedule = recurrence.get("schedule") or {}
    minute = str((schedule.get("minutes") or [0])[0])
    hour = ",".join(str(h) for h in schedule.get("hours") or [0])
    every = f"*/{interval}" if interval > 1 else "*"
    if frequency == "Second":
        raise Unmapped("a recurrence in seconds (soarflow's schedules count minutes)")
    if frequency == "Minute":
        return f"{every} * * * *"
    if frequency == "Hour":
        return f"{minute} {every} * * *"
    if frequency == "Day":
        return f"{minute} {hour} {every} * *"
    if frequency == "Week":
        days = [str(day)[:3].upper() for day in schedule.get("weekDays") or ["Monday"]]
        return f"{minute} {hour} * * {','.join(days)}"
    if frequency == "Month":
        return f"{minute} {hour} 1 {every} *"
    raise Unmapped(f"a recurrence every {frequency}")


def map_trigger(name: str, trigger: Mapping[str, Any]) -> TriggerMapping:
    kind = str(trigger.get("type", ""))
    inputs = trigger.get("inputs") or {}
    path = str(inputs.get("path", ""))
    if kind == "ApiConnectionWebhook" and path.endswith("/incident-creation"):
        return TriggerMapping(
            {"id": "incident", "type": "soarflow.incident_created"},
            INCIDENT_FIELDS,
            prefix=("object",),
            entity_fields=("entities",),
            workspace_fields=INCIDENT_WORKSPACE_FIELDS,
        )
    if kind == "ApiConnectionWebhook" and path.endswith("/subscribe"):
        return TriggerMapping(
            {"id": "alert", "type": "soarflow.alert_created"},
            ALERT_FIELDS,
            entity_fields=("entities",),
            workspace_fields=ALERT_WORKSPACE_FIELDS,
        )
    if kind == "ApiConnectionWebhook" and "/entity/" in path:
        document = {
            "id": "entity",
            "type": "core.manual",
            "title": "Run on an entity",
            "params": {"inputs": ENTITY_INPUTS},
        }
        return TriggerMapping(document, ENTITY_TRIGGER_FIELDS, entity_fields=("entity",))
    if kind == "Request":
        return TriggerMapping({"id": "request", "type": "core.webhook"}, {}, root="trigger.body")
    if kind == "Recurrence":
        cron = _recurrence_cron(trigger.get("recurrence") or {})
        params: dict[str, Any] = {"cron": cron}
        zone = (trigger.get("recurrence") or {}).get("timeZone")
        if zone:
            params["time_zone"] = str(zone)
        return TriggerMapping({"id": "schedule", "type": "core.schedule", "params": params}, {})
    raise Unmapped(f"the trigger {name} ({kind} {path}): no soarflow trigger starts this way")


# -- node ids ---------------------------------------------------------------------------------


def node_id(name: str, taken: set[str]) -> str:
    """A node id for a Logic Apps action name: `Add_comment_(V3)` is `add_comment_v3`."""
    base = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")[:80] or "step"
    if not base[0].isalpha():
        base = f"step_{base}"
    found, count = base, 2
    while found in taken:
        found, count = f"{base}_{count}", count + 1
    taken.add(found)
    return found


def _path_text(path: Sequence[Any]) -> str:
    out = ""
    for key in path:
        if isinstance(key, str) and re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", key):
            out += f".{key}"
        else:
            out += f"[{literal(key)}]"
    return out


# -- what the importer knows about each action -------------------------------------------------


@dataclass
class Known:
    """An imported action: its node, how its output is read, what its loop items are."""

    node_id: str
    outputs: operations.Outputs = field(default_factory=operations.Outputs)
    # Foreach only: its items are entities (their keys read in snake_case).
    entity_items: bool = False
    # Foreach only: its items are a managed connector's flattened ones, whose
    # `properties.itemsKeyValue` is soarflow's `properties.itemsKeyValue` path.
    dotted_items: bool = False
    loop: bool = False
    mapped: bool = True


@dataclass
class Importer:
    name: str
    definition: Mapping[str, Any]
    parameters: Mapping[str, Any]
    connections: Mapping[str, str]
    findings: list[Finding] = field(default_factory=list)
    taken: set[str] = field(default_factory=set)
    known: dict[str, Known] = field(default_factory=dict)
    by_folded: dict[str, str] = field(default_factory=dict)
    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)
    variables: dict[str, dict[str, Any]] = field(default_factory=dict)
    trigger: TriggerMapping | None = None
    # The loops around the action being imported, innermost last (Logic Apps names).
    loops: list[str] = field(default_factory=list)
    # Select, Query and Table read item() as their source's item, not a loop's: whether those
    # items are entities, innermost last.
    item_override: list[bool] = field(default_factory=list)
    where: str = "$"
    current: str | None = None

    # -- the report ----------------------------------------------------------------------

    def found(self, kind: str, message: str, path: str | None = None) -> None:
        one_line = " ".join(message.split())
        self.findings.append(Finding(kind, path or self.where, one_line[:1000], self.current))

    # -- Scope: what names stand for ------------------------------------------------------

    def trigger_ref(self, path: Sequence[Any]) -> str:
        mapping = self.trigger
        if mapping is None:
            raise Unmapped("the trigger's output (the trigger was not carried over)")
        keys = [str(key) if isinstance(key, str) else key for key in path]
        if mapping.root != "trigger" or not mapping.fields:
            return mapping.root + _path_text(keys)
        inner = (
            keys[len(mapping.prefix) :]
            if tuple(keys[: len(mapping.prefix)]) == mapping.prefix
            else None
        )
        if inner is not None:
            for length in range(len(inner), 0, -1):
                target = mapping.fields.get(tuple(inner[:length]))
                if target is not None:
                    rest = inner[length:]
                    if target in mapping.entity_fields:
                        rest = _entity_path(rest)
                    return _field_of("trigger", target) + _path_text(rest)
        if not keys:
            return "trigger"
        dotted = ".".join(str(key) for key in keys)
        for length in range(len(keys), 0, -1):
            parameter = mapping.workspace_fields.get(tuple(keys[:length]))
            if parameter is not None:
                self.found(
                    "note",
                    f"the trigger field {dotted} names Sentinel's workspace, which soarflow's "
                    f"payload does not carry: it is the parameter {parameter}",
                )
                return self.parameter(parameter, keys[length:])
        raise Unmapped(f"the trigger field {dotted}: soarflow's payload has no such field")

    def action(self, name: str, path: Sequence[Any], whole: bool) -> str:
        known = self._known(name)
        if not known.mapped:
            raise Unmapped(f"the output of {name}, which was not carried over")
        keys = list(path)
        outputs = known.outputs
        step = f"steps.{known.node_id}"
        if keys[:1] == ["error"] and not whole:
            # A failed call's body holds its error; soarflow keeps it beside the output.
            return f"{step}.error" + _path_text(keys[1:])
        if outputs.incident:
            return self._incident_output(known, keys)
        if outputs.body_key is not None:
            if not whole:
                return f"{step}.output.{outputs.body_key}" + _path_text(keys)
            if keys and keys[0] in outputs.renamed:
                return f"{step}.output.{outputs.renamed[keys[0]]}" + _path_text(keys[1:])
            if keys:
                raise Unmapped(f"the output {keys[0]} of {name}")
            return f"{step}.output"
        if outputs.moved_list is not None:
            return self._moved_list_output(name, step, outputs.moved_list, keys)
        joined = tuple(keys) in outputs.joined
        if keys and isinstance(keys[0], str) and keys[0] in outputs.dropped:
            keys = keys[1:]
        elif keys and isinstance(keys[0], str) and keys[0] in outputs.renamed:
            keys = [outputs.renamed[keys[0]], *keys[1:]]
        elif keys and outputs.renamed:
            raise Unmapped(f"the field {keys[0]} of {name}'s answer")
        if joined:
            return f"({step}.output{_path_text(keys)} | join(','))"
        return f"{step}.output" + _path_text(keys)

    def _moved_list_output(
        self, name: str, step: str, moved: operations.MovedList, keys: list[Any]
    ) -> str:
        """A reference into the one list of the call's answer that the step outputs."""
        length = len(moved.answer_path)
        if tuple(keys[:length]) != moved.answer_path:
            shown = ".".join(str(key) for key in keys) or "whole answer"
            wanted = ".".join(moved.answer_path)
            raise Unmapped(f"the {shown} of {name}'s answer (soarflow's step gives its {wanted})")
        rest = keys[length:]
        if rest[:1] and isinstance(rest[0], int):
            rest = [rest[0], *_undotted(rest[1:])]
        return f"{step}.output.{moved.output_key}" + _path_text(rest)

    def _incident_output(self, known: Known, keys: list[Any]) -> str:
        for length in range(len(keys), 0, -1):
            target = INCIDENT_FIELDS.get(tuple(keys[:length]))
            if target is not None:
                rest = keys[length:]
                if target == "entities":
                    rest = _entity_path(rest)
                return _field_of(f"steps.{known.node_id}.output", target) + _path_text(rest)
        if not keys:
            return f"steps.{known.node_id}.output"
        raise Unmapped(f"the incident field {'.'.join(str(k) for k in keys)}")

    def _known(self, name: str) -> Known:
        if name in self.known:
            return self.known[name]
        folded = self.by_folded.get(name.lower())
        if folded is not None:
            self.found("defect", f"{name!r} names the action {folded!r} in another case")
            return self.known[folded]
        raise Unmapped(f"{name!r}: no action has this name (a dangling reference)")

    def item_ref(self, loop: str | None, path: Sequence[Any]) -> str:
        keys = list(path)
        if loop is None:
            if self.item_override:
                return "item" + _path_text(_entity_path(keys) if self.item_override[-1] else keys)
            if not self.loops:
                raise Unmapped("item() outside a loop")
            loop = self.loops[-1]
        known = self._known(loop)
        name = next((own for own in self.known if self.known[own] is known), loop)
        keys = self._item_keys(name, keys)
        if self.loops and self.loops[-1] == name and not self.item_override:
            return "item" + _path_text(keys)
        if name not in self.loops:
            raise Unmapped(f"items({loop!r}) outside that loop")
        return f"items.{known.node_id}" + _path_text(keys)

    def _item_keys(self, owner: str, keys: list[Any]) -> list[Any]:
        known = self.known.get(owner)
        if known is not None and known.entity_items:
            return _entity_path(keys)
        if known is not None and known.dotted_items:
            return _undotted(keys)
        return keys

    def variable(self, name: str, path: Sequence[Any]) -> str:
        declared = self._variable_id(name)
        return f"vars.{declared}" + _path_text(list(path))

    def _variable_id(self, name: str) -> str:
        wanted = _variable_name(name)
        if wanted in self.variables:
            return wanted
        for declared, spec in self.variables.items():
            if spec.get("_original", "").lower() == name.lower():
                self.found("defect", f"variable {name!r} is declared as {spec['_original']!r}")
                return declared
        raise Unmapped(f"the variable {name!r}, which is not initialized")

    def parameter(self, name: str, path: Sequence[Any]) -> str:
        if name == "$connections":
            raise Unmapped("connection ids (soarflow steps name their connection)")
        declared = _variable_name(f"param_{name}")
        if declared not in self.variables:
            spec = self.parameters.get(name) or {}
            kind = PARAMETER_TYPES.get(str(spec.get("type", "string")).lower(), "string")
            default = spec.get("defaultValue")
            variable: dict[str, Any] = {"type": kind, "_original": f"parameter {name}"}
            if default is not None and not (isinstance(default, str) and default.startswith("[")):
                variable["initial"] = default
            self.variables[declared] = variable
            self.found("note", f"the parameter {name} is the playbook variable {declared}")
        return f"vars.{declared}" + _path_text(list(path))

    def workflow(self, path: Sequence[Any]) -> str:
        keys = [str(key) for key in path]
        if keys[:2] == ["run", "name"]:
            return "run.id"
        if keys[:1] == ["name"]:
            return "playbook.name"
        raise Unmapped(f"workflow() field {'.'.join(keys)}")

    # -- writing values --------------------------------------------------------------------

    def writer(self) -> Writer:
        return Writer(_ScopeAdapter(self))

    def value(self, raw: Any, where: str) -> Any:
        """A workflow value written for the playbook; an unmapped expression is kept, marked,
        so that the validator flags it on its node."""
        if isinstance(raw, str):
            try:
                return self.writer().text(raw)
            except WdlSyntaxError as why:
                self.found("expression", f"{raw[:200]}: not a valid expression ({why})", where)
            except Unmapped as why:
                self.found("expression", f"{raw[:200]}: {why}", where)
            return UNMAPPED_PREFIX + literal(raw[:500]) + ") }}"
        if isinstance(raw, list):
            return [self.value(item, f"{where}[{index}]") for index, item in enumerate(raw)]
        if isinstance(raw, Mapping):
            return {key: self.value(item, f"{where}.{key}") for key, item in raw.items()}
        return raw

    # -- actions ---------------------------------------------------------------------------

    def run(self) -> dict[str, Any]:
        triggers = self.definition.get("triggers") or {}
        trigger_name, trigger = _only_trigger(triggers)
        try:
            self.trigger = map_trigger(trigger_name, trigger)
        except Unmapped as why:
            self.found("trigger", str(why), f"$.triggers.{trigger_name}")
        trigger_doc = (
            self.trigger.document
            if self.trigger
            else {"id": "start", "type": "core.manual", "title": f"Unmapped: {trigger_name}"}
        )
        self.taken.add(trigger_doc["id"])
        actions = self.definition.get("actions") or {}
        self._declare_names(actions)
        self.actions(actions, None, "$.actions", trigger_doc["id"], depth=0)
        document: dict[str, Any] = {
            "format": FORMAT,
            "name": self.name[:200],
            "trigger": trigger_doc,
            "nodes": self.nodes,
            "edges": self.edges,
        }
        if self.variables:
            document["variables"] = {
                name: {key: value for key, value in spec.items() if not key.startswith("_")}
                for name, spec in self.variables.items()
            }
        return document

    def _declare_names(self, actions: Mapping[str, Any]) -> None:
        """Give every action its node id before any is imported: references may point
        forwards (a loop's body reads its own steps)."""
        for name, action in _walk(actions):
            if name in self.known:
                self.found("defect", f"two actions are named {name!r}")
                continue
            self.known[name] = Known(node_id(name, self.taken))
            self.by_folded.setdefault(name.lower(), name)
            if action.get("type") == "InitializeVariable":
                self._declare_variable(name, action.get("inputs") or {})
            self.known[name].outputs = self._outputs_of(action)

    def _outputs_of(self, action: Mapping[str, Any]) -> operations.Outputs:
        kind, inputs = action.get("type"), action.get("inputs") or {}
        if kind == "Http":
            return HTTP_OUTPUTS
        if kind in ("ApiConnection", "ApiConnectionWebhook") and isinstance(inputs, Mapping):
            try:
                return operations.outputs_of(self._connector_call(inputs))
            except Unmapped:
                return operations.PLAIN
        return operations.PLAIN

    def _connector_call(self, inputs: Mapping[str, Any]) -> operations.ConnectorCall:
        key = _connection_key(inputs)
        return operations.ConnectorCall(
            api=self.connections.get(key, re.sub(r"_\d+$", "", key)),
            connection=key,
            method=str(inputs.get("method", "")),
            path=deployed(str(inputs.get("path", ""))),
            body=inputs.get("body"),
            queries=inputs.get("queries") or {},
            headers=inputs.get("headers") or {},
        )

    def _declare_variable(self, name: str, inputs: Mapping[str, Any]) -> None:
        declared = (inputs.get("variables") or [{}])[0]
        original = str(declared.get("name", name))
        kind = VARIABLE_TYPES.get(str(declared.get("type", "string")).lower())
        if kind is not None:
            self.variables[_variable_name(original)] = {"type": kind, "_original": original}

    def actions(
        self,
        actions: Mapping[str, Any],
        parent: tuple[str, str] | None,
        where: str,
        trigger_id: str,
        depth: int,
    ) -> None:
        if depth > MAX_NESTING:
            raise Unmapped("actions nested more than 40 levels deep")
        for name, action in actions.items():
            if not isinstance(action, Mapping):
                self.found("defect", f"{name} is not an action object", f"{where}.{name}")
                continue
            self._action(name, action, parent, f"{where}.{name}", trigger_id, depth)
        names = set(actions)
        for name, action in actions.items():
            if not isinstance(action, Mapping):
                continue
            self._edges(name, action, names, parent, trigger_id, f"{where}.{name}")

    def _edges(
        self,
        name: str,
        action: Mapping[str, Any],
        siblings: set[str],
        parent: tuple[str, str] | None,
        trigger_id: str,
        where: str,
    ) -> None:
        target = self.known[name].node_id
        run_after = action.get("runAfter") or {}
        if not run_after:
            if parent is None:
                self.edges.append({"source": trigger_id, "target": target})
            else:
                self.edges.append({"source": parent[0], "target": target, "branch": parent[1]})
            return
        for source, statuses in run_after.items():
            if source not in siblings:
                found = next((s for s in siblings if s.lower() == source.lower()), None)
                if found is None:
                    self.found("defect", f"runs after {source!r}, which is not beside it", where)
                    continue
                self.found("defect", f"runs after {source!r}, spelt {found!r}", where)
                source = found
            when = [
                RUN_AFTER[status] for status in statuses or ["Succeeded"] if status in RUN_AFTER
            ]
            edge: dict[str, Any] = {"source": self.known[source].node_id, "target": target}
            if when and when != ["succeeded"]:
                edge["when"] = when
            self.edges.append(edge)

    def _place(self, node: dict[str, Any], parent: tuple[str, str] | None) -> dict[str, Any]:
        if parent is not None:
            node["parent"], node["branch"] = parent
        self.nodes.append(node)
        return node

    def _action(
        self,
        name: str,
        action: Mapping[str, Any],
        parent: tuple[str, str] | None,
        where: str,
        trigger_id: str,
        depth: int,
    ) -> None:
        known = self.known[name]
        self.where, self.current = where, known.node_id
        kind = str(action.get("type", ""))
        title = name.replace("_", " ")
        base = {"id": known.node_id, "title": title[:200]}
        inputs = action.get("inputs") or {}
        container = CONTAINERS.get(kind)
        if container is not None:
            container(self, Site(name, action, base, parent, where, trigger_id, depth))
            return
        try:
            node = self._step(name, kind, inputs, action)
        except Unmapped as why:
            known.mapped = False
            self.found("action", f"{name} ({kind}): {why}", where)
            node = {
                "kind": "action",
                "action": f"unmapped.{_unmapped_id(kind, inputs)}",
                "description": f"Not carried over from Logic Apps: {why}"[:2000],
            }
        self._place({**base, **node}, parent)

    def _step(self, name: str, kind: str, inputs: Any, action: Mapping[str, Any]) -> dict[str, Any]:
        step = STEPS.get(kind)
        if step is None:
            raise Unmapped(f"the action type {kind} has no soarflow counterpart")
        made: dict[str, Any] = step(self, name, inputs, action)
        return made


def _field_of(root: str, target: str) -> str:
    """A payload field, or a value computed from the payload (`§` standing for it)."""
    return target.replace("§", root) if "§" in target else f"{root}.{target}"


def _unmapped_id(kind: str, inputs: Any) -> str:
    return re.sub(r"[^a-z0-9_]+", "_", kind.lower()).strip("_") or "action"


def _entity_path(keys: Sequence[Any]) -> list[Any]:
    """A Sentinel entity's keys as soarflow's flat entities have them: without the ARM
    `properties` envelope, in snake_case (`UPNSuffix` is `upn_suffix`), the entity's `Type`
    (as Sentinel's entity lists and alerts name it) being its `kind`."""
    out: list[Any] = []
    for index, key in enumerate(keys):
        if isinstance(key, str):
            if key == "properties" and index in (0, 1):
                continue
            out.append("kind" if key == "Type" and not out else snake_case(key))
        else:
            out.append(key)
    return out


def _variable_name(name: str) -> str:
    cleaned = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_") or "value"
    return cleaned if cleaned[0].isalpha() else f"v_{cleaned}"


def _only_trigger(triggers: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
    if len(triggers) != 1:
        raise Unmapped(f"a workflow with {len(triggers)} triggers (soarflow playbooks have one)")
    [(name, trigger)] = triggers.items()
    return name, trigger


def _walk(actions: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every action, nested ones too, in document order (iteratively: templates can be deep)."""
    stack: list[Iterator[tuple[str, Any]]] = [iter(actions.items())]
    depth = 0
    while stack:
        try:
            name, action = next(stack[-1])
        except StopIteration:
            stack.pop()
            continue
        if not isinstance(action, Mapping):
            continue
        yield name, action
        depth = len(stack)
        if depth > MAX_NESTING:
            raise Unmapped("actions nested more than 40 levels deep")
        for branch in _branches(action):
            stack.append(iter(branch.items()))


def _branches(action: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = []
    if isinstance(action.get("actions"), Mapping):
        found.append(action["actions"])
    if isinstance(action.get("else"), Mapping) and isinstance(
        action["else"].get("actions"), Mapping
    ):
        found.append(action["else"]["actions"])
    for case in (action.get("cases") or {}).values():
        if isinstance(case, Mapping) and isinstance(case.get("actions"), Mapping):
            found.append(case["actions"])
    default = action.get("default")
    if isinstance(default, Mapping) and isinstance(default.get("actions"), Mapping):
        found.append(default["actions"])
    return found


class _ScopeAdapter:
    """The importer as the WDL writer's Scope."""

    def __init__(self, importer: Importer) -> None:
        self.importer = importer

    def trigger(self, path: Sequence[Any]) -> str:
        return self.importer.trigger_ref(path)

    def action(self, name: str, path: Sequence[Any], whole: bool) -> str:
        return self.importer.action(name, path, whole)

    def item(self, loop: str | None, path: Sequence[Any]) -> str:
        return self.importer.item_ref(loop, path)

    def variable(self, name: str, path: Sequence[Any]) -> str:
        return self.importer.variable(name, path)

    def parameter(self, name: str, path: Sequence[Any]) -> str:
        return self.importer.parameter(name, path)

    def workflow(self, path: Sequence[Any]) -> str:
        return self.importer.workflow(path)


# -- conditions -------------------------------------------------------------------------------

COMPARISONS = {
    "equals": "eq",
    "greater": "gt",
    "greaterorequals": "ge",
    "less": "lt",
    "lessorequals": "le",
    "contains": "contains",
    "startswith": "starts_with",
    "endswith": "ends_with",
}
NEGATED = {"eq": "ne", "contains": "not_contains"}


def condition(importer: Importer, expression: Any, where: str) -> dict[str, Any]:
    """An If's or Until's `expression` (the designer's and/or tree, or an expression text) as
    a soarflow condition group."""
    if isinstance(expression, str):
        return {"all": [_rule_of_text(importer, expression, where)]}
    if isinstance(expression, Mapping) and len(expression) == 1:
        [(operator, operands)] = expression.items()
        if operator in ("and", "or") and isinstance(operands, list):
            items = [
                _item(importer, operand, f"{where}.{operator}[{n}]")
                for n, operand in enumerate(operands)
            ]
            return {"all" if operator == "and" else "any": items}
        return {"all": [_item(importer, expression, where)]}
    raise Unmapped("a condition that is neither a rule nor an and/or list")


def _item(importer: Importer, operand: Any, where: str) -> dict[str, Any]:
    if not isinstance(operand, Mapping) or len(operand) != 1:
        raise Unmapped("a condition item that is not one comparison")
    [(operator, args)] = operand.items()
    if operator in ("and", "or"):
        return condition(importer, operand, where)
    negate = operator == "not"
    if negate:
        if not isinstance(args, Mapping) or len(args) != 1:
            raise Unmapped("not() around something other than one comparison")
        [(operator, args)] = args.items()
    op = COMPARISONS.get(str(operator).lower())
    if op is None or not isinstance(args, list) or len(args) != 2:
        raise Unmapped(f"the comparison {operator}")
    if negate:
        if op not in NEGATED:
            raise Unmapped(f"not {operator}")
        op = NEGATED[op]
    left = importer.value(args[0], f"{where}[0]")
    right = importer.value(args[1], f"{where}[1]")
    return {"left": left, "op": op, "right": right}


def _rule_of_text(importer: Importer, text: str, where: str) -> dict[str, Any]:
    if is_expression(text):
        node = parse(text[1:])
        if isinstance(node, Call) and node.name in COMPARISONS and len(node.args) == 2:
            writer = importer.writer()
            left, right = (_node_value(writer, arg) for arg in node.args)
            return {"left": left, "op": COMPARISONS[node.name], "right": right}
    return {"left": importer.value(text, where), "op": "is_true"}


def _node_value(writer: Writer, node: Node) -> Any:
    if isinstance(node, Literal):
        return node.value
    return "{{ " + writer.expression(node) + " }}"


# -- containers -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    """A container being imported: its action, its node's id and title, where it sits."""

    name: str
    action: Mapping[str, Any]
    base: dict[str, Any]
    parent: tuple[str, str] | None
    where: str
    trigger_id: str
    depth: int

    def branch(self, importer: Importer, actions: Any, branch: str, path: str) -> None:
        """Import the actions of one of its branches."""
        importer.actions(
            actions or {},
            (self.base["id"], branch),
            f"{self.where}.{path}",
            self.trigger_id,
            self.depth + 1,
        )


def _if(importer: Importer, site: Site) -> None:
    rules = _guarded_condition(importer, site.action, site.where)
    importer._place({**site.base, "kind": "condition", "condition": rules}, site.parent)
    site.branch(importer, site.action.get("actions"), "true", "actions")
    otherwise = (site.action.get("else") or {}).get("actions")
    site.branch(importer, otherwise, "false", "else.actions")


def _guarded_condition(importer: Importer, action: Mapping[str, Any], where: str) -> dict[str, Any]:
    try:
        return condition(importer, action.get("expression"), f"{where}.expression")
    except Unmapped as why:
        importer.found("expression", f"the condition: {why}", f"{where}.expression")
        return {"all": [{"left": UNMAPPED_PREFIX + "'condition') }}", "op": "is_true"}]}


def _switch(importer: Importer, site: Site) -> None:
    cases = site.action.get("cases") or {}
    node = {
        **site.base,
        "kind": "switch",
        "on": importer.value(site.action.get("expression"), f"{site.where}.expression"),
        "cases": [case.get("case") for case in cases.values() if isinstance(case, Mapping)],
    }
    importer._place(node, site.parent)
    for case_name, case in cases.items():
        path = f"cases.{case_name}.actions"
        site.branch(importer, case.get("actions"), branch_name(case.get("case")), path)
    default = (site.action.get("default") or {}).get("actions")
    site.branch(importer, default, "default", "default.actions")


def _foreach(importer: Importer, site: Site) -> None:
    action = site.action
    items = action.get("foreach")
    known = importer.known[site.name]
    known.loop = True
    known.entity_items = _are_entities(importer, items)
    known.dotted_items = _has_dotted_items(importer, items)
    node: dict[str, Any] = {
        **site.base,
        "kind": "foreach",
        "items": importer.value(items, f"{site.where}.foreach"),
    }
    repetitions = ((action.get("runtimeConfiguration") or {}).get("concurrency") or {}).get(
        "repetitions"
    )
    if "Sequential" in str(action.get("operationOptions", "")):
        node["concurrency"] = 1
    elif isinstance(repetitions, int):
        node["concurrency"] = max(1, min(50, repetitions))
    importer._place(node, site.parent)
    importer.loops.append(site.name)
    try:
        site.branch(importer, action.get("actions"), "body", "actions")
    finally:
        importer.loops.pop()


def _are_entities(importer: Importer, items: Any) -> bool:
    """Whether a loop goes over entities: an entity step's list or the trigger's entities."""
    if not is_expression(items):
        return False
    source = _body_source(importer, items)
    if source is not None:
        return source[0].outputs.entity_list
    text = str(items)
    return "relatedEntities" in text or "['Entities']" in text


def _has_dotted_items(importer: Importer, items: Any) -> bool:
    """Whether a loop goes over the list a managed connector answers with flattened items."""
    source = _body_source(importer, items)
    if source is None:
        return False
    known, keys = source
    moved = known.outputs.moved_list
    return moved is not None and tuple(keys) == moved.answer_path


def _body_source(importer: Importer, items: Any) -> tuple[Known, list[Any]] | None:
    """The action whose answer a loop's items are read from (`body('X')?['a']?['b']`), and
    the keys read; None for items of any other kind."""
    if not is_expression(items):
        return None
    try:
        node = parse(str(items)[1:])
    except Unmapped:
        return None
    keys: list[Any] = []
    while isinstance(node, Access):
        keys.insert(0, node.key.value if isinstance(node.key, Literal) else None)
        node = node.target
    if not (isinstance(node, Call) and node.name == "body" and node.args):
        return None
    arg = node.args[0]
    if not isinstance(arg, Literal):
        return None
    name = str(arg.value)
    known = importer.known.get(name) or importer.known.get(importer.by_folded.get(name.lower(), ""))
    return None if known is None else (known, keys)


def _undotted(keys: list[Any]) -> list[Any]:
    """A flattened item's first key as the path it stands for (`properties.itemsKeyValue`);
    the keys below it are the item's own, whose names may hold dots."""
    if keys and isinstance(keys[0], str) and "." in keys[0]:
        return [*keys[0].split("."), *keys[1:]]
    return keys


def _until(importer: Importer, site: Site) -> None:
    limit = site.action.get("limit") or {}
    node: dict[str, Any] = {
        **site.base,
        "kind": "until",
        "condition": _guarded_condition(importer, site.action, site.where),
    }
    if isinstance(limit.get("count"), int):
        node["max_iterations"] = limit["count"]
    if isinstance(limit.get("timeout"), str) and limit["timeout"].startswith("P"):
        node["timeout"] = limit["timeout"]
    importer._place(node, site.parent)
    site.branch(importer, site.action.get("actions"), "body", "actions")


def _scope(importer: Importer, site: Site) -> None:
    importer._place({**site.base, "kind": "scope"}, site.parent)
    site.branch(importer, site.action.get("actions"), "body", "actions")


CONTAINERS = {"If": _if, "Switch": _switch, "Foreach": _foreach, "Until": _until, "Scope": _scope}


# -- steps ------------------------------------------------------------------------------------


def _compose(
    importer: Importer, name: str, inputs: Any, action: Mapping[str, Any]
) -> dict[str, Any]:
    return {
        "kind": "action",
        "action": "core.compose",
        "inputs": {"value": importer.value(inputs, f"{importer.where}.inputs")},
    }


def _parse_json(
    importer: Importer, name: str, inputs: Any, action: Mapping[str, Any]
) -> dict[str, Any]:
    step: dict[str, Any] = {
        "content": importer.value(inputs.get("content"), f"{importer.where}.inputs.content")
    }
    if isinstance(inputs.get("schema"), Mapping):
        step["schema"] = inputs["schema"]
    return {"kind": "action", "action": "core.parse_json", "inputs": step}


def _initialize_variable(
    importer: Importer, name: str, inputs: Any, action: Mapping[str, Any]
) -> dict[str, Any]:
    declared = (inputs.get("variables") or [{}])[0]
    kind = VARIABLE_TYPES.get(str(declared.get("type", "string")).lower())
    if kind is None:
        raise Unmapped(f"a variable of type {declared.get('type')}")
    value = declared.get("value")
    if value is None:
        value = EMPTY_VALUES[kind]
    variable = _variable_name(str(declared.get("name", name)))
    written = importer.value(value, f"{importer.where}.inputs")
    return {
        "kind": "action",
        "action": "core.set_variable",
        "inputs": {"name": variable, "value": written},
    }


EMPTY_VALUES: dict[str, Any] = {
    "string": "",
    "integer": 0,
    "number": 0,
    "boolean": False,
    "array": [],
    "object": {},
}


def _variable_change(action_id: str) -> Any:
    def step(
        importer: Importer, name: str, inputs: Any, action: Mapping[str, Any]
    ) -> dict[str, Any]:
        variable = importer._variable_id(str(inputs.get("name", "")))
        values: dict[str, Any] = {"name": variable}
        if "value" in inputs:
            values["value"] = importer.value(inputs["value"], f"{importer.where}.inputs.value")
        return {"kind": "action", "action": action_id, "inputs": values}

    return step


def _select(
    importer: Importer, name: str, inputs: Any, action: Mapping[str, Any]
) -> dict[str, Any]:
    source = importer.value(inputs.get("from"), f"{importer.where}.inputs.from")
    entities = _source_loop(importer, inputs.get("from"))
    select = inputs.get("select")
    if isinstance(select, Mapping):
        importer.item_override.append(entities)
        try:
            fields = {
                key: _selected(importer, value, entities, f"{importer.where}.inputs.select.{key}")
                for key, value in select.items()
            }
        finally:
            importer.item_override.pop()
        return {
            "kind": "action",
            "action": "core.select",
            "inputs": {"items": source, "fields": fields},
        }
    attribute = _item_field(select, entities)
    value = "{{ " + as_expression(source) + f" | map(attribute={literal(attribute)}) | list }}}}"
    return {"kind": "action", "action": "core.compose", "inputs": {"value": value}}


def _selected(importer: Importer, value: Any, entities: bool, where: str) -> Any:
    """A Select field, evaluated for each item. The item's own field is null where the item
    lacks it, as `item()?['Name']` is in Logic Apps; other values are written as they are."""
    path = _item_path(value, entities)
    if path:
        return "{{ item" + _path_text(path) + " | default(none) }}"
    return importer.value(value, where)


def _item_field(value: Any, entities: bool) -> str:
    """The item field a Select of single values or a Table column takes, from
    `@item()?['Name']`: soarflow's Table takes field names, not expressions."""
    path = _item_path(value, entities)
    if path is not None and len(path) == 1 and isinstance(path[0], str):
        return path[0]
    raise Unmapped(f"a field computed by an expression ({str(value)[:80]})")


def _item_path(value: Any, entities: bool) -> list[Any] | None:
    """The keys of `@item()?['a']?['b']` as soarflow's item has them; None for other values
    (a text with `@{...}` parts, or one the value writer reports as not an expression)."""
    text = str(value)
    if not is_expression(text) or text.startswith("@{"):
        return None
    try:
        node = parse(text[1:])
    except WdlSyntaxError:
        return None
    keys: list[Any] = []
    while isinstance(node, Access) and isinstance(node.key, Literal):
        keys.insert(0, node.key.value)
        node = node.target
    if isinstance(node, Call) and node.name == "item" and not node.args:
        return _entity_path(keys) if entities else keys
    return None


def _source_loop(importer: Importer, source: Any) -> bool:
    """Whether item() inside a Select or Query reads entities (their keys in snake_case)."""
    return _are_entities(importer, source)


def _query(importer: Importer, name: str, inputs: Any, action: Mapping[str, Any]) -> dict[str, Any]:
    source = importer.value(inputs.get("from"), f"{importer.where}.inputs.from")
    importer.item_override.append(_source_loop(importer, inputs.get("from")))
    try:
        where = condition(importer, inputs.get("where"), f"{importer.where}.inputs.where")
    finally:
        importer.item_override.pop()
    return {
        "kind": "action",
        "action": "core.filter_array",
        "inputs": {"from": source, "where": where},
    }


def _join(importer: Importer, name: str, inputs: Any, action: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "kind": "action",
        "action": "core.join",
        "inputs": {
            "items": importer.value(inputs.get("from"), f"{importer.where}.inputs.from"),
            "separator": importer.value(
                inputs.get("joinWith", ""), f"{importer.where}.inputs.joinWith"
            ),
        },
    }


def _table(importer: Importer, name: str, inputs: Any, action: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {
        "items": importer.value(inputs.get("from"), f"{importer.where}.inputs.from"),
        "format": str(inputs.get("format", "HTML")).lower(),
    }
    columns = inputs.get("columns")
    if isinstance(columns, list):
        entities = _source_loop(importer, inputs.get("from"))
        values["columns"] = [
            _item_field(column.get("value"), entities)
            for column in columns
            if isinstance(column, Mapping)
        ]
        importer.found("note", f"{name}: the column headers are the field names")
    return {"kind": "action", "action": "core.create_table", "inputs": values}


def _http(importer: Importer, name: str, inputs: Any, action: Mapping[str, Any]) -> dict[str, Any]:
    if inputs.get("authentication"):
        importer.found(
            "note",
            f"{name}: its {inputs['authentication'].get('type', '')} "
            "authentication is not carried over: give the step a connection or a header",
        )
    values: dict[str, Any] = {
        "method": str(inputs.get("method", "GET")).upper(),
        "url": importer.value(inputs.get("uri"), f"{importer.where}.inputs.uri"),
    }
    for source, target in (("headers", "headers"), ("queries", "query"), ("body", "body")):
        if source in inputs:
            values[target] = importer.value(inputs[source], f"{importer.where}.inputs.{source}")
    return {"kind": "action", "action": "core.http_request", "inputs": values}


def _workflow_call(
    importer: Importer, name: str, inputs: Any, action: Mapping[str, Any]
) -> dict[str, Any]:
    """Another Logic App called through its Request trigger: Run a playbook, which finds the
    playbook by the workflow's name and does not wait for it."""
    workflow_id = ((inputs.get("host") or {}).get("workflow") or {}).get("id")
    if not isinstance(workflow_id, str) or not workflow_id:
        raise Unmapped("a workflow call without the called workflow's id")
    where = f"{importer.where}.inputs"
    values: dict[str, Any] = {
        "playbook": importer.value(_called_workflow(workflow_id), f"{where}.host.workflow.id")
    }
    if "body" in inputs:
        values["body"] = importer.value(inputs["body"], f"{where}.body")
    if inputs.get("headers"):
        importer.found("note", f"{name}: its headers are not passed on to the called playbook")
    importer.found(
        "note",
        f"{name}: starts the playbook of the called workflow's name (import it into the same "
        "workspace and enable it) and goes on without waiting for it, where Logic Apps waits "
        "for the called workflow's Response",
    )
    return {"kind": "action", "action": "soarflow.run_playbook", "inputs": values}


def _called_workflow(workflow_id: str) -> str:
    """The workflow text naming the called workflow: the last segment of its resource id as the
    template deploys it (`.../workflows/@{parameters('Name')}` gives `@{parameters('Name')}`)."""
    text = deployed(workflow_id)
    at = text.lower().rfind("/workflows/")
    if at < 0:
        raise Unmapped(f"a workflow id without /workflows/<name> ({workflow_id[:80]})")
    return text[at + len("/workflows/") :]


def _response(
    importer: Importer, name: str, inputs: Any, action: Mapping[str, Any]
) -> dict[str, Any]:
    values: dict[str, Any] = {"status_code": inputs.get("statusCode", 200)}
    for source, target in (("headers", "headers"), ("body", "body")):
        if source in inputs:
            values[target] = importer.value(inputs[source], f"{importer.where}.inputs.{source}")
    return {"kind": "action", "action": "core.response", "inputs": values}


def _terminate(
    importer: Importer, name: str, inputs: Any, action: Mapping[str, Any]
) -> dict[str, Any]:
    status = str(inputs.get("runStatus", "Failed")).lower()
    values: dict[str, Any] = {
        "status": status if status in ("succeeded", "failed", "cancelled") else "failed"
    }
    error = inputs.get("runError") or {}
    if error.get("code"):
        values["code"] = importer.value(error["code"], f"{importer.where}.inputs.runError.code")
    if error.get("message"):
        values["message"] = importer.value(
            error["message"], f"{importer.where}.inputs.runError.message"
        )
    return {"kind": "action", "action": "core.terminate", "inputs": values}


_UNITS = {"Second": "S", "Minute": "M", "Hour": "H", "Day": "D", "Week": "W", "Month": "M"}


def _wait(importer: Importer, name: str, inputs: Any, action: Mapping[str, Any]) -> dict[str, Any]:
    interval = inputs.get("interval")
    if isinstance(interval, Mapping):
        unit, count = str(interval.get("unit", "Minute")), interval.get("count", 1)
        if unit not in _UNITS or not isinstance(count, int):
            raise Unmapped(f"a delay of {count} {unit}")
        duration = (
            f"P{count}{_UNITS[unit]}"
            if unit in ("Day", "Week", "Month")
            else f"PT{count}{_UNITS[unit]}"
        )
        return {"kind": "action", "action": "core.delay", "inputs": {"duration": duration}}
    until = (inputs.get("until") or {}).get("timestamp")
    if until is not None:
        return {
            "kind": "action",
            "action": "core.delay",
            "inputs": {"until": importer.value(until, f"{importer.where}.inputs.until.timestamp")},
        }
    raise Unmapped("a delay with neither an interval nor a time")


def _api_connection(
    importer: Importer, name: str, inputs: Any, action: Mapping[str, Any]
) -> dict[str, Any]:
    mapped = operations.map_call(importer._connector_call(inputs), importer.writer())
    for variable, spec in mapped.variables.items():
        importer.variables.setdefault(variable, {**spec, "_original": f"read by {name}"})
    for note in mapped.notes:
        importer.found("note", f"{name}: {note}")
    node: dict[str, Any] = {"kind": "action", "action": mapped.action, "inputs": mapped.inputs}
    if mapped.connection is not None and not mapped.action.startswith("approvals."):
        node["connection"] = mapped.connection
    return node


def _connection_key(inputs: Mapping[str, Any]) -> str:
    reference = str(((inputs.get("host") or {}).get("connection") or {}).get("name", ""))
    found = re.search(r"\['\$connections'\]\['([^']+)'\]", reference.replace('"', "'"))
    if found is None:
        found = re.search(r"parameters\('\$connections'\)\['([^']+)'\]", reference)
    if found is None:
        raise Unmapped(f"a connection named by {reference[:80]!r}")
    return found.group(1)


STEPS: dict[str, Callable[[Importer, str, Any, Mapping[str, Any]], dict[str, Any]]] = {
    "Compose": _compose,
    "ParseJson": _parse_json,
    "InitializeVariable": _initialize_variable,
    "SetVariable": _variable_change("core.set_variable"),
    "AppendToArrayVariable": _variable_change("core.append_to_variable"),
    "AppendToStringVariable": _variable_change("core.append_to_variable"),
    "IncrementVariable": _variable_change("core.increment_variable"),
    "Select": _select,
    "Query": _query,
    "Join": _join,
    "Table": _table,
    "Http": _http,
    "Response": _response,
    "Workflow": _workflow_call,
    "Terminate": _terminate,
    "Wait": _wait,
    "ApiConnection": _api_connection,
    "ApiConnectionWebhook": _api_connection,
}
