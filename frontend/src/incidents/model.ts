// Incidents, alerts, comments and runs as the API returns them (backend/soarflow/store/models.py:
// IncidentSummary, IncidentPublic, AlertSummary, CommentPublic, RunSummary), read from untrusted
// JSON, and the words the pages show for their coded values.

import { durationText } from "../format";
import {
  fail,
  isObject,
  readArray,
  readCount,
  readNullableString,
  readString,
  readStringArray,
  readTimestamp,
} from "../json";
import type { JsonObject } from "../json";

// Severities, statuses and the like are plain strings, not unions: a newer server may add one,
// and one unknown word must not turn a whole list into an error page.

/** Most severe first, the order of the filters and selects. */
export const SEVERITIES = ["high", "medium", "low", "informational"] as const;
export const STATUSES = ["new", "active", "closed"] as const;
export const CLASSIFICATIONS = ["true_positive", "benign_positive", "false_positive", "undetermined"] as const;

const SEVERITY_LABELS: ReadonlyMap<string, string> = new Map([
  ["high", "High"],
  ["medium", "Medium"],
  ["low", "Low"],
  ["informational", "Informational"],
]);

const STATUS_LABELS: ReadonlyMap<string, string> = new Map([
  ["new", "New"],
  ["active", "Active"],
  ["closed", "Closed"],
]);

const CLASSIFICATION_LABELS: ReadonlyMap<string, string> = new Map([
  ["true_positive", "True positive"],
  ["benign_positive", "Benign positive"],
  ["false_positive", "False positive"],
  ["undetermined", "Undetermined"],
]);

const CLASSIFICATION_HINTS: ReadonlyMap<string, string> = new Map([
  ["true_positive", "Suspicious activity that really happened"],
  ["benign_positive", "Real, but expected or allowed (a test, an admin at work)"],
  ["false_positive", "The detection was wrong: nothing happened"],
  ["undetermined", "Not enough information to tell"],
]);

const RUN_STATUS_LABELS: ReadonlyMap<string, string> = new Map([
  ["queued", "Queued"],
  ["running", "Running"],
  ["waiting", "Waiting"],
  ["succeeded", "Succeeded"],
  ["failed", "Failed"],
  ["cancelled", "Cancelled"],
]);

const RUN_TRIGGER_LABELS: ReadonlyMap<string, string> = new Map([
  ["manual", "Manual"],
  ["automation", "Automation"],
  ["schedule", "Schedule"],
  ["webhook", "Webhook"],
  ["playbook", "Another playbook"],
]);

/** A run that has not ended yet: its tab keeps asking how it goes. */
export const ACTIVE_RUN_STATUSES: ReadonlySet<string> = new Set(["queued", "running", "waiting"]);

function capitalised(word: string): string {
  const text = word.replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export function severityLabel(severity: string): string {
  return SEVERITY_LABELS.get(severity) ?? capitalised(severity);
}

export function statusLabel(status: string): string {
  return STATUS_LABELS.get(status) ?? capitalised(status);
}

export function classificationLabel(classification: string): string {
  return CLASSIFICATION_LABELS.get(classification) ?? capitalised(classification);
}

export function classificationHint(classification: string): string {
  return CLASSIFICATION_HINTS.get(classification) ?? "";
}

export function runStatusLabel(status: string): string {
  return RUN_STATUS_LABELS.get(status) ?? capitalised(status);
}

/** How a run started: by hand, by an automation rule... An empty type is an older run's. */
export function runTriggerLabel(triggerType: string): string {
  if (triggerType === "") return "Unknown";
  return RUN_TRIGGER_LABELS.get(triggerType) ?? capitalised(triggerType);
}

// --- Shapes ---------------------------------------------------------------------------------

export interface Page<T> {
  data: T[];
  total: number;
  next: string | null;
}

export interface IncidentSummary {
  id: string;
  workspaceId: string;
  number: number;
  title: string;
  description: string;
  severity: string;
  status: string;
  classification: string | null;
  classificationComment: string;
  owner: string | null;
  ruleName: string;
  alertCount: number;
  labels: string[];
  firstAlertAt: string;
  lastAlertAt: string;
  createdAt: string;
  updatedAt: string;
}

/** Something an alert is about: Sentinel's entity kinds and property names (Address, HostName...). */
export interface Entity {
  kind: string;
  properties: JsonObject;
}

export interface AlertSummary {
  id: string;
  workspaceId: string;
  incidentId: string | null;
  sourceProduct: string;
  sourceAlertId: string | null;
  ruleName: string;
  title: string;
  description: string;
  severity: string;
  /** Whether the alert opened its incident or joined one: created, grouped... */
  grouping: string;
  /** When it happened, as the product that raised it says. */
  time: string;
  createdAt: string;
}

export interface Comment {
  id: number;
  incidentId: string;
  authorId: string | null;
  authorName: string;
  /** Plain text as written: shown as text, never as HTML. */
  text: string;
  createdAt: string;
}

export interface Incident extends IncidentSummary {
  entities: Entity[];
  alerts: AlertSummary[];
  comments: Comment[];
}

export interface RunSummary {
  id: string;
  playbookId: string;
  playbookVersion: number;
  status: string;
  /** manual, automation, schedule, webhook... */
  triggerType: string;
  errorMessage: string | null;
  startedBy: string | null;
  createdAt: string;
  startedAt: string | null;
  endedAt: string | null;
}

export interface RunStarted {
  id: string;
  status: string;
}

// --- Readers --------------------------------------------------------------------------------

function readNullableTimestamp(obj: JsonObject, key: string, path: string): string | null {
  return obj[key] === null ? null : readTimestamp(obj, key, path);
}

function readNumber(obj: JsonObject, key: string, path: string): number {
  const value = obj[key];
  if (typeof value !== "number" || !Number.isFinite(value)) fail(`${path}.${key}`, "a number", value);
  return value;
}

/** `{data, total, next}`, each item read by `item`. */
export function parsePage<T>(body: unknown, item: (value: unknown, path: string) => T): Page<T> {
  if (!isObject(body)) fail("response", "an object", body);
  const next = body["next"] ?? null;
  if (next !== null && typeof next !== "string") fail("response.next", "a string or null", next);
  return {
    data: readArray(body, "data", "response").map((value, index) => item(value, `response.data[${index}]`)),
    total: readCount(body, "total", "response"),
    next,
  };
}

function summaryFields(value: JsonObject, path: string): IncidentSummary {
  return {
    id: readString(value, "id", path),
    workspaceId: readString(value, "workspace_id", path),
    number: readCount(value, "number", path),
    title: readString(value, "title", path),
    description: readString(value, "description", path),
    severity: readString(value, "severity", path),
    status: readString(value, "status", path),
    classification: readNullableString(value, "classification", path),
    classificationComment: readString(value, "classification_comment", path),
    owner: readNullableString(value, "owner", path),
    ruleName: readString(value, "rule_name", path),
    alertCount: readCount(value, "alert_count", path),
    labels: readStringArray(value, "labels", path),
    firstAlertAt: readTimestamp(value, "first_alert_at", path),
    lastAlertAt: readTimestamp(value, "last_alert_at", path),
    createdAt: readTimestamp(value, "created_at", path),
    updatedAt: readTimestamp(value, "updated_at", path),
  };
}

export function parseIncidentSummary(value: unknown, path: string): IncidentSummary {
  if (!isObject(value)) fail(path, "an object", value);
  return summaryFields(value, path);
}

export function parseEntity(value: unknown, path: string): Entity {
  if (!isObject(value)) fail(path, "an object", value);
  const properties = value["properties"];
  if (!isObject(properties)) fail(`${path}.properties`, "an object", properties);
  return { kind: readString(value, "kind", path), properties };
}

export function parseAlertSummary(value: unknown, path: string): AlertSummary {
  if (!isObject(value)) fail(path, "an object", value);
  return {
    id: readString(value, "id", path),
    workspaceId: readString(value, "workspace_id", path),
    incidentId: readNullableString(value, "incident_id", path),
    sourceProduct: readString(value, "source_product", path),
    sourceAlertId: readNullableString(value, "source_alert_id", path),
    ruleName: readString(value, "rule_name", path),
    title: readString(value, "title", path),
    description: readString(value, "description", path),
    severity: readString(value, "severity", path),
    grouping: readString(value, "grouping", path),
    time: readTimestamp(value, "time", path),
    createdAt: readTimestamp(value, "created_at", path),
  };
}

export function parseComment(value: unknown, path: string): Comment {
  if (!isObject(value)) fail(path, "an object", value);
  return {
    id: readCount(value, "id", path),
    incidentId: readString(value, "incident_id", path),
    authorId: readNullableString(value, "author_id", path),
    authorName: readString(value, "author_name", path),
    text: readString(value, "text", path),
    createdAt: readTimestamp(value, "created_at", path),
  };
}

export function parseIncident(body: unknown): Incident {
  const path = "response";
  if (!isObject(body)) fail(path, "an object", body);
  return {
    ...summaryFields(body, path),
    entities: readArray(body, "entities", path).map((item, index) => parseEntity(item, `${path}.entities[${index}]`)),
    alerts: readArray(body, "alerts", path).map((item, index) => parseAlertSummary(item, `${path}.alerts[${index}]`)),
    comments: readArray(body, "comments", path).map((item, index) =>
      parseComment(item, `${path}.comments[${index}]`),
    ),
  };
}

/** A run's error as one line: the runtime writes {message, ...}; anything else is summarised. */
function errorMessage(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (isObject(value) && typeof value["message"] === "string") return value["message"];
  return "The run failed";
}

export function parseRunSummary(value: unknown, path: string): RunSummary {
  if (!isObject(value)) fail(path, "an object", value);
  return {
    id: readString(value, "id", path),
    playbookId: readString(value, "playbook_id", path),
    playbookVersion: readNumber(value, "playbook_version", path),
    status: readString(value, "status", path),
    triggerType: readString(value, "trigger_type", path),
    errorMessage: errorMessage(value["error"]),
    startedBy: readNullableString(value, "started_by", path),
    createdAt: readTimestamp(value, "created_at", path),
    startedAt: readNullableTimestamp(value, "started_at", path),
    endedAt: readNullableTimestamp(value, "ended_at", path),
  };
}

export function parseRunStarted(body: unknown): RunStarted {
  if (!isObject(body)) fail("response", "an object", body);
  return { id: readString(body, "id", "response"), status: readString(body, "status", "response") };
}

export const parseIncidentPage = (body: unknown): Page<IncidentSummary> => parsePage(body, parseIncidentSummary);
export const parseAlertPage = (body: unknown): Page<AlertSummary> => parsePage(body, parseAlertSummary);
export const parseRunPage = (body: unknown): Page<RunSummary> => parsePage(body, parseRunSummary);
export const parseCommentBody = (body: unknown): Comment => parseComment(body, "response");

// --- Durations ------------------------------------------------------------------------------

/**
 * How long a run took, or has taken so far when it has not ended (`now`): "32 ms", "4.2 s",
 * "3 min 4 s", "2 h 5 min". Empty before it started.
 */
export function runDuration(startedAt: string | null, endedAt: string | null, now: Date): string {
  if (startedAt === null) return "";
  const end = endedAt === null ? now.getTime() : Date.parse(endedAt);
  return durationText(Math.max(0, end - Date.parse(startedAt)));
}
