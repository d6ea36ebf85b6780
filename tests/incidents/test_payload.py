"""What playbooks see of incidents and alerts: snake_case entities beside their kind."""

from __future__ import annotations

from soarflow.incidents.payload import (
    condition_subject,
    entity_payload,
    incident_payload,
    snake_case,
)

ALERT = {
    "id": "a1",
    "incident_id": "i1",
    "title": "Sign-in from a TOR exit node",
    "description": "",
    "severity": "high",
    "source_product": "Azure Active Directory Identity Protection",
    "source_alert_id": "x-1",
    "rule_name": "TOR sign-ins",
    "tactics": ["InitialAccess"],
    "time": "2026-11-28T10:00:00Z",
    "created_at": "2026-11-28T10:00:05Z",
    "custom_details": {},
    "entities": [
        {"kind": "ip", "properties": {"Address": "185.220.101.4"}},
        {"kind": "account", "properties": {"Name": "alice", "UPNSuffix": "contoso.com"}},
    ],
}
INCIDENT = {
    "id": "i1",
    "number": 7,
    "title": "TOR sign-ins",
    "description": "",
    "severity": "high",
    "status": "new",
    "classification": None,
    "owner": None,
    "labels": ["vip"],
    "rule_name": "TOR sign-ins",
    "created_at": "2026-11-28T10:00:05Z",
    "updated_at": "2026-11-28T10:00:05Z",
    "entities": ALERT["entities"],
}


def test_names_in_snake_case() -> None:
    assert [
        snake_case(name)
        for name in ("Address", "HostName", "UPNSuffix", "AadUserId", "OMSAgentID", "NTDomain")
    ] == ["address", "host_name", "upn_suffix", "aad_user_id", "oms_agent_id", "nt_domain"]


def test_an_entity_is_flat_and_keeps_its_kind() -> None:
    assert entity_payload({"kind": "host", "properties": {"HostName": "web01", "Kind": "x"}}) == {
        "kind": "host",
        "host_name": "web01",
    }
    unknown = {"kind": "iot-device", "properties": {"DeviceId": "d-1", "Vendor": "Acme"}}
    assert entity_payload(unknown) == {"kind": "iot-device", "device_id": "d-1", "vendor": "Acme"}


def test_an_incident_as_the_trigger_gives_it() -> None:
    payload = incident_payload(INCIDENT, [ALERT], "http://soc.example/incidents/i1")
    assert payload["entities"] == [
        {"kind": "ip", "address": "185.220.101.4"},
        {"kind": "account", "name": "alice", "upn_suffix": "contoso.com"},
    ]
    assert payload["alerts"] == [
        {
            "id": "a1",
            "title": "Sign-in from a TOR exit node",
            "severity": "high",
            "source_product": "Azure Active Directory Identity Protection",
            "rule_name": "TOR sign-ins",
            "time": "2026-11-28T10:00:00Z",
        }
    ]
    assert payload["url"] == "http://soc.example/incidents/i1"


def test_the_subject_automation_conditions_read() -> None:
    assert condition_subject(INCIDENT, [ALERT]) == {
        "severity": "high",
        "title": "TOR sign-ins",
        "status": "new",
        "labels": ["vip"],
        "owner": None,
        "source_product": ["Azure Active Directory Identity Protection"],
        "rule_name": ["TOR sign-ins"],
        "tactics": ["InitialAccess"],
        "entity_kinds": ["ip", "account"],
    }
    alone = condition_subject(None, [ALERT])
    assert alone["title"] == "Sign-in from a TOR exit node"
    assert "status" not in alone
