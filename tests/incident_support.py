"""Test support for alerts and incidents: an alert as a detection product sends it."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

# The alert of the Sentinel alert-trigger example (shared/corpus/sentinel-trigger-payloads.md §4.2)
# in soarflow's shape.
MALICIOUS_BINARY: dict[str, Any] = {
    "source_product": "Azure Sentinel",
    "rule_name": "Service account ran a known-malicious binary",
    "title": "Service account ran a known-malicious binary",
    "description": "The service account svc-backup executed a file whose SHA256 matches a "
    "threat-intelligence indicator; the host then connected to a known C2 address.",
    "severity": "Medium",
    "tactics": ["Execution", "CommandAndControl"],
    "time": "2025-03-05T13:02:11.207Z",
    "custom_details": {"ProcessCommandLine": ["invoice_2025.exe /silent"], "RemotePort": ["443"]},
    "entities": [
        {
            "kind": "host",
            "properties": {
                "HostName": "FIN-WS-042",
                "DnsDomain": "corp.fabrikam.example",
                "OSFamily": "Windows",
            },
        },
        {"kind": "ip", "properties": {"Address": "198.51.100.23"}},
        {
            "kind": "account",
            "properties": {
                "Name": "svc-backup",
                "UPNSuffix": "fabrikam.example",
                "AadUserId": "8676acf9-32c7-43de-a160-8c6e4cd4dafe",
            },
        },
        {
            "kind": "filehash",
            "properties": {
                "Algorithm": "SHA256",
                "Value": "03a3c64e70a121a612c8b335acfbf0f9550f828af36ccf300ab80af44d385fd4",
            },
        },
    ],
}


def alert_body(**changes: Any) -> dict[str, Any]:
    """A fresh copy of the example alert, with top-level fields replaced."""
    body = copy.deepcopy(MALICIOUS_BINARY)
    body.update(changes)
    return body


def ip(address: str) -> dict[str, Any]:
    return {"kind": "ip", "properties": {"Address": address}}


# The Sentinel incident-trigger example (shared/corpus/sentinel-trigger-payloads.md §4.1), as
# Sentinel delivers it.
SENTINEL_INCIDENT: dict[str, Any] = json.loads(
    (Path(__file__).parent / "incidents" / "sentinel_incident.json").read_text()
)
SENTINEL_ARM_ID = (
    "/subscriptions/4d052fdc-60ea-412a-a8f6-c50703fc7fbe/resourceGroups/rg-soc-sentinel/providers/"
    "Microsoft.OperationalInsights/workspaces/law-soc-prod/providers/"
    "Microsoft.SecurityInsights/Incidents/683fd598-e7be-4a6e-89c9-80de15e71d7a"
)


def sentinel_incident(**properties: Any) -> dict[str, Any]:
    """A fresh copy of the Sentinel example, with incident properties replaced (None removes
    one)."""
    payload = copy.deepcopy(SENTINEL_INCIDENT)
    found = payload["object"]["properties"]
    found.update(properties)
    for name in [name for name, value in properties.items() if value is None]:
        del found[name]
    return payload
