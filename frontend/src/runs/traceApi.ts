// The REST calls of the run view. Reads are revalidated on every poll (`cache: "no-cache"`): the
// server answers 304 to an unchanged ETag, so polling a run that has not moved costs no transfer.

import { apiRequest } from "../api";
import { parseDocument } from "../designer/api";
import type { PlaybookDocument } from "../graph/document";
import { fail, isObject, readArray, readCount, readNullableString, readString } from "../json";
import type { JsonObject } from "../json";
import { parseRunSummary } from "./api";
import type { RunSummary } from "./api";
import type { Attempt, Iteration, StepError, StepStatus, StepTrace } from "./trace";

const RUNS_URL = "/api/v1/runs";

export interface RunDetail extends RunSummary {
  trigger: unknown;
  stepsTotal: number;
}

export interface IterationList {
  data: Iteration[];
  total: number;
}

function runUrl(runId: string, rest = ""): string {
  return `${RUNS_URL}/${encodeURIComponent(runId)}${rest}`;
}

function parseError(value: unknown, path: string): StepError | null {
  if (value === null || value === undefined) return null;
  if (!isObject(value)) fail(path, "an object or null", value);
  const details = value["details"];
  return {
    code: readString(value, "code", path),
    message: readString(value, "message", path),
    details: isObject(details) ? details : {},
  };
}

function parseAttempt(value: unknown, path: string): Attempt {
  if (!isObject(value)) fail(path, "an object", value);
  return {
    attempt: readCount(value, "attempt", path),
    status: readString(value, "status", path),
    startedAt: readNullableString(value, "started_at", path),
    endedAt: readNullableString(value, "ended_at", path),
    error: parseError(value["error"], `${path}.error`),
  };
}

export function parseStep(value: unknown, path: string): StepTrace {
  if (!isObject(value)) fail(path, "an object", value);
  const iterations = value["iterations"];
  return {
    key: readString(value, "key", path),
    nodeId: readString(value, "node_id", path),
    status: readString(value, "status", path) as StepStatus,
    inputs: value["inputs"],
    output: value["output"],
    error: parseError(value["error"], `${path}.error`),
    attempts: readCount(value, "attempts", path),
    attemptLog: readArray(value, "attempt_log", path).map((item, n) => parseAttempt(item, `${path}.attempt_log[${n}]`)),
    iterations: typeof iterations === "number" ? iterations : null,
    startedAt: readNullableString(value, "started_at", path),
    endedAt: readNullableString(value, "ended_at", path),
  };
}

function parseRunDetail(body: unknown): RunDetail {
  if (!isObject(body)) fail("response", "an object", body);
  return { ...parseRunSummary(body, "response"), trigger: body["trigger"], stepsTotal: readCount(body, "steps_total", "response") };
}

function parseSteps(body: unknown): StepTrace[] {
  if (!isObject(body)) fail("response", "an object", body);
  return readArray(body, "data", "response").map((item, n) => parseStep(item, `response.data[${n}]`));
}

function parseIteration(value: unknown, path: string): Iteration {
  if (!isObject(value)) fail(path, "an object", value);
  return {
    index: readCount(value, "index", path),
    status: readString(value, "status", path) as Iteration["status"],
    startedAt: readNullableString(value, "started_at", path),
    endedAt: readNullableString(value, "ended_at", path),
  };
}

function parseIterations(body: unknown): IterationList {
  if (!isObject(body)) fail("response", "an object", body);
  const data = readArray(body, "data", "response").map((item, n) => parseIteration(item, `response.data[${n}]`));
  return { data, total: readCount(body, "total", "response") };
}

function parseVersionDocument(body: unknown): PlaybookDocument {
  if (!isObject(body)) fail("response", "an object", body);
  return parseDocument((body as JsonObject)["document"], "response.document");
}

/** The run without its steps: the canvas asks for the frames it shows instead. */
export function fetchRun(runId: string, signal?: AbortSignal): Promise<RunDetail> {
  return apiRequest(runUrl(runId, "?steps=0"), { parse: parseRunDetail, signal, cache: "no-cache" });
}

/** The steps of one loop iteration (`each_ip[2]/`), or of no loop (""). */
export function fetchFrame(runId: string, frame: string, signal?: AbortSignal): Promise<StepTrace[]> {
  const query = new URLSearchParams({ frame });
  return apiRequest(runUrl(runId, `/steps?${query}`), { parse: parseSteps, signal, cache: "no-cache" });
}

export const ITERATION_PAGE = 200;

export function fetchIterations(
  runId: string,
  loopKey: string,
  { offset = 0, failedOnly = false, signal }: { offset?: number; failedOnly?: boolean; signal?: AbortSignal } = {},
): Promise<IterationList> {
  const query = new URLSearchParams({ loop: loopKey, offset: String(offset), limit: String(ITERATION_PAGE) });
  if (failedOnly) query.set("status", "failed");
  return apiRequest(runUrl(runId, `/iterations?${query}`), { parse: parseIterations, signal, cache: "no-cache" });
}

export function fetchVersionDocument(playbookId: string, version: number, signal?: AbortSignal): Promise<PlaybookDocument> {
  const url = `/api/v1/playbooks/${encodeURIComponent(playbookId)}/versions/${version}`;
  return apiRequest(url, { parse: parseVersionDocument, signal });
}

function parseStartedId(body: unknown): string {
  if (!isObject(body)) fail("response", "an object", body);
  return readString(body, "id", "response");
}

export type RunAction = "cancel" | "resubmit" | "restart";

/** Cancels, restarts (the same run) or resubmits (a new run); returns the id of the run to show. */
export function actOnRun(runId: string, action: RunAction): Promise<string> {
  return apiRequest(runUrl(runId, `/${action}`), { method: "POST", parse: parseStartedId });
}
