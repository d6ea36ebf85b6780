export interface PlaybookSummary {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  valid: boolean;
  problemCount: number;
  // A plain string, not a union: a newer server may add kinds, and one unknown label must not
  // turn the whole list into an error page.
  triggerKind: string;
  runsCount: number;
  updatedAt: string;
  version: number;
}

export interface PlaybookList {
  data: PlaybookSummary[];
  total: number;
  next: string | null;
}

export class ApiError extends Error {
  readonly code: string;
  readonly status: number | null;

  constructor(code: string, message: string, status: number | null = null) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = status;
  }
}

export const PLAYBOOKS_URL = "/api/v1/playbooks";

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function fail(path: string, expected: string, value: unknown): never {
  throw new Error(`${path} should be ${expected}, got ${describe(value)}`);
}

function readString(obj: JsonObject, key: string, path: string): string {
  const value = obj[key];
  if (typeof value !== "string") fail(`${path}.${key}`, "a string", value);
  return value;
}

function readBoolean(obj: JsonObject, key: string, path: string): boolean {
  const value = obj[key];
  if (typeof value !== "boolean") fail(`${path}.${key}`, "a boolean", value);
  return value;
}

function readCount(obj: JsonObject, key: string, path: string): number {
  const value = obj[key];
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    fail(`${path}.${key}`, "a non-negative integer", value);
  }
  return value;
}

function readTimestamp(obj: JsonObject, key: string, path: string): string {
  const value = readString(obj, key, path);
  if (Number.isNaN(Date.parse(value))) fail(`${path}.${key}`, "an ISO-8601 timestamp", value);
  return value;
}

function parsePlaybookSummary(value: unknown, path: string): PlaybookSummary {
  if (!isObject(value)) fail(path, "an object", value);
  return {
    id: readString(value, "id", path),
    name: readString(value, "name", path),
    description: readString(value, "description", path),
    enabled: readBoolean(value, "enabled", path),
    valid: readBoolean(value, "valid", path),
    problemCount: readCount(value, "problem_count", path),
    triggerKind: readString(value, "trigger_kind", path),
    runsCount: readCount(value, "runs_count", path),
    updatedAt: readTimestamp(value, "updated_at", path),
    version: readCount(value, "version", path),
  };
}

export function parsePlaybookList(body: unknown): PlaybookList {
  if (!isObject(body)) fail("response", "an object", body);
  const data = body["data"];
  if (!Array.isArray(data)) fail("response.data", "an array", data);
  const next = body["next"];
  if (next !== null && typeof next !== "string") fail("response.next", "a string or null", next);
  return {
    data: data.map((item, index) => parsePlaybookSummary(item, `response.data[${index}]`)),
    total: readCount(body, "total", "response"),
    next,
  };
}

export function parseApiError(status: number, body: unknown): ApiError {
  const error = isObject(body) ? body["error"] : undefined;
  if (isObject(error) && typeof error["code"] === "string" && typeof error["message"] === "string") {
    return new ApiError(error["code"], error["message"], status);
  }
  // Proxies and crashed servers answer with HTML or nothing; the status is all we can report.
  return new ApiError(`http_${status}`, `The server answered with HTTP ${status}.`, status);
}

export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError("network_error", `Could not reach the server: ${messageOf(error)}`);
}

export async function fetchPlaybooks(signal?: AbortSignal): Promise<PlaybookList> {
  const response = await fetch(PLAYBOOKS_URL, { headers: { Accept: "application/json" }, signal });
  const body: unknown = await response.json().catch(() => undefined);
  if (!response.ok) throw parseApiError(response.status, body);
  try {
    return parsePlaybookList(body);
  } catch (error) {
    throw new ApiError(
      "invalid_response",
      `Unexpected response from GET ${PLAYBOOKS_URL}: ${messageOf(error)}`,
      response.status,
    );
  }
}
