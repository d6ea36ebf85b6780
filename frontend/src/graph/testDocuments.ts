// Playbooks shared by the graph tests. Test data only: nothing in the app imports this file.

import { FORMAT } from "./document";
import type { PlaybookDocument } from "./document";

/** The example of DESIGN.md section 2 (also tests/fixtures.py ENRICH_IPS). */
export function enrichIps(): PlaybookDocument {
  return {
    format: FORMAT,
    name: "Enrich incident IPs with VirusTotal",
    trigger: { id: "incident", type: "soarflow.incident_created" },
    variables: { bad_ips: { type: "array", initial: [] } },
    nodes: [
      {
        id: "each_ip",
        kind: "foreach",
        title: "For each IP",
        items: "{{ trigger.entities | selectattr('kind', 'eq', 'ip') | list }}",
        concurrency: 10,
      },
      {
        id: "vt",
        kind: "action",
        parent: "each_ip",
        branch: "body",
        action: "virustotal.get_ip_report",
        connection: "vt-main",
        inputs: { ip: "{{ item.address }}" },
        retry: { policy: "exponential", count: 4 },
      },
      {
        id: "comment",
        kind: "action",
        parent: "each_ip",
        branch: "body",
        action: "soarflow.add_incident_comment",
        inputs: {
          incident_id: "{{ trigger.id }}",
          text: "{{ item.address }}: {{ steps.vt.output.data.attributes.reputation }}",
        },
      },
    ],
    edges: [
      { source: "incident", target: "each_ip" },
      { source: "each_ip", target: "vt", branch: "body" },
      { source: "vt", target: "comment", when: ["succeeded", "failed"] },
    ],
    layout: { each_ip: { x: 0, y: 140, w: 420, h: 300 } },
  };
}

/** Containers in containers: a condition whose true branch loops over users and, per user,
 * tries a scope; a switch on severity with a number, a boolean and a default branch. Every node
 * has a layout entry, so a round trip must give back exactly this document. */
export function nested(): PlaybookDocument {
  return {
    format: FORMAT,
    name: "Triage by severity",
    description: "Nested containers and a switch",
    trigger: { id: "alert", type: "soarflow.alert_created", title: "Alert" },
    nodes: [
      {
        id: "lookup",
        kind: "action",
        action: "ad.get_user",
        inputs: { user: "{{ trigger.user }}" },
      },
      {
        id: "is_admin",
        kind: "condition",
        title: "Is an admin?",
        condition: { all: [{ left: "{{ steps.lookup.output.admin }}", op: "is_true" }] },
      },
      {
        id: "each_group",
        kind: "foreach",
        parent: "is_admin",
        branch: "true",
        items: "{{ steps.lookup.output.groups }}",
      },
      { id: "attempt", kind: "scope", parent: "each_group", branch: "body" },
      {
        id: "remove",
        kind: "action",
        parent: "attempt",
        branch: "body",
        action: "ad.remove_from_group",
        inputs: { group: "{{ item.name }}", user: "{{ steps.lookup.output.id }}" },
      },
      {
        id: "log_failure",
        kind: "action",
        parent: "each_group",
        branch: "body",
        action: "soarflow.add_incident_comment",
        inputs: { text: "{{ steps.attempt.status }}" },
      },
      { id: "note", kind: "action", parent: "is_admin", branch: "false", action: "soarflow.compose", inputs: {} },
      {
        id: "severity",
        kind: "switch",
        on: "{{ trigger.severity }}",
        cases: ["High", 3, true],
      },
      { id: "page", kind: "action", parent: "severity", branch: "High", action: "pagerduty.create_incident" },
      { id: "ticket", kind: "action", parent: "severity", branch: "3", action: "jira.create_issue" },
      { id: "flagged", kind: "action", parent: "severity", branch: "true", action: "soarflow.compose" },
      { id: "ignore", kind: "action", parent: "severity", branch: "default", action: "soarflow.terminate" },
      { id: "close", kind: "action", action: "soarflow.close_incident" },
    ],
    edges: [
      { source: "alert", target: "lookup" },
      { source: "lookup", target: "is_admin" },
      { source: "is_admin", target: "each_group", branch: "true" },
      { source: "each_group", target: "attempt", branch: "body" },
      { source: "attempt", target: "remove", branch: "body" },
      { source: "attempt", target: "log_failure", when: ["failed", "timed_out"] },
      { source: "is_admin", target: "note", branch: "false" },
      { source: "alert", target: "severity" },
      { source: "severity", target: "page", branch: "High" },
      { source: "severity", target: "ticket", branch: "3" },
      { source: "severity", target: "flagged", branch: "true" },
      { source: "severity", target: "ignore", branch: "default" },
      { source: "is_admin", target: "close", when: ["succeeded", "skipped"] },
      { source: "severity", target: "close", when: ["succeeded"] },
    ],
    layout: {
      alert: { x: 0, y: 0 },
      lookup: { x: 0, y: 120 },
      is_admin: { x: 0, y: 240, w: 900, h: 500 },
      each_group: { x: 24, y: 56 },
      attempt: { x: 24, y: 56, collapsed: false },
      remove: { x: 24, y: 56, w: 260, h: 80 },
      log_failure: { x: 24, y: 400 },
      note: { x: 24, y: 56 },
      severity: { x: 1000, y: 240 },
      page: { x: 24, y: 56 },
      ticket: { x: 24, y: 56 },
      flagged: { x: 24, y: 56 },
      ignore: { x: 24, y: 56 },
      close: { x: 0, y: 900 },
    },
  };
}

export function empty(): PlaybookDocument {
  return { format: FORMAT, name: "Empty" };
}

/** A draft the validator rejects in many ways, which the canvas must still show and keep. */
export function broken(): PlaybookDocument {
  return {
    format: FORMAT,
    name: "Broken draft",
    trigger: { id: "start", type: "core.manual" },
    nodes: [
      { id: "a", kind: "action", action: "x.y" },
      { id: "lost", kind: "action", parent: "nowhere", branch: "body", action: "x.y" },
      { id: "in_action", kind: "action", parent: "a", branch: "body", action: "x.y" },
      { id: "loop", kind: "scope", parent: "loop2", branch: "body" },
      { id: "loop2", kind: "scope", parent: "loop", branch: "body" },
      { id: "cond", kind: "condition", condition: { any: [{ left: 1, op: "eq", right: 1 }] } },
      { id: "wrong_branch", kind: "action", parent: "cond", branch: "maybe", action: "x.y" },
      { id: "a", kind: "action", action: "x.twin" },
    ],
    edges: [
      { source: "start", target: "a" },
      { source: "a", target: "ghost" },
      { source: "a", target: "start" },
      { source: "start", target: "a" },
    ],
  };
}
