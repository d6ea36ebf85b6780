// Templates as the gallery reads them, for the tests of its pure logic.

import type { TemplateParameter, TemplateSummary } from "./api";

export function parameter(change: Partial<TemplateParameter> & Pick<TemplateParameter, "name" | "type" | "default">): TemplateParameter {
  return { title: change.name, description: "", enum: null, minimum: null, maximum: null, pattern: null, ...change };
}

export const VT_IP: TemplateSummary = {
  id: "virustotal_ip_enrichment",
  title: "VirusTotal IP enrichment",
  description: "Looks up every IP address entity in VirusTotal and comments on the incident.",
  scenario: "enrichment",
  connectors: ["soarflow", "virustotal"],
  connections: [{ name: "virustotal", connectorId: "virustotal" }],
  parameters: [parameter({ name: "malicious_threshold", type: "integer", default: 3, minimum: 1, maximum: 100 })],
};

export const JIRA: TemplateSummary = {
  id: "jira_ticket_sync",
  title: "Open a Jira issue for each incident",
  description: "Creates a Jira issue with a link back to the incident.",
  scenario: "sync",
  connectors: ["soarflow", "jira"],
  connections: [{ name: "jira", connectorId: "jira" }],
  parameters: [
    parameter({ name: "project_key", type: "string", default: "SOC", pattern: "^[A-Z][A-Z0-9_]*$" }),
    parameter({ name: "severities", type: "array", default: ["high"], enum: ["low", "medium", "high"] }),
  ],
};

export const SEED: TemplateSummary = {
  id: "approve_then_block",
  title: "Ask two admins, then block the IP and disable the user",
  description: "Mails two admins; on Block, tags the IPs on the firewall and disables the accounts.",
  scenario: "orchestration",
  connectors: ["approvals", "email", "paloalto_panos", "microsoft_graph", "soarflow"],
  connections: [
    { name: "mail", connectorId: "email" },
    { name: "firewall", connectorId: "paloalto_panos" },
    { name: "entra-id", connectorId: "microsoft_graph" },
  ],
  parameters: [parameter({ name: "approvers", type: "array", default: ["a@contoso.example", "b@contoso.example"] })],
};

export const ALL = [VT_IP, JIRA, SEED];
export const NAMES = new Map([
  ["virustotal", "VirusTotal"],
  ["jira", "Jira Cloud"],
  ["paloalto_panos", "Palo Alto Networks PAN-OS"],
]);
