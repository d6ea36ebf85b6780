// The REST calls of the connections page and what their answers are read into. Secrets never
// come back: only the names of the secret fields that hold a value.

import { apiRequest } from "../api";
import { fail, isObject, readArray, readBoolean, readNullableString, readObject, readString, readStringArray } from "../json";
import type { JsonObject } from "../json";

const CONNECTIONS_URL = "/api/v1/connections";

/** A playbook whose current version has a step calling with the connection. */
export interface PlaybookUse {
  id: string;
  name: string;
  enabled: boolean;
}

export interface ListedConnection {
  id: string;
  workspaceId: string;
  connectorId: string;
  name: string;
  /** The fields that are not secrets. */
  fields: JsonObject;
  /** The secret fields that hold a value. */
  secretFieldsSet: string[];
  /** "untested", "connected" or "error"; a newer server may add others. */
  status: string;
  statusReason: string;
  lastTestedAt: string | null;
  usedBy: PlaybookUse[];
}

export interface Deleted {
  deleted: string[];
  notFound: string[];
}

function parsePlaybookUse(value: unknown, path: string): PlaybookUse {
  if (!isObject(value)) fail(path, "an object", value);
  return {
    id: readString(value, "id", path),
    name: readString(value, "name", path),
    enabled: readBoolean(value, "enabled", path),
  };
}

function parseTimestampOrNull(value: JsonObject, key: string, path: string): string | null {
  const text = readNullableString(value, key, path);
  if (text !== null && Number.isNaN(Date.parse(text))) fail(`${path}.${key}`, "an ISO-8601 timestamp or null", text);
  return text;
}

function parseListedConnectionAt(value: unknown, path: string): ListedConnection {
  if (!isObject(value)) fail(path, "an object", value);
  return {
    id: readString(value, "id", path),
    workspaceId: readString(value, "workspace_id", path),
    connectorId: readString(value, "connector_id", path),
    name: readString(value, "name", path),
    fields: readObject(value, "fields", path),
    secretFieldsSet: readStringArray(value, "secret_fields_set", path),
    status: readString(value, "status", path),
    statusReason: readString(value, "status_reason", path),
    lastTestedAt: parseTimestampOrNull(value, "last_tested_at", path),
    usedBy: readArray(value, "used_by", path).map((use, index) => parsePlaybookUse(use, `${path}.used_by[${index}]`)),
  };
}

export function parseListedConnection(body: unknown): ListedConnection {
  return parseListedConnectionAt(body, "response");
}

export function parseListedConnections(body: unknown): ListedConnection[] {
  if (!isObject(body)) fail("response", "an object", body);
  return readArray(body, "data", "response").map((item, index) =>
    parseListedConnectionAt(item, `response.data[${index}]`),
  );
}

export function parseDeleted(body: unknown): Deleted {
  if (!isObject(body)) fail("response", "an object", body);
  return { deleted: readStringArray(body, "deleted", "response"), notFound: readStringArray(body, "not_found", "response") };
}

function connectionUrl(id: string): string {
  return `${CONNECTIONS_URL}/${encodeURIComponent(id)}`;
}

/** Every connection in the caller's workspaces. */
export function fetchAllConnections(signal?: AbortSignal): Promise<ListedConnection[]> {
  return apiRequest(CONNECTIONS_URL, { parse: parseListedConnections, signal });
}

/** Runs the connector's test call; the answer carries the recorded outcome. */
export function runConnectionTest(id: string): Promise<ListedConnection> {
  return apiRequest(`${connectionUrl(id)}/test`, { method: "POST", parse: parseListedConnection });
}

/** The server also changes the steps that name the connection to the new name. */
export function renameConnection(id: string, name: string): Promise<ListedConnection> {
  return apiRequest(connectionUrl(id), { method: "PATCH", body: { name }, parse: parseListedConnection });
}

/** New field values; a secret left out keeps its stored value. */
export function replaceAuthorization(id: string, fields: JsonObject): Promise<ListedConnection> {
  return apiRequest(connectionUrl(id), { method: "PUT", body: { fields }, parse: parseListedConnection });
}

/** All or none: refused (409 connection_in_use) when an enabled playbook calls with any of them. */
export function deleteConnections(ids: readonly string[]): Promise<Deleted> {
  return apiRequest(`${CONNECTIONS_URL}/bulk-delete`, { method: "POST", body: { ids }, parse: parseDeleted });
}
