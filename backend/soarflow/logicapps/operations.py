"""Logic Apps' managed-connector calls (ApiConnection, ApiConnectionWebhook) as soarflow
connector actions, found by the connector's API name, the method and the operation path.

Each mapping turns the call's inputs into the soarflow action's inputs, with the workflow's
expressions written by the importer's Writer, and says how later references to the call's output
(`body('X')?['IPs']`) read the soarflow step's output. The calls with no mapping are listed in
UNSUPPORTED_APIS with the reason the import report gives."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from soarflow.logicapps.cards import Card, card_request, multi_select_ids, parse_card
from soarflow.logicapps.wdl import (
    Call,
    Literal,
    Node,
    Unmapped,
    Writer,
    as_expression,
    is_expression,
    literal,
    only_expression,
    split_template,
)
from soarflow.playbook.document import Json

# What soarflow calls Sentinel's entity kinds, and the list key of each "Entities - Get" answer.
ENTITY_KINDS = {
    "account": ("account", "Accounts"),
    "ip": ("ip", "IPs"),
    "host": ("host", "Hosts"),
    "url": ("url", "URLs"),
    "filehash": ("filehash", "Filehashes"),
    "dns": ("dns", "Dnses"),
}
SENTINEL_APIS = frozenset({"azuresentinel", "microsoftsentinel"})
# Logic Apps' managed APIs soarflow has no connector for, and what to do instead.
UNSUPPORTED_APIS = {
    "azuremonitorlogs": "Log Analytics queries have no soarflow connector",
}


@dataclass(frozen=True)
class Outputs:
    """How references to a call's output map onto the soarflow step's output: keys renamed
    (`SelectedOption` → `selected_option`) or dropped (the `IPs` wrapper of an entity list),
    and whether its items are entities (their keys become snake_case)."""

    renamed: Mapping[str, str] = field(default_factory=dict)
    dropped: frozenset[str] = frozenset()
    entity_list: bool = False
    incident: bool = False
    # HTTP: the response body is under this key of the output (`outputs()` reads the rest).
    body_key: str | None = None
    # The one part of the answer the soarflow step gives, elsewhere in its output.
    moved_list: MovedList | None = None
    # Paths of the answer that hold a text of values joined by commas where the soarflow
    # step gives the list (an Adaptive Card's multi-select answers): read joined again.
    joined: frozenset[tuple[str, ...]] = frozenset()


@dataclass(frozen=True)
class MovedList:
    """A list that a managed connector answers at `answer_path` with its items' nested keys
    flattened (`properties.itemsKeyValue`), and that the soarflow step outputs under
    `output_key` with its items as the API gives them (`properties` → `itemsKeyValue`)."""

    answer_path: tuple[str, ...]
    output_key: str


@dataclass(frozen=True)
class Mapped:
    action: str
    inputs: dict[str, Json]
    connection: str | None = None
    # What the import report tells about the step (what to set before it runs).
    notes: tuple[str, ...] = ()
    # Playbook variables the step reads that the workflow has not: name -> {type, initial}.
    variables: Mapping[str, Mapping[str, Json]] = field(default_factory=dict)


@dataclass(frozen=True)
class ConnectorCall:
    """A managed-connector call as the workflow states it."""

    api: str
    connection: str
    method: str
    path: str
    body: Any
    queries: Mapping[str, Any]
    headers: Mapping[str, Any] = field(default_factory=dict)


Mapper = Callable[[ConnectorCall, Writer, re.Match[str]], Mapped]


def _path_expression(call: ConnectorCall, writer: Writer, position: int = -1) -> Json:
    """The value of the `position`th `@{...}` part of the operation path, without the
    encodeURIComponent around it (soarflow's connectors encode their own paths)."""
    parts = [part for part in split_template(call.path) if not isinstance(part, str)]
    if not parts:
        raise Unmapped(f"no value in the operation path {call.path}")
    node = parts[position]
    if isinstance(node, Call) and node.name == "encodeuricomponent" and len(node.args) == 1:
        node = node.args[0]
    return _as_value(writer, node)


def _as_value(writer: Writer, node: Node) -> Json:
    if isinstance(node, Literal):
        return node.value
    return "{{ " + writer.expression(node) + " }}"


def _field(call: ConnectorCall, writer: Writer, *keys: str) -> Json:
    """A field of the call's body (through nested objects), written; None when absent."""
    value: Any = call.body
    for key in keys:
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return writer.value(value)


def _without_none(inputs: Mapping[str, Json]) -> dict[str, Json]:
    return {key: value for key, value in inputs.items() if value not in (None, "")}


def _entities(call: ConnectorCall, writer: Writer, match: re.Match[str]) -> Mapped:
    kind = ENTITY_KINDS[match.group(1)][0]
    source = writer.value(call.body) if call.body is not None else "{{ trigger.entities }}"
    where = {"all": [{"left": "{{ item.kind }}", "op": "eq", "right": kind}]}
    return Mapped(
        "core.filter_array",
        {"from": source, "where": where},
    )


def _comment(call: ConnectorCall, writer: Writer, _match: re.Match[str]) -> Mapped:
    return Mapped(
        "soarflow.add_incident_comment",
        {
            "incident_id": _field(call, writer, "incidentArmId"),
            "text": _field(call, writer, "message"),
        },
    )


_SEVERITIES = {"Informational", "Low", "Medium", "High"}


def _update_incident(call: ConnectorCall, writer: Writer, _match: re.Match[str]) -> Mapped:
    status = _field(call, writer, "status")
    if status == "Closed":
        return Mapped(
            "soarflow.close_incident",
            _without_none(
                {
                    "incident_id": _field(call, writer, "incidentArmId"),
                    "classification": _classification(call, writer),
                    "comment": _field(call, writer, "classification", "ClassificationReasonText"),
                    "severity": _closing_severity(_field(call, writer, "severity")),
                }
            ),
        )
    severity = _field(call, writer, "severity")
    if isinstance(severity, str) and severity in _SEVERITIES:
        severity = severity.lower()
    labels = _field(call, writer, "tagsToAdd", "TagsToAdd")
    return Mapped(
        "soarflow.update_incident",
        _without_none(
            {
                "incident_id": _field(call, writer, "incidentArmId"),
                "severity": severity,
                "status": status.lower()
                if isinstance(status, str) and "{" not in status
                else status,
                "owner": _field(call, writer, "owner"),
                "add_labels": [item.get("Tag") for item in labels]
                if isinstance(labels, list) and all(isinstance(i, dict) for i in labels)
                else None,
            }
        ),
    )


def _closing_severity(severity: Json) -> Json:
    """The severity an incident closes with. One chosen at run time counts only when it is
    a severity: a card's "Don't change" (or any other value) leaves the severity as it is."""
    if not isinstance(severity, str):
        return None
    chosen = only_expression(severity)
    if chosen is None:
        return severity.lower() if severity in _SEVERITIES else None
    lowered = f"(({chosen}) | string | lower)"
    known = literal(sorted(name.lower() for name in _SEVERITIES))
    return "{{ " + f"{lowered} if {lowered} in {known} else none" + " }}"


# Sentinel's classifications (the part of "TruePositive - SuspiciousActivity" before the
# reason), by their words in lower case without spaces: cards spell them "True Positive".
_CLASSIFICATIONS = {
    "benignpositive": "benign_positive",
    "truepositive": "true_positive",
    "falsepositive": "false_positive",
    "undetermined": "undetermined",
}


def _classification(call: ConnectorCall, writer: Writer) -> Json:
    raw = _field(call, writer, "classification", "ClassificationAndReason")
    if not isinstance(raw, str):
        return "undetermined"
    chosen = only_expression(raw)
    if chosen is not None:
        # Chosen at run time: the same lookup, as an expression. A value that names no
        # classification leaves the lookup undefined, which fails the step and says so.
        key = f"(({chosen}) | string | split(' - ') | first | replace(' ', '') | lower)"
        return "{{ " + f"{literal(_CLASSIFICATIONS)}[{key}]" + " }}"
    if "{{" in raw:
        raise Unmapped("a classification written as text around a value chosen at run time")
    return _CLASSIFICATIONS.get(raw.partition(" - ")[0].replace(" ", "").lower(), "undetermined")


def _get_incident_of_alert(_call: ConnectorCall, _writer: Writer, _match: re.Match[str]) -> Mapped:
    return Mapped("soarflow.get_incident", {"incident_id": "{{ trigger.incident_id }}"})


def _virustotal(action: str, field_name: str) -> Mapper:
    def mapped(call: ConnectorCall, writer: Writer, _match: re.Match[str]) -> Mapped:
        value = _path_expression(call, writer)
        return Mapped(f"virustotal.{action}", {field_name: value}, connection=call.connection)

    return mapped


def _mail(call: ConnectorCall, writer: Writer, _match: re.Match[str]) -> Mapped:
    to = _field(call, writer, "To")
    importance = _field(call, writer, "Importance")
    return Mapped(
        "email.send_email",
        _without_none(
            {
                "to": _recipients(to),
                "cc": _recipients(_field(call, writer, "Cc")),
                "subject": _field(call, writer, "Subject"),
                "body_html": _field(call, writer, "Body"),
                "importance": importance.lower() if isinstance(importance, str) else None,
            }
        ),
        connection=call.connection,
    )


def _recipients(value: Json) -> Json:
    """Outlook's `a@x;b@y` as a list."""
    if value is None:
        return None
    if isinstance(value, str) and "{{" in value:
        split = " | string | split(';') | map('trim') | select | list }}"
        return "{{ " + as_expression(value) + split
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    return value


APPROVAL_OUTPUTS = Outputs(
    renamed={
        "SelectedOption": "selected_option",
        "UserEmailAddress": "responder",
        "UserName": "responder",
        "Comments": "comment",
    }
)


def _approval_mail(call: ConnectorCall, writer: Writer, _match: re.Match[str]) -> Mapped:
    options = _field(call, writer, "Message", "Options")
    if isinstance(options, str) and "{{" not in options:
        options = [option.strip() for option in options.split(",") if option.strip()]
    return Mapped(
        "approvals.ask_for_approval",
        _without_none(
            {
                "title": _field(call, writer, "Message", "Subject") or "Approval requested",
                "message": _field(call, writer, "Message", "Body"),
                "options": options,
                "approvers": _recipients(_field(call, writer, "Message", "To")),
                "email_connection": call.connection,
            }
        ),
    )


# Who answers a card posted to a Teams channel or chat: anyone there; a soarflow approval names
# its approvers, in this playbook variable.
CARD_APPROVERS = "teams_card_approvers"


def _teams_card_and_wait(call: ConnectorCall, writer: Writer, _match: re.Match[str]) -> Mapped:
    """An Adaptive Card that waits for an answer as an approval: its buttons are the options,
    its choice inputs the questions; the request goes to the Teams connection's channel too."""
    asked = card_request(_posted_card(call), writer)
    to = _field(call, writer, "body", "recipient", "to")
    notes = ["the card's images and layout are not carried over: its texts are the message"]
    variables: dict[str, Mapping[str, Json]] = {}
    approvers = _recipients(to)
    if approvers is None:
        approvers = "{{ vars." + CARD_APPROVERS + " }}"
        variables[CARD_APPROVERS] = {"type": "array", "initial": []}
        notes.append(
            f"the card went to a Teams channel, where anyone could answer: list who answers "
            f"(email addresses or soarflow user names) in the playbook variable {CARD_APPROVERS}"
        )
    return Mapped(
        "approvals.ask_for_approval",
        _without_none(
            {
                "title": asked.title or "Approval requested",
                "message": asked.message,
                "options": asked.options,
                "questions": asked.questions or None,
                "approvers": approvers,
                "teams": {"connection": call.connection},
            }
        ),
        notes=tuple(notes),
        variables=variables,
    )


def _posted_card(call: ConnectorCall) -> Card:
    body = call.body.get("body") if isinstance(call.body, Mapping) else None
    card = body.get("messageBody") if isinstance(body, Mapping) else None
    if not isinstance(card, str):
        raise Unmapped("a card message without its card")
    return parse_card(card)


def _card_outputs(call: ConnectorCall, _match: re.Match[str]) -> Outputs:
    """Teams answers the button's title as `submitActionId` and the inputs under `data`,
    several values of one input as one text joined by commas."""
    multiple = multi_select_ids(_posted_card(call))
    return Outputs(
        renamed={"submitActionId": "selected_option", "data": "answers"},
        joined=frozenset(("data", question_id) for question_id in multiple),
    )


def _teams_message(call: ConnectorCall, writer: Writer, _match: re.Match[str]) -> Mapped:
    return Mapped(
        "microsoft_teams.post_message",
        {"text": _field(call, writer, "messageBody")},
        connection=call.connection,
    )


def _slack(call: ConnectorCall, writer: Writer, _match: re.Match[str]) -> Mapped:
    return Mapped(
        "slack.post_message",
        {
            "channel": writer.value(call.queries.get("channel", "")) or "#soc-alerts",
            "text": writer.value(call.queries.get("text", "")),
        },
        connection=call.connection,
    )


def _graph_user(action: str) -> Mapper:
    def mapped(call: ConnectorCall, writer: Writer, _match: re.Match[str]) -> Mapped:
        return Mapped(
            f"microsoft_graph.{action}",
            {"user": _path_expression(call, writer)},
            connection=call.connection,
        )

    return mapped


def _graph_patch_user(call: ConnectorCall, writer: Writer, match: re.Match[str]) -> Mapped:
    if isinstance(call.body, Mapping) and call.body.get("accountEnabled") is False:
        return _graph_user("disable_user")(call, writer, match)
    raise Unmapped("changing a user's fields other than disabling it")


def _group_members(call: ConnectorCall, writer: Writer, _match: re.Match[str]) -> Mapped:
    return Mapped(
        "microsoft_graph.list_group_members",
        {"group_id": _path_expression(call, writer)},
        connection=call.connection,
    )


# The watchlist is the path's last value; the subscription, resource group and workspace before
# it are the soarflow connection's.
def _watchlist_items(call: ConnectorCall, writer: Writer, _match: re.Match[str]) -> Mapped:
    return Mapped(
        "microsoft_sentinel.list_watchlist_items",
        {"watchlist_alias": _path_expression(call, writer)},
        connection=call.connection,
    )


def _add_watchlist_item(call: ConnectorCall, writer: Writer, _match: re.Match[str]) -> Mapped:
    # The managed connector's body is the item's values by column.
    if not (isinstance(call.body, Mapping) and call.body) and not is_expression(call.body):
        raise Unmapped("a watchlist item without values")
    return Mapped(
        "microsoft_sentinel.add_watchlist_item",
        {"watchlist_alias": _path_expression(call, writer), "item": writer.value(call.body)},
        connection=call.connection,
    )


def _confirm_compromised(call: ConnectorCall, writer: Writer, _match: re.Match[str]) -> Mapped:
    return Mapped(
        "microsoft_graph.confirm_user_compromised",
        {"user_ids": _field(call, writer, "userIds")},
        connection=call.connection,
    )


def _machines(call: ConnectorCall, writer: Writer, _match: re.Match[str]) -> Mapped:
    wanted = str(call.queries.get("$filter", ""))
    if not wanted:
        return Mapped("microsoft_defender.list_machines", {}, connection=call.connection)
    found = re.fullmatch(r"\s*computerDnsName\s+eq\s+'(.*)'\s*", wanted)
    if found is None:
        raise Unmapped(f"finding machines by {wanted[:80]} (soarflow finds them by name or IP)")
    return Mapped(
        "microsoft_defender.find_machines_by_name",
        {"name": writer.value(found.group(1))},
        connection=call.connection,
    )


def _isolate(call: ConnectorCall, writer: Writer, _match: re.Match[str]) -> Mapped:
    isolation = _field(call, writer, "IsolationType")
    return Mapped(
        "microsoft_defender.isolate_machine",
        _without_none(
            {
                "machine_id": _path_expression(call, writer),
                "comment": _field(call, writer, "Comment") or "Isolated by soarflow",
                "isolation_type": isolation,
            }
        ),
        connection=call.connection,
    )


_SERVICENOW_FIELDS = (
    "short_description",
    "description",
    "urgency",
    "impact",
    "caller_id",
    "assignment_group",
    "category",
    "subcategory",
    "correlation_id",
    "work_notes",
)


def _servicenow(call: ConnectorCall, writer: Writer, _match: re.Match[str]) -> Mapped:
    table = _path_expression(call, writer)
    if table != "incident":
        raise Unmapped(f"creating a ServiceNow {table} record (soarflow creates incidents)")
    body = call.body if isinstance(call.body, Mapping) else {}
    inputs = {name: writer.value(body[name]) for name in _SERVICENOW_FIELDS if name in body}
    if "comments" in body and "work_notes" not in inputs:
        inputs["work_notes"] = writer.value(body["comments"])
    if "short_description" not in inputs:
        inputs["short_description"] = writer.value(body.get("description", "From soarflow"))
    return Mapped("servicenow.create_incident", inputs, connection=call.connection)


def _log_analytics(call: ConnectorCall, writer: Writer, _match: re.Match[str]) -> Mapped:
    """The retired HTTP Data Collector API as the Logs Ingestion API: the Log-Type header names
    the custom table, whose stream the data collection rule must declare."""
    log_type = call.headers.get("Log-Type")
    if not isinstance(log_type, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,99}", log_type):
        raise Unmapped("a Log-Type that is not a plain table name")
    return Mapped(
        "azure_monitor_logs.send_records",
        {"stream": f"Custom-{log_type}_CL", "records": [writer.value(call.body)]},
        connection=call.connection,
    )


def _key_vault_secret(call: ConnectorCall, writer: Writer, match: re.Match[str]) -> Mapped:
    """Key Vault's Get secret, or Get secret version: the name (and version) from the path."""
    inputs = {"name": _path_expression(call, writer, 0)}
    if match.group(1):
        inputs["version"] = _path_expression(call, writer, 1)
    return Mapped("azure_key_vault.get_secret", inputs, connection=call.connection)


# Sentinel's entity analyzer: its entity types, and the key of `properties` holding the value.
_ANALYZED_ENTITIES = {"url": "url", "user": "userId"}


def _entity_analysis(call: ConnectorCall, writer: Writer, _match: re.Match[str]) -> Mapped:
    """Sentinel MCP's entity analyzer, its answer (`classification`, `analysis`...) as it is."""
    properties = call.body.get("properties") if isinstance(call.body, Mapping) else None
    if not isinstance(properties, Mapping):
        raise Unmapped("an entity analysis without the entity's properties")
    named = [kind for kind, key in _ANALYZED_ENTITIES.items() if key in properties]
    if len(named) != 1:
        raise Unmapped("an entity analysis that names neither a url nor a userId (or both)")
    kind = named[0]
    key = _ANALYZED_ENTITIES[kind]
    stated = writer.value(properties.get("entityType"))
    chosen = only_expression(stated)
    if chosen is not None:
        # Chosen at run time (a webhook's Type): soarflow's entity types are lower case.
        entity_type: Json = "{{ (" + chosen + ") | lower }}"
    elif str(stated).lower() == kind:
        entity_type = kind
    else:
        raise Unmapped(f"an entity analysis of a {stated} entity given a {key}")
    return Mapped(
        "microsoft_sentinel_entity_analyzer.analyze_entity",
        _without_none(
            {
                "entity_type": entity_type,
                "entity": writer.value(properties[key]),
                "look_back_days": _field(call, writer, "lookBackDays"),
                # Left out, the connection's workspace.
                "workspace_id": _field(call, writer, "workspaceId"),
            }
        ),
        connection=call.connection,
    )


def _firewall(call: ConnectorCall, writer: Writer, match: re.Match[str]) -> Mapped:
    """Azure Firewall's ARM calls on one firewall: its resource group and name are the path's
    last two values; the subscription before them is the soarflow connection's."""
    inputs = {
        "resource_group": _path_expression(call, writer, -2),
        "firewall_name": _path_expression(call, writer, -1),
    }
    method = call.method.lower()
    if method == "get":
        return Mapped("azure_firewall.get_firewall", inputs, connection=call.connection)
    if method == "patch":
        tags = _field(call, writer, "tags")
        if tags is None or set(call.body) != {"tags"}:
            raise Unmapped("changing an Azure Firewall's fields other than its tags")
        inputs["tags"] = tags
        return Mapped("azure_firewall.update_tags", inputs, connection=call.connection)
    fields = {name: _field(call, writer, name) for name in ("location", "properties", "tags")}
    return Mapped(
        "azure_firewall.create_or_update_firewall",
        inputs | _without_none(fields),
        connection=call.connection,
    )


def _firewalls(call: ConnectorCall, _writer: Writer, _match: re.Match[str]) -> Mapped:
    return Mapped("azure_firewall.list_firewalls", {}, connection=call.connection)


def _jira(call: ConnectorCall, writer: Writer, _match: re.Match[str]) -> Mapped:
    return Mapped(
        "jira.create_issue",
        _without_none(
            {
                "project_key": writer.value(call.queries.get("projectKey")),
                "issue_type": _issue_type(call.queries.get("issueTypeIds")),
                "summary": _field(call, writer, "fields", "summary"),
                "description": _field(call, writer, "fields", "description"),
            }
        ),
        connection=call.connection,
    )


_JIRA_TYPES = {"10001": "Task", "10002": "Task", "10004": "Bug", "10000": "Epic"}


def _issue_type(value: Any) -> str | None:
    if value is None:
        return None
    return _JIRA_TYPES.get(str(value), "Task")


INCIDENT = Outputs(incident=True)
# Sentinel's managed connector answers a watchlist's items under `properties.watchlistItems`
# (the API, and soarflow's action, under `value`).
WATCHLIST_ITEMS = Outputs(moved_list=MovedList(("properties", "watchlistItems"), "value"))
# The Key Vault connector's fields of a secret, by the names soarflow's action gives them.
KEY_VAULT_SECRET = Outputs(
    renamed={
        "value": "value",
        "name": "name",
        "version": "version",
        "contentType": "content_type",
        "isEnabled": "enabled",
        "createdTime": "created",
        "lastUpdatedTime": "updated",
        "validityStartTime": "not_before",
        "validityEndTime": "expires",
    }
)
# Defender's answer holds its devices under `value`; soarflow's action under `machines`.
MACHINES = Outputs(renamed={"value": "machines"})
PLAIN = Outputs()


def _entity_outputs(kind: str) -> Outputs:
    key = ENTITY_KINDS[kind][1]
    return Outputs(dropped=frozenset({key, key.lower(), "FileHashes"}), entity_list=True)


ENTITIES = {kind: _entity_outputs(kind) for kind in ENTITY_KINDS}


@dataclass(frozen=True)
class Operation:
    apis: frozenset[str]
    method: str
    # Matched against the path with each `@{...}` part replaced by X.
    pattern: str
    mapper: Mapper
    # How references to the call's answer read the soarflow step's output; by the call and
    # the match.
    outputs: Callable[[ConnectorCall, re.Match[str]], Outputs] = lambda _call, _match: PLAIN


def _one(
    apis: str, method: str, pattern: str, mapper: Mapper, outputs: Outputs = PLAIN
) -> Operation:
    return Operation(
        frozenset(apis.split()), method, pattern, mapper, lambda _call, _match: outputs
    )


SENTINEL = " ".join(sorted(SENTINEL_APIS))
# Azure Firewall's ARM API, called through a custom connector; one firewall's path.
FIREWALL_APIS = "azurefirewallconnector"
FIREWALL = r"/subscriptions/[^/]+/resourceGroups/X/providers/Microsoft\.Network/azureFirewalls/X"
OPERATIONS: Sequence[Operation] = (
    Operation(
        SENTINEL_APIS,
        "post",
        r"/entities/(account|ip|host|url|filehash|dns)",
        _entities,
        lambda _call, match: ENTITIES[match.group(1)],
    ),
    _one(SENTINEL, "post", r"/Incidents/Comment", _comment),
    _one(SENTINEL, "put", r"/Incidents", _update_incident, INCIDENT),
    _one(
        SENTINEL,
        "get",
        r"/Incidents/subscriptions/X/resourceGroups/X/workspaces/X/alerts/X",
        _get_incident_of_alert,
        INCIDENT,
    ),
    _one(
        SENTINEL,
        "get",
        r"/Watchlists/subscriptions/X/resourceGroups/X/workspaces/X/watchlists/X/watchlistItems",
        _watchlist_items,
        WATCHLIST_ITEMS,
    ),
    _one(
        SENTINEL,
        "put",
        r"/Watchlists/subscriptions/X/resourceGroups/X/workspaces/X/watchlists/X/watchlistItem",
        _add_watchlist_item,
    ),
    _one("virustotal", "get", r"/api/v3/ip_addresses/X", _virustotal("get_ip_report", "ip")),
    _one("virustotal", "get", r"/api/v3/files/X", _virustotal("get_file_report", "hash")),
    _one("virustotal", "get", r"/api/v3/domains/X", _virustotal("get_domain_report", "domain")),
    _one("office365", "post", r"/v2/Mail", _mail),
    _one("office365", "", r"/approvalmail/\$subscriptions", _approval_mail, APPROVAL_OUTPUTS),
    Operation(
        frozenset({"teams"}),
        "",
        r"/flowbot/actions/flowcontinuation/.*",
        _teams_card_and_wait,
        _card_outputs,
    ),
    _one("teams", "post", r"/beta/teams/conversation/message/poster/X/location/X", _teams_message),
    _one("slack", "post", r"/chat\.postMessage", _slack),
    _one("azuread", "get", r"/v1\.0/users/X", _graph_user("get_user")),
    _one("azuread", "patch", r"/v1\.0/users/X", _graph_patch_user),
    _one("azuread", "get", r"/v1\.0/groups/X/members", _group_members),
    _one("azureadip", "post", r"/beta/riskyUsers/confirmCompromised", _confirm_compromised),
    _one("wdatp", "get", r"/api/machines", _machines, MACHINES),
    _one("wdatp", "post", r"/api/machines/X/isolate", _isolate),
    _one("service-now servicenow", "post", r"/api/now/v2/table/X", _servicenow),
    _one("jira", "post", r"/issue", _jira),
    _one("azureloganalyticsdatacollector", "post", r"/api/logs", _log_analytics),
    _one(
        FIREWALL_APIS,
        "get",
        r"/subscriptions/[^/]+/providers/Microsoft\.Network/azureFirewalls",
        _firewalls,
    ),
    *(_one(FIREWALL_APIS, method, FIREWALL, _firewall) for method in ("get", "put", "patch")),
    _one("sentinelmcp", "post", r"/aiprimitives/analysis", _entity_analysis),
    _one(
        "keyvault",
        "get",
        r"/secrets/X(/versions/X)?/value",
        _key_vault_secret,
        KEY_VAULT_SECRET,
    ),
)


def _shape(path: str) -> str:
    out, depth, at = "", 0, 0
    while at < len(path):
        if path.startswith("@{", at):
            depth += 1
            at += 2
            continue
        char = path[at]
        if depth:
            if char == "}":
                depth -= 1
                if depth == 0:
                    out += "X"
            elif char == "{":
                depth += 1
        else:
            out += char
        at += 1
    return out


def _operation(call: ConnectorCall) -> tuple[Operation, re.Match[str]]:
    api = call.api.lower()
    if api in UNSUPPORTED_APIS:
        raise Unmapped(UNSUPPORTED_APIS[api])
    shape = _shape(call.path)
    for operation in OPERATIONS:
        if api not in operation.apis or operation.method != call.method.lower():
            continue
        match = re.fullmatch(operation.pattern, shape)
        if match is not None:
            return operation, match
    method = call.method.upper() or "webhook"
    raise Unmapped(f"{call.api} {method} {shape}: no soarflow action does this")


def outputs_of(call: ConnectorCall) -> Outputs:
    """How references to the call's answer read the soarflow step (known before any action
    is written: references may come first in the document)."""
    try:
        operation, match = _operation(call)
    except Unmapped:
        return PLAIN
    return operation.outputs(call, match)


def map_call(call: ConnectorCall, writer: Writer) -> Mapped:
    """The soarflow action for a managed-connector call, or Unmapped saying why not."""
    operation, match = _operation(call)
    return operation.mapper(call, writer, match)
