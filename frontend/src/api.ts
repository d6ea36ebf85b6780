import {
  fail,
  isObject,
  messageOf,
  readBoolean,
  readCount,
  readString,
  readTimestamp,
} from "./json";
import type { JsonObject } from "./json";

export interface PlaybookSummary {
  id: string;
  workspaceId: string;
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
  readonly details: JsonObject;
  /** Seconds to wait before trying again, when the server said (HTTP 429 and 503). */
  readonly retryAfter: number | null;

  constructor(
    code: string,
    message: string,
    status: number | null = null,
    { details = {}, retryAfter = null }: { details?: JsonObject; retryAfter?: number | null } = {},
  ) {
    super(message);
    this.name = "ApiError";
    this.code = code;
    this.status = status;
    this.details = details;
    this.retryAfter = retryAfter;
  }
}

export const PLAYBOOKS_URL = "/api/v1/playbooks";

function parsePlaybookSummary(value: unknown, path: string): PlaybookSummary {
  if (!isObject(value)) fail(path, "an object", value);
  return {
    id: readString(value, "id", path),
    workspaceId: readString(value, "workspace_id", path),
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

/** Whole seconds from a Retry-After header; the HTTP-date form is not used by this API. */
export function parseRetryAfter(header: string | null): number | null {
  const value = header?.trim();
  return value && /^\d+$/.test(value) ? Number(value) : null;
}

function retryAfterFromDetails(details: JsonObject): number | null {
  const value = details["retry_after"];
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? Math.ceil(value) : null;
}

export function parseApiError(status: number, body: unknown, retryAfterHeader: string | null = null): ApiError {
  const error = isObject(body) ? body["error"] : undefined;
  const details = isObject(error) && isObject(error["details"]) ? error["details"] : {};
  const retryAfter = parseRetryAfter(retryAfterHeader) ?? retryAfterFromDetails(details);
  if (isObject(error) && typeof error["code"] === "string" && typeof error["message"] === "string") {
    return new ApiError(error["code"], error["message"], status, { details, retryAfter });
  }
  // Proxies and crashed servers answer with HTML or nothing; the status is all we can report.
  return new ApiError(`http_${status}`, `The server answered with HTTP ${status}.`, status, { retryAfter });
}

export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  return new ApiError("network_error", `Could not reach the server: ${messageOf(error)}`);
}

// --- Requests -------------------------------------------------------------------------------

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export const CSRF_HEADER = "X-CSRF-Token";

const SAFE_METHODS: ReadonlySet<string> = new Set(["GET", "HEAD", "OPTIONS"]);

/** Writes made with the session cookie must prove they come from this page. */
export function needsCsrfToken(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}

export function requestHeaders(method: string, hasBody: boolean, csrfToken: string | null): Record<string, string> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (hasBody) headers["Content-Type"] = "application/json";
  if (csrfToken !== null && needsCsrfToken(method)) headers[CSRF_HEADER] = csrfToken;
  return headers;
}

// The session as far as requests are concerned. The token comes from sign-in or /auth/me and is
// dropped when the server says the session is gone.
let csrfToken: string | null = null;
let sessionEndedListener: (() => void) | null = null;

export function setCsrfToken(token: string | null): void {
  csrfToken = token;
}

/** Called when any request that needs a session is answered with 401; returns an unsubscribe. */
export function onSessionEnded(listener: () => void): () => void {
  sessionEndedListener = listener;
  return () => {
    if (sessionEndedListener === listener) sessionEndedListener = null;
  };
}

export interface RequestOptions<T> {
  method?: HttpMethod;
  /** Sent as JSON when given. */
  body?: unknown;
  /** Sent as it is, as JSON text (a file the server reads itself), when given. */
  rawJson?: string;
  /** Extra request headers, e.g. If-Match. */
  headers?: Record<string, string>;
  /** Turns the response body (undefined for 204) into the result; throws if it is malformed. */
  parse: (body: unknown) => T;
  signal?: AbortSignal;
  /**
   * Whether a 401 means the session ended (the default). False where 401 is an expected answer:
   * asking who is signed in, and signing in.
   */
  sessionRequired?: boolean;
  /** How the browser's HTTP cache takes part; "no-cache" revalidates with the server's ETag. */
  cache?: RequestCache;
}

export async function apiRequest<T>(url: string, options: RequestOptions<T>): Promise<T> {
  const method = options.method ?? "GET";
  const hasBody = options.body !== undefined || options.rawJson !== undefined;
  const response = await fetch(url, {
    method,
    headers: { ...requestHeaders(method, hasBody, csrfToken), ...options.headers },
    body: options.rawJson ?? (hasBody ? JSON.stringify(options.body) : undefined),
    credentials: "same-origin",
    signal: options.signal,
    cache: options.cache,
  });
  const body: unknown = response.status === 204 ? undefined : await response.json().catch(() => undefined);
  if (!response.ok) {
    const error = parseApiError(response.status, body, response.headers.get("Retry-After"));
    if (response.status === 401 && (options.sessionRequired ?? true)) {
      csrfToken = null;
      sessionEndedListener?.();
    }
    throw error;
  }
  try {
    return options.parse(body);
  } catch (error) {
    const reason = messageOf(error);
    throw new ApiError("invalid_response", `Unexpected response from ${method} ${url}: ${reason}`, response.status);
  }
}

export interface PlaybookFilter {
  /** Part of the name, any case; empty for every playbook. */
  nameContains: string;
  /** A workspace id or name; null for every workspace the caller may read. */
  workspace: string | null;
}

/**
 * A filter as a query string (`?q=ip&workspace=secops`), "" when nothing is filtered. The list page
 * keeps its address in the same words as the API, so the two never need translating.
 */
export function filterQuery({ nameContains, workspace }: PlaybookFilter): string {
  const params = new URLSearchParams();
  if (nameContains !== "") params.set("q", nameContains);
  if (workspace !== null) params.set("workspace", workspace);
  const query = params.toString();
  return query === "" ? "" : `?${query}`;
}

export function fetchPlaybooks(filter: PlaybookFilter, signal?: AbortSignal): Promise<PlaybookList> {
  return apiRequest(`${PLAYBOOKS_URL}${filterQuery(filter)}`, { parse: parsePlaybookList, signal });
}
