"""Microsoft Sentinel's incident payload read as soarflow's incident, alerts and entities: the
example of shared/corpus/sentinel-trigger-payloads.md §4.1, field by field, and what a payload
lacking or mangling fields gives."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from soarflow.incidents.sentinel import SentinelPayloadError, read_incident
from tests.incident_support import SENTINEL_ARM_ID, SENTINEL_INCIDENT, sentinel_incident

FILE_HASH = "9d00b427acc4b9881f42e900571e00c32eeaa4ed771d58d996f9e00aa933ebe8"
PHISHING_URL = "https://login-fabrikam.example.net/owa/auth.php?id=8f2c"


def problems(payload: Any) -> dict[str, str]:
    with pytest.raises(SentinelPayloadError) as raised:
        read_incident(payload)
    return {problem.field: problem.code for problem in raised.value.problems}


def test_the_example_incident_is_read_field_by_field() -> None:
    value = read_incident(SENTINEL_INCIDENT).value
    assert value["external_id"] == SENTINEL_ARM_ID
    assert value["external_number"] == 1423
    assert value["fields"] == {
        "title": "Phishing link click followed by malicious download on FIN-WS-042",
        "description": "A user opened a credential-phishing URL, signed in from a known-malicious "
        "IP and a file with a malicious hash was written on the user's workstation.",
        "severity": "high",
        "status": "new",
        "owner": None,
        "labels": ["phishing"],
    }
    assert value["first_activity"] == datetime(2025, 3, 4, 7, 52, 3, 118000, UTC)
    assert value["last_activity"] == datetime(2025, 3, 4, 8, 9, 41, 502000, UTC)
    assert value["rule_name"] == "Sign-in from threat-intel IP after phishing URL click"


def test_the_example_alerts_are_read_field_by_field() -> None:
    first, second = read_incident(SENTINEL_INCIDENT).value["alerts"]
    details = SENTINEL_INCIDENT["object"]["properties"]["alerts"][0]["properties"]["additionalData"]
    assert first == {
        "source_alert_id": "7cab79f2-ad75-4212-bfc4-9d3b1c265ce7",
        "source_product": "Azure Sentinel",
        "rule_name": "Sign-in from threat-intel IP after phishing URL click",
        "title": "Sign-in from threat-intel IP after phishing URL click",
        "description": "A successful sign-in came from an IP address listed as malicious shortly "
        "after the account clicked a known phishing URL.",
        "severity": "high",
        "tactics": ["InitialAccess"],
        "time": datetime(2025, 3, 4, 7, 52, 3, 118000, UTC),
        "custom_details": details,
        "entities": [],
    }
    assert first["custom_details"]["Custom Details"] == (
        '{"ClientAppUsed":["Browser"],"AppDisplayName":["Office 365 Exchange Online"]}'
    )
    assert (second["source_alert_id"], second["rule_name"], second["tactics"]) == (
        "5e0f63e4-67c1-4a49-aebf-3c836fa4d241",
        "Known-malicious file hash written to disk",
        ["Execution"],
    )
    assert second["time"] == datetime(2025, 3, 4, 8, 9, 41, 502000, UTC)


def test_the_example_entities_get_soarflow_kinds_and_the_entity_schema_names() -> None:
    ip, account, host, url, filehash = read_incident(SENTINEL_INCIDENT).value["entities"]
    related = SENTINEL_INCIDENT["object"]["properties"]["relatedEntities"]
    assert ip == {
        "kind": "ip",
        "properties": {
            "Address": "203.0.113.45",
            "Location": related[0]["properties"]["location"],
            "FriendlyName": "203.0.113.45",
        },
    }
    assert account == {
        "kind": "account",
        "properties": {
            "Name": "jdoe",
            "UPNSuffix": "fabrikam.example",
            "AadTenantId": "78984dc2-b23f-4969-98a6-88e2152c5fe3",
            "AadUserId": "2e0b27ce-ad0f-4fa0-b166-69e064b7cc3e",
            "DisplayName": "Jane Doe",
            "IsDomainJoined": False,
            "FriendlyName": "jdoe",
        },
    }
    assert host == {
        "kind": "host",
        "properties": {
            "HostName": "FIN-WS-042",
            "DnsDomain": "corp.fabrikam.example",
            "NetBiosName": "FIN-WS-042",
            "OMSAgentID": "1c746ca5-bdd1-4612-a4c0-80682521e6a7",
            "OSFamily": "Windows",
            "OSVersion": "10.0.19045",
            "IsDomainJoined": True,
            "FriendlyName": "FIN-WS-042",
        },
    }
    assert url == {"kind": "url", "properties": {"Url": PHISHING_URL, "FriendlyName": PHISHING_URL}}
    assert filehash == {
        "kind": "filehash",
        "properties": {"Algorithm": "SHA256", "Value": FILE_HASH, "FriendlyName": FILE_HASH},
    }


@pytest.mark.parametrize(
    ("kind", "properties", "expected"),
    [
        ("DnsResolution", {"domainName": "a.example"}, ("domain", {"DomainName": "a.example"})),
        ("File", {"fileName": "a.exe"}, ("file", {"Name": "a.exe"})),
        ("CloudApplication", {"appName": "O365"}, ("cloud-application", {"Name": "O365"})),
        (
            "Mailbox",
            {"mailboxPrimaryAddress": "j@f"},
            ("mailbox", {"MailboxPrimaryAddress": "j@f"}),
        ),
        ("Process", {"commandLine": "a /s"}, ("process", {"CommandLine": "a /s"})),
        (
            "RegistryValue",
            {"valueName": "Run", "valueData": "a"},
            ("registry-value", {"Name": "Run", "Value": "a"}),
        ),
        (
            "MailMessage",
            {"receiveDate": "2025-03-04"},
            ("mail-message", {"ReceivedDate": "2025-03-04"}),
        ),
        ("SubmissionMail", {"submissionId": "s-1"}, ("SubmissionMail", {"SubmissionId": "s-1"})),
        ("Nebula", {"starName": "Vega"}, ("Nebula", {"StarName": "Vega"})),
    ],
)
def test_each_kind_of_the_corpus_table_gets_its_schema_names(
    kind: str, properties: dict[str, Any], expected: tuple[str, dict[str, Any]]
) -> None:
    entity = {"kind": kind, "properties": properties}
    [found] = read_incident(sentinel_incident(relatedEntities=[entity])).value["entities"]
    assert (found["kind"], found["properties"]) == expected


def test_an_alerts_own_entities_are_read_like_the_incidents() -> None:
    payload = sentinel_incident()
    alert = payload["object"]["properties"]["alerts"][1]["properties"]
    alert["entities"] = [
        {"kind": "FileHash", "properties": {"algorithm": "MD5", "hashValue": "ab"}}
    ]
    second = read_incident(payload).value["alerts"][1]
    assert second["entities"] == [
        {"kind": "filehash", "properties": {"Algorithm": "MD5", "Value": "ab"}}
    ]


def test_a_closed_incident_brings_its_classification_reason_and_comment() -> None:
    payload = sentinel_incident(
        status="Closed",
        classification="BenignPositive",
        classificationReason="SuspiciousButExpected",
        classificationComment="Red team exercise",
    )
    fields = read_incident(payload).value["fields"]
    assert (fields["status"], fields["classification"]) == ("closed", "benign_positive")
    assert fields["classification_comment"] == "SuspiciousButExpected: Red team exercise"


def test_a_closed_incident_without_a_classification_is_undetermined() -> None:
    fields = read_incident(sentinel_incident(status="Closed")).value["fields"]
    assert (fields["classification"], fields["classification_comment"]) == ("undetermined", "")


def test_an_open_incident_keeps_no_classification() -> None:
    payload = sentinel_incident(status="Active", classification="TruePositive")
    fields = read_incident(payload).value["fields"]
    assert fields["status"] == "active"
    assert "classification" not in fields


@pytest.mark.parametrize(
    ("owner", "expected"),
    [
        (
            {"assignedTo": "Jane Doe", "email": "jane@fabrikam.example",
             "userPrincipalName": "jdoe@fabrikam.example", "objectId": "2e0b27ce"},
            "jdoe@fabrikam.example",
        ),
        ({"assignedTo": "Jane Doe", "email": "jane@fabrikam.example"}, "jane@fabrikam.example"),
        ({"assignedTo": "Tier 1", "ownerType": "Group"}, "Tier 1"),
        ({"assignedTo": None, "email": None, "userPrincipalName": None}, None),
    ],
)  # fmt: skip
def test_the_owner_is_the_upn_else_the_email_else_the_name(
    owner: dict[str, Any], expected: str | None
) -> None:
    assert read_incident(sentinel_incident(owner=owner)).value["fields"]["owner"] == expected


def test_optional_fields_may_be_missing() -> None:
    payload = sentinel_incident(
        description=None,
        owner=None,
        labels=None,
        incidentNumber=None,
        firstActivityTimeUtc=None,
        lastActivityTimeUtc=None,
        alerts=None,
        relatedEntities=None,
        additionalData=None,
    )
    value = read_incident(payload).value
    assert (value["fields"]["description"], value["fields"]["owner"]) == ("", None)
    assert (value["fields"]["labels"], value["alerts"], value["entities"]) == ([], [], [])
    assert (value["external_number"], value["first_activity"]) == (None, None)
    # No alert names a rule.
    assert value["rule_name"] == ""


def test_alert_fields_fall_back_to_their_alternatives() -> None:
    payload = sentinel_incident()
    alert = payload["object"]["properties"]["alerts"][0]
    for name in ("systemAlertId", "startTimeUtc", "additionalData"):
        del alert["properties"][name]
    alert["properties"]["tactics"] = "InitialAccess, CredentialAccess"
    first = read_incident(payload).value["alerts"][0]
    assert first["source_alert_id"] == alert["name"]
    assert first["time"] == datetime(2025, 3, 4, 8, 16, 58, 221408, UTC)
    assert first["rule_name"] == first["title"]
    assert first["custom_details"] == {}
    assert first["tactics"] == ["InitialAccess", "CredentialAccess"]


def test_the_incident_number_may_come_as_text() -> None:
    value = read_incident(sentinel_incident(incidentNumber="1423")).value
    assert value["external_number"] == 1423


def test_missing_required_fields_are_named_by_their_paths_all_at_once() -> None:
    payload = sentinel_incident(title=None, severity="Critical", status=None)
    del payload["object"]["id"]
    alert = payload["object"]["properties"]["alerts"][1]
    del alert["name"]
    for name in ("systemAlertId", "productName", "alertDisplayName", "startTimeUtc"):
        del alert["properties"][name]
    del alert["properties"]["timeGenerated"]
    payload["object"]["properties"]["relatedEntities"][3] = {"properties": {"url": "x"}}
    payload["object"]["properties"]["labels"] = [{"labelType": "User"}, "vip"]
    at = "object.properties"
    assert problems(payload) == {
        "object.id": "missing",
        f"{at}.title": "missing",
        f"{at}.severity": "invalid_value",
        f"{at}.status": "missing",
        f"{at}.labels[0].labelName": "missing",
        f"{at}.labels[1]": "wrong_type",
        f"{at}.relatedEntities[3].kind": "missing",
        f"{at}.alerts[1].properties.systemAlertId": "missing",
        f"{at}.alerts[1].properties.productName": "missing",
        f"{at}.alerts[1].properties.alertDisplayName": "missing",
        f"{at}.alerts[1].properties.startTimeUtc": "missing",
    }


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({}, {"object": "missing"}),
        ({"object": []}, {"object": "wrong_type"}),
        ({"object": {"id": "x"}}, {"object.properties": "missing"}),
        (
            sentinel_incident(alerts={"a": 1}, firstActivityTimeUtc="yesterday"),
            {
                "object.properties.alerts": "wrong_type",
                "object.properties.firstActivityTimeUtc": "invalid_value",
            },
        ),
    ],
)
def test_payloads_of_another_shape_are_problems_not_crashes(
    payload: dict[str, Any], expected: dict[str, str]
) -> None:
    assert problems(payload) == expected


def test_a_location_in_the_result_is_named_by_where_it_came_from() -> None:
    incident = read_incident(SENTINEL_INCIDENT)
    assert incident.path_of(("alerts", 1, "title")) == (
        "object.properties.alerts[1].properties.alertDisplayName"
    )
    assert incident.path_of(("fields", "labels", 0)) == "object.properties.labels[0]"
    assert incident.path_of(("entities", 2, "kind")) == "object.properties.relatedEntities[2].kind"
    assert incident.path_of(("rule_name",)) == (
        "object.properties.alerts[0].properties.additionalData['Analytic Rule Name']"
    )
