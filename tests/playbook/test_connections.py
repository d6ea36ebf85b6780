"""The connections a playbook document names, and renaming them, steps and approvals inputs
alike (a rename or a template must not leave an approval mailing through a stale name)."""

from __future__ import annotations

from typing import Any

from soarflow.playbook.connections import connection_references, with_connections_renamed

DOCUMENT: dict[str, Any] = {
    "format": "soarflow.playbook/v1",
    "name": "uses",
    "nodes": [
        {"id": "vt", "kind": "action", "action": "virustotal.get_ip_report", "connection": "vt"},
        {
            "id": "ask",
            "kind": "action",
            "action": "approvals.ask_for_approval",
            "inputs": {
                "email_connection": "mail",
                "slack": {"connection": "chat", "channel": "#soc"},
                "title": "connection",
            },
        },
        {"id": "note", "kind": "action", "action": "core.compose", "inputs": {"value": "mail"}},
    ],
}


def test_steps_and_approvals_inputs_are_references() -> None:
    assert connection_references(DOCUMENT) == {"vt", "mail", "chat"}
    assert connection_references({"name": "empty"}) == set()


def test_renaming_changes_every_reference_and_nothing_else() -> None:
    renamed = with_connections_renamed(DOCUMENT, {"mail": "smtp", "chat": "slack-soc"})
    assert connection_references(renamed) == {"vt", "smtp", "slack-soc"}
    ask = renamed["nodes"][1]["inputs"]
    assert (ask["title"], ask["slack"]["channel"]) == ("connection", "#soc")
    assert renamed["nodes"][2]["inputs"]["value"] == "mail"
    assert connection_references(DOCUMENT) == {"vt", "mail", "chat"}
