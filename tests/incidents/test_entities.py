"""Entity identity: which mentions are one entity, and how an incident's entities merge."""

from __future__ import annotations

from typing import Any

import pytest

from soarflow.incidents.entities import canonical_kind, identity, merge_entities


def entity(kind: str, **properties: Any) -> dict[str, Any]:
    return {"kind": kind, "properties": properties}


@pytest.mark.parametrize(
    ("kind", "expected"),
    [("IP", "ip"), (" FileHash ", "filehash"), ("Cloud-Application", "cloud-application")],
)
def test_known_kinds_are_recognised_however_they_are_written(kind: str, expected: str) -> None:
    assert canonical_kind(kind) == expected


def test_unknown_kinds_are_kept_as_sent() -> None:
    assert canonical_kind("RegistryKey") == "RegistryKey"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (entity("ip", Address="203.0.113.45"), entity("ip", Address="203.0.113.45", Location={})),
        (
            entity("account", Name="jdoe", UPNSuffix="fabrikam.example"),
            entity("account", Name="JDoe", UPNSuffix="Fabrikam.example", DisplayName="Jane"),
        ),
        (
            entity("account", Name="jdoe", UPNSuffix="fabrikam.example", AadUserId="2e0b"),
            entity("account", AadUserId="2E0B"),
        ),
        (
            entity("filehash", Algorithm="SHA256", Value="9D00B4"),
            entity("filehash", Algorithm="sha256", Value="9d00b4"),
        ),
        (entity("host", HostName="FIN-WS-042"), entity("host", HostName="fin-ws-042")),
        # Sentinel's ARM form writes property names in camelCase.
        (entity("ip", Address="198.51.100.23"), entity("ip", address="198.51.100.23")),
        (entity("Custom", a=1, b="x"), entity("Custom", b="x", a=1)),
    ],
)
def test_mentions_of_one_entity_share_an_identifier(
    first: dict[str, Any], second: dict[str, Any]
) -> None:
    assert identity(first["kind"], first["properties"]) & identity(
        second["kind"], second["properties"]
    )


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (entity("ip", Address="203.0.113.45"), entity("ip", Address="203.0.113.46")),
        (entity("ip", Address="203.0.113.45"), entity("host", Address="203.0.113.45")),
        # A URL's path is case-sensitive.
        (entity("url", Url="https://a.example/X"), entity("url", Url="https://a.example/x")),
        # A name alone does not identify an account: jdoe of one domain is not jdoe of another.
        (
            entity("account", Name="jdoe", UPNSuffix="a.example"),
            entity("account", Name="jdoe", UPNSuffix="b.example"),
        ),
        (entity("account", Name="jdoe"), entity("account", Name="jdoe", UPNSuffix="a.example")),
        (entity("Custom", a=1), entity("Custom", a=2)),
    ],
)
def test_different_entities_share_nothing(first: dict[str, Any], second: dict[str, Any]) -> None:
    assert not identity(first["kind"], first["properties"]) & identity(
        second["kind"], second["properties"]
    )


def test_merging_keeps_one_entry_per_entity_and_adds_what_it_lacked() -> None:
    merged = merge_entities(
        [
            entity("ip", Address="203.0.113.45"),
            entity("account", Name="jdoe", UPNSuffix="fabrikam.example"),
            entity("ip", Address="203.0.113.45", Location={"city": "Amsterdam"}),
            entity("account", Name="jdoe", UPNSuffix="fabrikam.example", AadUserId="2e0b"),
            entity("account", AadUserId="2e0b", DisplayName="Jane Doe"),
            entity("RegistryKey", Hive="HKEY_LOCAL_MACHINE", Key="Run"),
        ]
    )
    assert merged == [
        entity("ip", Address="203.0.113.45", Location={"city": "Amsterdam"}),
        entity(
            "account",
            Name="jdoe",
            UPNSuffix="fabrikam.example",
            AadUserId="2e0b",
            DisplayName="Jane Doe",
        ),
        entity("RegistryKey", Hive="HKEY_LOCAL_MACHINE", Key="Run"),
    ]


def test_a_repeated_mention_never_replaces_a_property() -> None:
    merged = merge_entities(
        [
            entity("ip", Address="203.0.113.45", Note="first"),
            entity("ip", Address="203.0.113.45", Note="second"),
        ]
    )
    assert merged == [entity("ip", Address="203.0.113.45", Note="first")]
