"""Microsoft Sentinel's incidents as soarflow's: the body Sentinel's incident trigger delivers (what
a Logic App sees as `triggerBody()`, shared/corpus/sentinel-trigger-payloads.md §1.1) read into
one incident with all its alerts and entities, in the shape of store.models.ExternalIncidentCreate.

Sentinel writes the incident, its alerts and its entities in the ARM model: camelCase, entities
with a `kind` (`Ip`, `Account`...) and camelCase properties (`address`, `accountName`). soarflow
keeps entities under the names of Sentinel's entity schema (`Address`, `Name`: see entities.py),
so they are renamed here. What soarflow has no place for is left out; a missing optional field
takes its default; a missing or unusable required one is a Problem naming its JSON path, and every
problem is reported at once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from soarflow.incidents import Classification, Severity, Status
from soarflow.playbook.document import JsonPath, json_path

INCIDENT: JsonPath = ("object",)
PROPERTIES: JsonPath = (*INCIDENT, "properties")

SEVERITIES = {severity.value: severity.value for severity in Severity}
STATUSES = {status.value: status.value for status in Status}
CLASSIFICATIONS = {
    "truepositive": Classification.TRUE_POSITIVE.value,
    "benignpositive": Classification.BENIGN_POSITIVE.value,
    "falsepositive": Classification.FALSE_POSITIVE.value,
    "undetermined": Classification.UNDETERMINED.value,
}
# ARM entity kinds (case-folded) as soarflow's kinds: the `Type` Sentinel's entity schema gives
# the same entity (§2.1), so that an entity is one kind however Sentinel delivered it. Kinds not
# listed are kept as sent.
KINDS = {
    "account": "account",
    "host": "host",
    "ip": "ip",
    "url": "url",
    "filehash": "filehash",
    "file": "file",
    "process": "process",
    "mailbox": "mailbox",
    "cloudapplication": "cloud-application",
    # The schema's `dns`: soarflow names a domain by its DomainName under the kind `domain`.
    "dnsresolution": "domain",
    "mailmessage": "mail-message",
    "registrykey": "registry-key",
    "registryvalue": "registry-value",
    "azureresource": "azure-resource",
    "securitygroup": "security-group",
    "malware": "malware",
    "iotdevice": "iotdevice",
    "mailcluster": "mail-cluster",
}
# The ARM properties whose entity-schema name is not the ARM name with a capital first letter
# (§2.1 of the corpus document), by soarflow kind.
RENAMED = {
    "account": {
        "accountName": "Name",
        "upnSuffix": "UPNSuffix",
        "ntDomain": "NTDomain",
        "puid": "PUID",
    },
    "host": {
        "ntDomain": "NTDomain",
        "omsAgentID": "OMSAgentID",
        "osFamily": "OSFamily",
        "osVersion": "OSVersion",
    },
    "filehash": {"hashValue": "Value"},
    "file": {"fileName": "Name"},
    "cloud-application": {"appName": "Name"},
    "mail-message": {"receiveDate": "ReceivedDate"},
    "malware": {"malwareName": "Name"},
    "registry-value": {"valueName": "Name", "valueData": "Value"},
    "security-group": {"sid": "SID"},
    "iotdevice": {"vendor": "Manufacturer"},
}
RULE_NAME_DETAIL = "Analytic Rule Name"


@dataclass(frozen=True)
class Problem:
    field: str
    """The JSON path in the payload, e.g. object.properties.title."""
    code: str
    message: str


class SentinelPayloadError(Exception):
    def __init__(self, problems: Sequence[Problem]) -> None:
        super().__init__(", ".join(problem.field for problem in problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class SentinelIncident:
    """The payload read. `value` has the shape of store.models.ExternalIncidentCreate;
    `sources` says where in the payload each part of it came from, so that a value the store's
    limits refuse is named by its place in what Sentinel sent."""

    value: dict[str, Any]
    sources: dict[JsonPath, JsonPath]

    def path_of(self, location: Sequence[str | int]) -> str:
        """The payload's path for a location in `value`, e.g. ("alerts", 1, "title") is
        object.properties.alerts[1].properties.alertDisplayName."""
        where = tuple(location)
        for cut in range(len(where), 0, -1):
            if where[:cut] in self.sources:
                return _text((*self.sources[where[:cut]], *where[cut:]))
        return _text(where)


def read_incident(payload: Mapping[str, Any]) -> SentinelIncident:
    """Raises SentinelPayloadError with every problem found."""
    reader = _Reader()
    incident = reader.mapping(payload, INCIDENT, required=True)
    properties = reader.mapping(incident or {}, PROPERTIES, required=incident is not None)
    if incident is None or properties is None:
        raise SentinelPayloadError(reader.problems)
    value: dict[str, Any] = {
        "external_id": reader.text(incident, (*INCIDENT, "id"), required=True),
        "external_number": reader.number(properties, (*PROPERTIES, "incidentNumber")),
        "fields": _incident_fields(reader, properties),
        "first_activity": reader.moment(properties, (*PROPERTIES, "firstActivityTimeUtc")),
        "last_activity": reader.moment(properties, (*PROPERTIES, "lastActivityTimeUtc")),
        "entities": _entities(reader, properties, PROPERTIES, "relatedEntities"),
        "alerts": _alerts(reader, properties),
    }
    if reader.problems:
        raise SentinelPayloadError(reader.problems)
    reader.sources |= {
        ("external_id",): (*INCIDENT, "id"),
        ("external_number",): (*PROPERTIES, "incidentNumber"),
        ("entities",): (*PROPERTIES, "relatedEntities"),
    }
    # The incident's rule is its first alert's: Sentinel names rules only in alerts, and an
    # incident without alerts (made by hand in Sentinel) has none.
    value["rule_name"] = ""
    if value["alerts"]:
        value["rule_name"] = value["alerts"][0]["rule_name"]
        reader.sources[("rule_name",)] = reader.sources[("alerts", 0, "rule_name")]
    return SentinelIncident(value, reader.sources)


def _incident_fields(reader: _Reader, properties: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of store.models.IncidentUpdate: what a delivery sets, and a re-delivery
    updates."""
    fields = {
        "title": reader.text(properties, (*PROPERTIES, "title"), required=True),
        "description": reader.text(properties, (*PROPERTIES, "description")) or "",
        "severity": reader.choice(properties, (*PROPERTIES, "severity"), SEVERITIES),
        "status": reader.choice(properties, (*PROPERTIES, "status"), STATUSES),
        "owner": _owner(reader, properties),
        "labels": _labels(reader, properties),
    }
    for name in fields:
        reader.sources[("fields", name)] = (*PROPERTIES, name)
    # In soarflow only a closed incident has a classification: an open one's is left out.
    if fields["status"] == Status.CLOSED:
        fields |= _classification(reader, properties)
    return fields


def _classification(reader: _Reader, properties: Mapping[str, Any]) -> dict[str, Any]:
    path = (*PROPERTIES, "classification")
    reader.sources[("fields", "classification")] = path
    reader.sources[("fields", "classification_comment")] = (*PROPERTIES, "classificationComment")
    # Sentinel refuses to close an incident without a classification, so a closed one without
    # it was cut short on the way; Undetermined claims nothing about it.
    classification = (
        reader.choice(properties, path, CLASSIFICATIONS, required=False)
        or Classification.UNDETERMINED.value
    )
    # soarflow has no field for Sentinel's reason (SuspiciousActivity, IncorrectAlertLogic...),
    # so it leads the comment, as "reason: comment".
    reason = reader.text(properties, (*PROPERTIES, "classificationReason"))
    comment = reader.text(properties, (*PROPERTIES, "classificationComment"))
    text = ": ".join(part for part in (reason, comment) if part)
    return {"classification": classification, "classification_comment": text}


def _owner(reader: _Reader, properties: Mapping[str, Any]) -> str | None:
    """The assignee's UPN, else e-mail, else display name: the UPN names one person for good
    (it is what an Entra ID account signs in with), display names repeat, and a group owner has
    only a name. Nobody (every field null, as Sentinel sends an unassigned incident) is None."""
    path = (*PROPERTIES, "owner")
    owner = reader.mapping(properties, path) or {}
    names = (
        reader.text(owner, (*path, key)) for key in ("userPrincipalName", "email", "assignedTo")
    )
    return next((name for name in names if name), None)


def _labels(reader: _Reader, properties: Mapping[str, Any]) -> list[str | None]:
    """Label names; Sentinel's labelType (User or AutoAssigned) has no place in soarflow."""
    path = (*PROPERTIES, "labels")
    return [
        reader.text(label, (*path, index, "labelName"), required=True)
        for index, label in reader.objects(properties, path)
    ]


def _alerts(reader: _Reader, properties: Mapping[str, Any]) -> list[dict[str, Any]]:
    path = (*PROPERTIES, "alerts")
    reader.sources[("alerts",)] = path
    return [
        _alert(reader, alert, (*path, index), index)
        for index, alert in reader.objects(properties, path)
    ]


def _alert(reader: _Reader, alert: Mapping[str, Any], path: JsonPath, index: int) -> dict[str, Any]:
    """An alert in the shape of store.models.AlertCreate, from an ARM SecurityAlert."""
    at = (*path, "properties")
    properties = reader.mapping(alert, at, required=True)
    if properties is None:
        return {}
    details = reader.mapping(properties, (*at, "additionalData")) or {}
    read: dict[str, tuple[Any, JsonPath]] = {
        # The ARM resource's name is the same GUID as systemAlertId (§1.1.1).
        "source_alert_id": reader.first_text(
            [(properties, (*at, "systemAlertId")), (alert, (*path, "name"))]
        ),
        "source_product": reader.first_text([(properties, (*at, "productName"))]),
        # The analytics rule's own name when Sentinel gives it: an alert's display name may be
        # overridden per alert (with an IP address in it, say), and rule names are what
        # automation conditions and the incidents list compare.
        "rule_name": reader.first_text(
            [
                (details, (*at, "additionalData", RULE_NAME_DETAIL)),
                (properties, (*at, "alertDisplayName")),
            ]
        ),
        "title": reader.first_text([(properties, (*at, "alertDisplayName"))]),
        # When the activity began: what Sentinel makes an incident's firstActivityTimeUtc of,
        # and what grouping windows measure. timeGenerated (when the rule ran) stands in.
        "time": reader.first_moment(
            [(properties, (*at, "startTimeUtc")), (properties, (*at, "timeGenerated"))]
        ),
    }
    fields = {name: value for name, (value, _) in read.items()}
    reader.sources |= {("alerts", index, name): source for name, (_, source) in read.items()}
    fields |= {
        "description": reader.text(properties, (*at, "description")) or "",
        "severity": reader.choice(properties, (*at, "severity"), SEVERITIES),
        "tactics": reader.words(properties, (*at, "tactics")),
        # As Sentinel gives it: Query, Analytic Rule Name... and Custom Details, which stays the
        # JSON text Sentinel made of it (`from_json` reads it in a playbook).
        "custom_details": dict(details),
        # The ARM alert model has no entities of its own (Sentinel puts them all in the
        # incident's relatedEntities), but an alert that carries some keeps them.
        "entities": _entities(reader, properties, at, "entities"),
    }
    reader.sources |= {
        ("alerts", index, name): (*at, key)
        for name, key in (
            ("description", "description"),
            ("severity", "severity"),
            ("tactics", "tactics"),
            ("custom_details", "additionalData"),
            ("entities", "entities"),
        )
    }
    return fields


def _entities(
    reader: _Reader, where: Mapping[str, Any], at: JsonPath, key: str
) -> list[dict[str, Any]]:
    path = (*at, key)
    return [
        _entity(reader, entity, (*path, index)) for index, entity in reader.objects(where, path)
    ]


def _entity(reader: _Reader, entity: Mapping[str, Any], path: JsonPath) -> dict[str, Any]:
    """An ARM entity ({kind: "Account", properties: {accountName...}}) as soarflow's ({kind:
    "account", properties: {Name...}}); properties not in the entity schema are kept, renamed
    the same way, and nested values (an IP's location) as sent."""
    kind = reader.text(entity, (*path, "kind"), required=True) or ""
    ours = KINDS.get(kind.casefold(), kind)
    properties = reader.mapping(entity, (*path, "properties")) or {}
    renamed = RENAMED.get(ours, {})
    return {
        "kind": ours,
        "properties": {
            renamed.get(name) or name[:1].upper() + name[1:]: value
            for name, value in properties.items()
        },
    }


class _Reader:
    """Reads values from the payload and notes a Problem for each unusable one. Every read names
    the value by its path, whose last part is its key in `where`; null is absent."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.sources: dict[JsonPath, JsonPath] = {}

    def problem(self, path: JsonPath, code: str, message: str) -> None:
        self.problems.append(Problem(_text(path), code, message))

    def value(
        self, where: Mapping[str, Any], path: JsonPath, of: type, what: str, *, required: bool
    ) -> Any:
        """The value if it is of the type wanted; None and a problem if it is of another, or
        if it is absent (blank text counts as absent) and required."""
        found = where.get(str(path[-1]))
        if found is None or (isinstance(found, str) and not found.strip()):
            if required:
                self.missing(path, what)
            return None
        if isinstance(found, of):
            return found
        self.problem(path, "wrong_type", f"should be {what}")
        return None

    def missing(self, path: JsonPath, what: str) -> None:
        self.problem(path, "missing", f"Sentinel's incident payload has {what} here")

    def mapping(
        self, where: Mapping[str, Any], path: JsonPath, *, required: bool = False
    ) -> Mapping[str, Any] | None:
        found: Mapping[str, Any] | None = self.value(
            where, path, Mapping, "an object", required=required
        )
        return found

    def text(
        self, where: Mapping[str, Any], path: JsonPath, *, required: bool = False
    ) -> str | None:
        found: str | None = self.value(where, path, str, "text", required=required)
        return found

    def first_text(
        self, choices: Sequence[tuple[Mapping[str, Any], JsonPath]]
    ) -> tuple[Any, JsonPath]:
        """The first of several places that has text, and where it was; a problem at the first
        place when none has."""
        for where, path in choices:
            found = self.text(where, path)
            if found is not None:
                return found, path
        self.missing(choices[0][1], "text")
        return None, choices[0][1]

    def choice(
        self,
        where: Mapping[str, Any],
        path: JsonPath,
        choices: Mapping[str, str],
        *,
        required: bool = True,
    ) -> str | None:
        """One of Sentinel's values (High, TruePositive), however capitalised, as soarflow's."""
        found = self.text(where, path, required=required)
        if found is None:
            return None
        ours = choices.get(found.strip().casefold())
        if ours is None:
            names = ", ".join(choices)
            self.problem(path, "invalid_value", f"'{found}' is not one of {names}")
        return ours

    def number(self, where: Mapping[str, Any], path: JsonPath) -> int | None:
        found = where.get(str(path[-1]))
        # Some senders write the incident number as text (the corpus document, §1.1).
        if isinstance(found, str) and found.strip().isdigit():
            return int(found)
        if found is None or (isinstance(found, int) and not isinstance(found, bool)):
            return found
        self.problem(path, "wrong_type", "should be a whole number")
        return None

    def moment(self, where: Mapping[str, Any], path: JsonPath) -> datetime | None:
        found = self.text(where, path)
        if found is None:
            return None
        try:
            moment = datetime.fromisoformat(found)
        except ValueError:
            self.problem(path, "invalid_value", f"'{found}' is not an ISO 8601 date and time")
            return None
        # Every time Sentinel sends is UTC, and its names say so (startTimeUtc).
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    def first_moment(
        self, choices: Sequence[tuple[Mapping[str, Any], JsonPath]]
    ) -> tuple[datetime | None, JsonPath]:
        for where, path in choices:
            if where.get(str(path[-1])) is not None:
                return self.moment(where, path), path
        self.missing(choices[0][1], "a date and time")
        return None, choices[0][1]

    def objects(
        self, where: Mapping[str, Any], path: JsonPath
    ) -> list[tuple[int, Mapping[str, Any]]]:
        """A list's objects with their positions (none when it is absent); anything else in
        it is a problem."""
        found = self.value(where, path, list, "a list", required=False) or []
        for index, item in enumerate(found):
            if not isinstance(item, Mapping):
                self.problem((*path, index), "wrong_type", "should be an object")
        return [(index, item) for index, item in enumerate(found) if isinstance(item, Mapping)]

    def words(self, where: Mapping[str, Any], path: JsonPath) -> list[str]:
        """A list of text, or text with commas between (how the SecurityAlert table writes
        tactics)."""
        found = where.get(str(path[-1]))
        if isinstance(found, str):
            return [word.strip() for word in found.split(",") if word.strip()]
        if found is None:
            return []
        if isinstance(found, list) and all(isinstance(word, str) for word in found):
            return found
        self.problem(path, "wrong_type", "should be a list of text")
        return []


def _text(path: JsonPath) -> str:
    return json_path(path).removeprefix("$.")
