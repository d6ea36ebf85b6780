// The REST calls of the incidents and alerts pages (backend/soarflow/api/incidents.py, alerts.py,
// subject_runs.py).

import { PLAYBOOKS_URL, apiRequest, parsePlaybookList } from "../api";
import type { PlaybookList } from "../api";
import type { AlertFilter, IncidentFilter } from "./listing";
import { apiQuery } from "./listing";
import {
  parseAlertPage,
  parseCommentBody,
  parseIncident,
  parseIncidentPage,
  parseRunPage,
  parseRunStarted,
} from "./model";
import type { AlertSummary, Comment, Incident, IncidentSummary, Page, RunStarted, RunSummary } from "./model";

export const INCIDENTS_URL = "/api/v1/incidents";
export const ALERTS_URL = "/api/v1/alerts";
/** The most rows the API hands out at once. */
const MAX_LIMIT = 200;

function incidentUrl(id: string): string {
  return `${INCIDENTS_URL}/${encodeURIComponent(id)}`;
}

export function fetchIncidents(filter: IncidentFilter, signal?: AbortSignal): Promise<Page<IncidentSummary>> {
  return apiRequest(`${INCIDENTS_URL}${apiQuery(filter)}`, { parse: parseIncidentPage, signal });
}

/** The latest incidents, for naming the incidents alerts belong to. */
export function fetchRecentIncidents(signal?: AbortSignal): Promise<Page<IncidentSummary>> {
  return apiRequest(`${INCIDENTS_URL}?limit=${MAX_LIMIT}`, { parse: parseIncidentPage, signal });
}

export function fetchIncident(id: string, signal?: AbortSignal): Promise<Incident> {
  return apiRequest(incidentUrl(id), { parse: parseIncident, signal });
}

/** What triage may change; closing needs a classification. */
export interface IncidentChanges {
  status?: string;
  severity?: string;
  /** null: nobody owns it. */
  owner?: string | null;
  labels?: string[];
  classification?: string;
  classification_comment?: string;
}

export function updateIncident(id: string, changes: IncidentChanges): Promise<Incident> {
  return apiRequest(incidentUrl(id), { method: "PATCH", body: changes, parse: parseIncident });
}

export function addComment(id: string, text: string): Promise<Comment> {
  return apiRequest(`${incidentUrl(id)}/comments`, { method: "POST", body: { text }, parse: parseCommentBody });
}

/** The enabled playbooks the caller may run on this incident. */
export function fetchRunnablePlaybooks(id: string, signal?: AbortSignal): Promise<PlaybookList> {
  return apiRequest(`${incidentUrl(id)}/playbooks`, { parse: parsePlaybookList, signal });
}

export function startRun(id: string, playbookId: string): Promise<RunStarted> {
  return apiRequest(`${incidentUrl(id)}/runs`, {
    method: "POST",
    body: { playbook_id: playbookId },
    parse: parseRunStarted,
  });
}

export function fetchIncidentRuns(id: string, signal?: AbortSignal): Promise<Page<RunSummary>> {
  return apiRequest(`${incidentUrl(id)}/runs?limit=${MAX_LIMIT}`, { parse: parseRunPage, signal });
}

export function fetchAlerts(filter: AlertFilter, signal?: AbortSignal): Promise<Page<AlertSummary>> {
  return apiRequest(`${ALERTS_URL}${apiQuery(filter)}`, { parse: parseAlertPage, signal });
}

/** Every playbook the caller may read (up to the API's page size), for naming them by id. */
export function fetchAllPlaybooks(signal?: AbortSignal): Promise<PlaybookList> {
  return apiRequest(`${PLAYBOOKS_URL}?limit=${MAX_LIMIT}`, { parse: parsePlaybookList, signal });
}
