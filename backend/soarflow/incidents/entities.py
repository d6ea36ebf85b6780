"""Entities: what an alert is about (an account, a host, an IP address...), with the property names
of Microsoft Sentinel's entity schema (`Address`, `HostName`, `Name` + `UPNSuffix`, `Algorithm` +
`Value`...), so that what a Sentinel playbook reads is where it expects it.

Two mentions are one entity when they share an identifier: a set of properties that names the
thing on its own, e.g. an account's `AadUserId`, or its `Name` with its `UPNSuffix`. Incidents
deduplicate their entities by it, and alert grouping compares alerts with incidents by it."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

# Identifiers per kind, after Sentinel's "strong identifiers": a host name alone, for instance,
# may name two machines in two domains, so it identifies nothing by itself.
IDENTIFIERS: dict[str, tuple[tuple[str, ...], ...]] = {
    "account": (("AadUserId",), ("Sid",), ("Name", "UPNSuffix"), ("Name", "NTDomain")),
    "host": (
        ("HostName", "DnsDomain"),
        ("HostName", "NTDomain"),
        ("NetBiosName", "DnsDomain"),
        ("AzureID",),
        ("OMSAgentID",),
    ),
    "ip": (("Address",),),
    "url": (("Url",),),
    "domain": (("DomainName",),),
    "filehash": (("Algorithm", "Value"),),
    "file": (("Directory", "Name"),),
    "process": (("ProcessId", "CreationTimeUtc"), ("ProcessId", "CommandLine")),
    "mailbox": (("MailboxPrimaryAddress",),),
    "cloud-application": (("AppId",), ("SaasId",), ("Name",)),
}
KNOWN_KINDS = tuple(IDENTIFIERS)
# A URL's path and query are case-sensitive; every other identifying value is compared without
# case (e-mail addresses, host names, hashes written in either case).
CASE_SENSITIVE_KINDS = frozenset({"url"})


def canonical_kind(kind: str) -> str:
    """A known kind however it is capitalised ('IP' is 'ip'); any other kind kept as sent."""
    stripped = kind.strip()
    folded = stripped.casefold()
    return folded if folded in IDENTIFIERS else stripped


def identity(kind: str, properties: Mapping[str, Any]) -> frozenset[str]:
    """The keys that name this entity: one per identifier it carries in full. An entity with no
    identifier (an unknown kind, or a host with only a name) is named by all its properties, so
    it is one with its exact repetitions only."""
    by_name = {name.casefold(): value for name, value in properties.items()}
    keys = set()
    for names in IDENTIFIERS.get(kind, ()):
        values = [by_name.get(name.casefold()) for name in names]
        if all(_present(value) for value in values):
            keys.add(_key(kind, names, [_comparable(kind, value) for value in values]))
    if keys:
        return frozenset(keys)
    everything = sorted((name, _comparable(kind, value)) for name, value in by_name.items())
    return frozenset({_key(kind, ("*",), everything)})


def _present(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != {}


def _comparable(kind: str, value: Any) -> str:
    text = value.strip() if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return text if kind in CASE_SENSITIVE_KINDS else text.casefold()


def _key(kind: str, names: tuple[str, ...], values: list[Any]) -> str:
    return json.dumps([kind, names, values], separators=(",", ":"))


def merge_entities(entities: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One entry per entity, in order of first mention. Repeated mentions add the properties the
    first one lacked (a location, a display name) and never replace one it has."""
    merged: list[dict[str, Any]] = []
    position: dict[str, int] = {}
    for entity in entities:
        kind, properties = entity["kind"], entity["properties"]
        keys = identity(kind, properties)
        known = next((position[key] for key in keys if key in position), None)
        if known is None:
            known = len(merged)
            merged.append({"kind": kind, "properties": dict(properties)})
        else:
            kept = merged[known]
            kept["properties"] = {**properties, **kept["properties"]}
            keys |= identity(kind, kept["properties"])
        position.update(dict.fromkeys(keys, known))
    return merged


def identities(entities: Iterable[Mapping[str, Any]]) -> list[frozenset[str]]:
    """Each entity's keys, for comparing one list of entities with another."""
    return [identity(entity["kind"], entity["properties"]) for entity in entities]


def display_name(kind: str, properties: Mapping[str, Any]) -> str:
    """What a person calls an entity: the values of its first identifier it has (an account's
    name@suffix), else any name-like property, else its kind."""
    for names in IDENTIFIERS.get(canonical_kind(kind), ()):
        values = [properties.get(name) for name in names]
        if all(_present(value) for value in values):
            if names == ("Name", "UPNSuffix"):
                return f"{values[0]}@{values[1]}"
            return " ".join(str(value) for value in values)
    for name in ("Name", "HostName", "Address", "Url", "DomainName", "FriendlyName"):
        if _present(properties.get(name)):
            return str(properties[name])
    return kind
