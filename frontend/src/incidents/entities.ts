// Entities as a person reads them: grouped by kind, each named by its key property (an IP by its
// Address, a host by its HostName, an account as Name@UPNSuffix...), the rest as details.
// Property names are Sentinel's; the server compares them without case, and so does this.

import type { JsonObject } from "../json";
import type { Entity } from "./model";

export interface EntityView {
  /** What names the entity; "" only when it has no property at all. */
  key: string;
  /** The properties the key does not already say, in the order they came. */
  details: { name: string; value: string }[];
}

export interface EntityGroup {
  kind: string;
  label: string;
  entities: EntityView[];
}

const KIND_LABELS: ReadonlyMap<string, string> = new Map([
  ["account", "Accounts"],
  ["host", "Hosts"],
  ["ip", "IP addresses"],
  ["url", "URLs"],
  ["domain", "Domains"],
  ["dns", "DNS"],
  ["filehash", "File hashes"],
  ["file", "Files"],
  ["process", "Processes"],
  ["mailbox", "Mailboxes"],
  ["mailmessage", "Mail messages"],
  ["cloud-application", "Cloud applications"],
  ["azure-resource", "Azure resources"],
  ["registry-key", "Registry keys"],
  ["registry-value", "Registry values"],
  ["malware", "Malware"],
  ["security-group", "Security groups"],
]);

// The kinds shown first, most looked-at first; others follow in the order they appear.
const KIND_ORDER = ["account", "host", "ip", "url", "domain", "filehash", "file", "process", "mailbox"];

export function entityKindLabel(kind: string): string {
  return KIND_LABELS.get(kind.toLowerCase()) ?? kind;
}

/** A property's value, looked up without case; numbers and booleans as text, objects as JSON. */
function text(value: unknown): string | null {
  if (value === null || value === undefined || value === "") return null;
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

function lookup(properties: JsonObject, name: string): { name: string; value: string } | null {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(properties)) {
    if (key.toLowerCase() !== wanted) continue;
    const found = text(value);
    return found === null ? null : { name: key, value: found };
  }
  return null;
}

type KeyRule = (properties: JsonObject) => { key: string; used: string[] } | null;

/** The first of these properties that is set. */
function first(...names: string[]): KeyRule {
  return (properties) => {
    for (const name of names) {
      const found = lookup(properties, name);
      if (found !== null) return { key: found.value, used: [found.name] };
    }
    return null;
  };
}

/** Two properties joined (`Name@UPNSuffix`, `NTDomain\Name`), when both are set. */
function joined(left: string, separator: string, right: string): KeyRule {
  return (properties) => {
    const a = lookup(properties, left);
    const b = lookup(properties, right);
    if (a === null || b === null) return null;
    return { key: `${a.value}${separator}${b.value}`, used: [a.name, b.name] };
  };
}

const KEY_RULES: ReadonlyMap<string, KeyRule[]> = new Map([
  [
    "account",
    [
      joined("Name", "@", "UPNSuffix"),
      joined("NTDomain", "\\", "Name"),
      first("Name", "DisplayName", "UPN", "AadUserId", "Sid", "ObjectGuid"),
    ],
  ],
  ["host", [first("HostName", "NetBiosName", "FQDN", "AzureID", "OMSAgentID")]],
  ["ip", [first("Address")]],
  ["url", [first("Url")]],
  ["domain", [first("DomainName")]],
  ["dns", [first("DomainName")]],
  ["filehash", [first("Value")]],
  ["file", [first("Name", "Directory")]],
  ["process", [first("CommandLine", "ProcessId")]],
  ["mailbox", [first("MailboxPrimaryAddress", "DisplayName", "Upn")]],
  ["mailmessage", [first("Subject", "NetworkMessageId", "InternetMessageId")]],
  ["cloud-application", [first("Name", "AppId", "SaasId")]],
  ["azure-resource", [first("ResourceId")]],
  ["registry-key", [first("Key")]],
  ["registry-value", [first("Name", "Value")]],
  ["malware", [first("Name")]],
  ["security-group", [first("DistinguishedName", "SID", "ObjectGuid")]],
]);

// For kinds without rules of their own: the names most schemas use for what an entity is.
const FALLBACK_RULE = first("Name", "Value", "Address", "Url", "HostName", "DomainName", "DisplayName", "Id");

/** The key property of an entity and its other properties. */
export function entityView(entity: Entity): EntityView {
  const rules = KEY_RULES.get(entity.kind.toLowerCase()) ?? [];
  let found: { key: string; used: string[] } | null = null;
  for (const rule of [...rules, FALLBACK_RULE]) {
    found = rule(entity.properties);
    if (found !== null) break;
  }
  const entries = Object.entries(entity.properties)
    .map(([name, value]) => ({ name, value: text(value) }))
    .filter((entry): entry is { name: string; value: string } => entry.value !== null);
  if (found === null) {
    // Nothing known: the first property names it, the rest are details.
    const [head, ...rest] = entries;
    return { key: head === undefined ? "" : head.value, details: rest };
  }
  const used = new Set(found.used);
  return { key: found.key, details: entries.filter((entry) => !used.has(entry.name)) };
}

/** Entities by kind, well-known kinds first, each group in the order its entities came. */
export function groupEntities(entities: readonly Entity[]): EntityGroup[] {
  const groups = new Map<string, EntityGroup>();
  for (const entity of entities) {
    const kind = entity.kind.toLowerCase();
    let group = groups.get(kind);
    if (group === undefined) {
      group = { kind, label: entityKindLabel(kind), entities: [] };
      groups.set(kind, group);
    }
    group.entities.push(entityView(entity));
  }
  const rank = (kind: string) => {
    const index = KIND_ORDER.indexOf(kind);
    return index === -1 ? KIND_ORDER.length : index;
  };
  // Array.prototype.sort is stable: unknown kinds keep the order they appeared in.
  return [...groups.values()].sort((a, b) => rank(a.kind) - rank(b.kind));
}
