// The REST calls of the automation page (backend/soarflow/api/automation_rules.py).

import { apiRequest } from "../api";
import type { JsonObject } from "../json";
import { parseRuleBody, parseRuleList } from "./rules";
import type { AutomationRule } from "./rules";

export const RULES_URL = "/api/v1/automation-rules";

function ruleUrl(id: string): string {
  return `${RULES_URL}/${encodeURIComponent(id)}`;
}

export function fetchRules(signal?: AbortSignal): Promise<AutomationRule[]> {
  return apiRequest(RULES_URL, { parse: parseRuleList, signal });
}

export function fetchRule(id: string, signal?: AbortSignal): Promise<AutomationRule> {
  return apiRequest(ruleUrl(id), { parse: parseRuleBody, signal });
}

/** A new rule, in the given workspace (id or name) or the server's choice when there is one. */
export function createRule(body: JsonObject, workspace: string | null): Promise<AutomationRule> {
  const query = workspace === null ? "" : `?workspace=${encodeURIComponent(workspace)}`;
  return apiRequest(`${RULES_URL}${query}`, { method: "POST", body, parse: parseRuleBody });
}

export function replaceRule(id: string, body: JsonObject): Promise<AutomationRule> {
  return apiRequest(ruleUrl(id), { method: "PUT", body, parse: parseRuleBody });
}

export function changeRule(id: string, changes: { enabled?: boolean; order?: number }): Promise<AutomationRule> {
  return apiRequest(ruleUrl(id), { method: "PATCH", body: changes, parse: parseRuleBody });
}

export function deleteRule(id: string): Promise<void> {
  return apiRequest(ruleUrl(id), { method: "DELETE", parse: () => undefined });
}
