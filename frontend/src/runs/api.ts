// The runs list and a playbook's run statistics as the API returns them
// (backend/soarflow/api/runs.py: GET /runs, GET /playbooks/<id>/run-stats), read from untrusted JSON.

import { PLAYBOOKS_URL, apiRequest } from "../api";
import { fail, isObject, readArray, readCount, readNullableString, readString, readTimestamp } from "../json";
import type { JsonObject } from "../json";
import { parsePage } from "../incidents/model";
import type { Page } from "../incidents/model";
import { runsApiQuery } from "./listing";
import type { RunFilter } from "./listing";

export const RUNS_URL = "/api/v1/runs";

export interface RunError {
  code: string;
  message: string;
  details: JsonObject;
}

// Statuses and trigger types are plain strings, not unions: a newer server may add one, and one
// unknown word must not turn the whole list into an error page.
export interface RunSummary {
  id: string;
  playbookId: string;
  /** Null when the playbook is gone. */
  playbookName: string | null;
  playbookVersion: number;
  workspaceId: string;
  /** queued, running, waiting, succeeded, failed, cancelled. */
  status: string;
  /** manual, webhook, schedule, automation. */
  triggerType: string;
  error: RunError | null;
  resubmittedFrom: string | null;
  startedBy: string | null;
  startedByName: string | null;
  /** The automation rule that started the run. */
  ruleId: string | null;
  ruleName: string | null;
  incidentId: string | null;
  alertId: string | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
  /** Null until the run has ended. */
  durationMs: number | null;
}

/** How many runs of one day ended each way; runs not ended yet count as running. */
export interface RunCounts {
  succeeded: number;
  failed: number;
  cancelled: number;
  running: number;
}

export interface RunDay {
  /** The UTC day, `2026-11-28`. */
  date: string;
  counts: RunCounts;
  /** Median and 95th percentile duration of the day's finished runs; null when none finished. */
  p50Ms: number | null;
  p95Ms: number | null;
}

export interface RunStats {
  playbookId: string;
  /** One per day, oldest first, days without runs included. */
  days: RunDay[];
}

/** Days of history the playbook's charts show. */
export const STATS_DAYS = 30;

function readNullableTimestamp(obj: JsonObject, key: string, path: string): string | null {
  return obj[key] === null ? null : readTimestamp(obj, key, path);
}

function readNullableCount(obj: JsonObject, key: string, path: string): number | null {
  return obj[key] === null ? null : readCount(obj, key, path);
}

// Lenient: an error the runtime wrote in an older shape still names the run's failure, rather
// than making the whole list unreadable.
function parseRunError(value: unknown): RunError | null {
  if (value === null || value === undefined) return null;
  if (!isObject(value)) return { code: "", message: "The run failed", details: {} };
  return {
    code: typeof value["code"] === "string" ? value["code"] : "",
    message: typeof value["message"] === "string" ? value["message"] : "The run failed",
    details: isObject(value["details"]) ? value["details"] : {},
  };
}

export function parseRunSummary(value: unknown, path: string): RunSummary {
  if (!isObject(value)) fail(path, "an object", value);
  return {
    id: readString(value, "id", path),
    playbookId: readString(value, "playbook_id", path),
    playbookName: readNullableString(value, "playbook_name", path),
    playbookVersion: readCount(value, "playbook_version", path),
    workspaceId: readString(value, "workspace_id", path),
    status: readString(value, "status", path),
    triggerType: readString(value, "trigger_type", path),
    error: parseRunError(value["error"]),
    resubmittedFrom: readNullableString(value, "resubmitted_from", path),
    startedBy: readNullableString(value, "started_by", path),
    startedByName: readNullableString(value, "started_by_name", path),
    ruleId: readNullableString(value, "rule_id", path),
    ruleName: readNullableString(value, "rule_name", path),
    incidentId: readNullableString(value, "incident_id", path),
    alertId: readNullableString(value, "alert_id", path),
    createdAt: readTimestamp(value, "created_at", path),
    startedAt: readNullableTimestamp(value, "started_at", path),
    endedAt: readNullableTimestamp(value, "ended_at", path),
    durationMs: readNullableCount(value, "duration_ms", path),
  };
}

export const parseRunList = (body: unknown): Page<RunSummary> => parsePage(body, parseRunSummary);

function parseRunDay(value: unknown, path: string): RunDay {
  if (!isObject(value)) fail(path, "an object", value);
  const counts = value["counts"];
  if (!isObject(counts)) fail(`${path}.counts`, "an object", counts);
  const countsPath = `${path}.counts`;
  return {
    date: readString(value, "date", path),
    counts: {
      succeeded: readCount(counts, "succeeded", countsPath),
      failed: readCount(counts, "failed", countsPath),
      cancelled: readCount(counts, "cancelled", countsPath),
      running: readCount(counts, "running", countsPath),
    },
    p50Ms: readNullableCount(value, "p50_ms", path),
    p95Ms: readNullableCount(value, "p95_ms", path),
  };
}

export function parseRunStats(body: unknown): RunStats {
  if (!isObject(body)) fail("response", "an object", body);
  return {
    playbookId: readString(body, "playbook_id", "response"),
    days: readArray(body, "days", "response").map((day, index) => parseRunDay(day, `response.days[${index}]`)),
  };
}

/** A page of runs, newest first; `now` places a time range such as the last 24 hours. */
export function fetchRuns(filter: RunFilter, now: Date, signal?: AbortSignal): Promise<Page<RunSummary>> {
  return apiRequest(`${RUNS_URL}${runsApiQuery(filter, now)}`, { parse: parseRunList, signal });
}

export function fetchRunStats(playbookId: string, signal?: AbortSignal): Promise<RunStats> {
  const url = `${PLAYBOOKS_URL}/${encodeURIComponent(playbookId)}/run-stats?days=${STATS_DAYS}`;
  return apiRequest(url, { parse: parseRunStats, signal });
}
