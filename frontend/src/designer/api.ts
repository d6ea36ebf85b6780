// The REST calls of the designer and what their answers are read into.

import { PLAYBOOKS_URL, apiRequest } from "../api";
import { FORMAT } from "../graph/document";
import type { PlaybookDocument } from "../graph/document";
import {
  fail,
  isObject,
  readArray,
  readBoolean,
  readCount,
  readNullableString,
  readObject,
  readString,
} from "../json";
import type { JsonObject } from "../json";

export interface Problem {
  code: string;
  message: string;
  nodeId: string | null;
  path: string;
}

export interface Playbook {
  id: string;
  enabled: boolean;
  version: number;
  document: PlaybookDocument;
  problems: Problem[];
}

export interface DynamicField {
  expression: string;
  title: string;
  type: string;
  sourceNode: string | null;
  description: string;
}

export interface CatalogueAction {
  /** `<connector>.<action>` */
  action: string;
  title: string;
}

export interface CatalogueTrigger {
  type: string;
  title: string;
}

export interface CatalogueConnector {
  id: string;
  name: string;
  description: string;
  iconUrl: string;
  categories: string[];
  actions: CatalogueAction[];
  triggers: CatalogueTrigger[];
}

/** A connector action as its manifest describes it: the input schema drives the inspector form. */
export interface ManifestAction {
  id: string;
  title: string;
  description: string;
  inputs: JsonObject;
}

/** What a connection of the connector holds (a JSON schema; writeOnly fields are secrets), and
 * whether the connector declares a call that tests one. */
export interface ManifestConnection {
  fields: JsonObject;
  testable: boolean;
}

/** A trigger's settings: what its `params` may hold (a cron, a webhook's signing...). */
export interface ManifestTrigger {
  id: string;
  title: string;
  description: string;
  params: JsonObject;
}

export interface Manifest {
  id: string;
  name: string;
  actions: ManifestAction[];
  triggers: ManifestTrigger[];
  /** Null when the connector's actions need no credentials. */
  connection: ManifestConnection | null;
}

/** A stored connection as the API shows it: secrets never come back. */
export interface Connection {
  id: string;
  name: string;
  connectorId: string;
  /** "untested", "connected" or "error"; a newer server may add others. */
  status: string;
  statusReason: string;
}

// The document is stored as the designer sent it, drafts included; the graph code tolerates broken
// drafts, so only the envelope is checked here.
export function parseDocument(value: unknown, path: string): PlaybookDocument {
  if (!isObject(value)) fail(path, "an object", value);
  if (value["format"] !== FORMAT) fail(`${path}.format`, `"${FORMAT}"`, value["format"]);
  readString(value, "name", path);
  return value as unknown as PlaybookDocument;
}

function parseProblem(value: unknown, path: string): Problem {
  if (!isObject(value)) fail(path, "an object", value);
  const nodeId = value["node_id"];
  return {
    code: readString(value, "code", path),
    message: readString(value, "message", path),
    nodeId: typeof nodeId === "string" ? nodeId : null,
    path: typeof value["path"] === "string" ? value["path"] : "",
  };
}

function parseProblems(obj: JsonObject, path: string): Problem[] {
  return readArray(obj, "problems", path).map((item, index) => parseProblem(item, `${path}.problems[${index}]`));
}

export function parsePlaybook(body: unknown): Playbook {
  if (!isObject(body)) fail("response", "an object", body);
  return {
    id: readString(body, "id", "response"),
    enabled: readBoolean(body, "enabled", "response"),
    version: readCount(body, "version", "response"),
    document: parseDocument(body["document"], "response.document"),
    problems: parseProblems(body, "response"),
  };
}

export function parseValidation(body: unknown): Problem[] {
  if (!isObject(body)) fail("response", "an object", body);
  return parseProblems(body, "response");
}

export function parseFields(body: unknown): DynamicField[] {
  if (!isObject(body)) fail("response", "an object", body);
  return readArray(body, "fields", "response").map((item, index) => {
    const path = `response.fields[${index}]`;
    if (!isObject(item)) fail(path, "an object", item);
    return {
      expression: readString(item, "expression", path),
      title: readString(item, "title", path),
      type: readString(item, "type", path),
      sourceNode: readNullableString(item, "source_node", path),
      description: typeof item["description"] === "string" ? item["description"] : "",
    };
  });
}

function readStrings(obj: JsonObject, key: string, path: string): string[] {
  const value = obj[key];
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) fail(`${path}.${key}`, "strings", value);
  return value;
}

export function parseCatalogue(body: unknown): CatalogueConnector[] {
  if (!isObject(body)) fail("response", "an object", body);
  return readArray(body, "data", "response").map((item, index) => {
    const path = `response.data[${index}]`;
    if (!isObject(item)) fail(path, "an object", item);
    return {
      id: readString(item, "id", path),
      name: readString(item, "name", path),
      description: typeof item["description"] === "string" ? item["description"] : "",
      iconUrl: readString(item, "icon_url", path),
      categories: readStrings(item, "categories", path),
      actions: readArray(item, "actions", path).map((action, position) => {
        const at = `${path}.actions[${position}]`;
        if (!isObject(action)) fail(at, "an object", action);
        return { action: readString(action, "action", at), title: readString(action, "title", at) };
      }),
      triggers: readArray(item, "triggers", path).map((trigger, position) => {
        const at = `${path}.triggers[${position}]`;
        if (!isObject(trigger)) fail(at, "an object", trigger);
        return { type: readString(trigger, "type", at), title: readString(trigger, "title", at) };
      }),
    };
  });
}

function parseManifestConnection(body: JsonObject): ManifestConnection | null {
  const connection = body["connection"];
  if (connection === undefined) return null;
  if (!isObject(connection)) fail("response.connection", "an object", connection);
  return { fields: readObject(connection, "fields", "response.connection"), testable: isObject(connection["test"]) };
}

export function parseManifest(body: unknown): Manifest {
  if (!isObject(body)) fail("response", "an object", body);
  const actions = Array.isArray(body["actions"]) ? body["actions"] : [];
  const triggers = Array.isArray(body["triggers"]) ? body["triggers"] : [];
  return {
    id: readString(body, "id", "response"),
    name: readString(body, "name", "response"),
    connection: parseManifestConnection(body),
    triggers: triggers.map((trigger, index) => {
      const path = `response.triggers[${index}]`;
      if (!isObject(trigger)) fail(path, "an object", trigger);
      return {
        id: readString(trigger, "id", path),
        title: readString(trigger, "title", path),
        description: typeof trigger["description"] === "string" ? trigger["description"] : "",
        params: isObject(trigger["params"]) ? readObject(trigger, "params", path) : {},
      };
    }),
    actions: actions.map((action, index) => {
      const path = `response.actions[${index}]`;
      if (!isObject(action)) fail(path, "an object", action);
      return {
        id: readString(action, "id", path),
        title: readString(action, "title", path),
        description: typeof action["description"] === "string" ? action["description"] : "",
        inputs: isObject(action["inputs"]) ? readObject(action, "inputs", path) : {},
      };
    }),
  };
}

function parseConnectionAt(value: unknown, path: string): Connection {
  if (!isObject(value)) fail(path, "an object", value);
  return {
    id: readString(value, "id", path),
    name: readString(value, "name", path),
    connectorId: readString(value, "connector_id", path),
    status: readString(value, "status", path),
    statusReason: readString(value, "status_reason", path),
  };
}

export function parseConnection(body: unknown): Connection {
  return parseConnectionAt(body, "response");
}

export function parseConnections(body: unknown): Connection[] {
  if (!isObject(body)) fail("response", "an object", body);
  return readArray(body, "data", "response").map((item, index) => parseConnectionAt(item, `response.data[${index}]`));
}

/** The id of the workspace a playbook belongs to, from the playbook as the API returns it. */
export function parseWorkspaceId(body: unknown): string {
  if (!isObject(body)) fail("response", "an object", body);
  return readString(body, "workspace_id", "response");
}

function playbookUrl(id: string): string {
  return `${PLAYBOOKS_URL}/${encodeURIComponent(id)}`;
}

/** The ETag of a version, as If-Match wants it. */
export function versionTag(version: number): string {
  return `"${version}"`;
}

/** A new playbook with nothing but a manual trigger: the designer's starting point. */
export function newPlaybookDocument(name: string): PlaybookDocument {
  return {
    format: FORMAT,
    name,
    trigger: { id: "start", type: "core.manual" },
    nodes: [],
    edges: [],
    layout: { start: { x: 0, y: 0 } },
  };
}

/** Saves a new playbook in a workspace (id or name), or where the server puts new ones when null. */
export function createPlaybook(document: PlaybookDocument, workspace: string | null = null): Promise<Playbook> {
  const url = workspace === null ? PLAYBOOKS_URL : `${PLAYBOOKS_URL}?workspace=${encodeURIComponent(workspace)}`;
  return apiRequest(url, { method: "POST", body: document, parse: parsePlaybook });
}

export function fetchPlaybook(id: string, signal?: AbortSignal): Promise<Playbook> {
  return apiRequest(playbookUrl(id), { parse: parsePlaybook, signal });
}

/** Saves a new version; rejects with a 412 version_conflict when `version` is not the latest. */
export function savePlaybook(id: string, document: PlaybookDocument, version: number): Promise<Playbook> {
  return apiRequest(playbookUrl(id), {
    method: "PUT",
    body: document,
    headers: { "If-Match": versionTag(version) },
    parse: parsePlaybook,
  });
}

export function deletePlaybook(id: string): Promise<void> {
  return apiRequest(playbookUrl(id), { method: "DELETE", parse: () => undefined });
}

export function setPlaybookEnabled(id: string, enabled: boolean): Promise<Playbook> {
  return apiRequest(`${playbookUrl(id)}/${enabled ? "enable" : "disable"}`, { method: "POST", parse: parsePlaybook });
}

export function validateDocument(document: PlaybookDocument, signal?: AbortSignal): Promise<Problem[]> {
  return apiRequest(`${PLAYBOOKS_URL}/validate`, { method: "POST", body: document, parse: parseValidation, signal });
}

export function fetchFields(document: PlaybookDocument, nodeId: string, signal?: AbortSignal): Promise<DynamicField[]> {
  return apiRequest(`${PLAYBOOKS_URL}/fields`, {
    method: "POST",
    body: { document, node_id: nodeId },
    parse: parseFields,
    signal,
  });
}

export function fetchCatalogue(signal?: AbortSignal): Promise<CatalogueConnector[]> {
  return apiRequest("/api/v1/connectors", { parse: parseCatalogue, signal });
}

export function fetchManifest(connectorId: string, signal?: AbortSignal): Promise<Manifest> {
  return apiRequest(`/api/v1/connectors/${encodeURIComponent(connectorId)}`, { parse: parseManifest, signal });
}

export function fetchPlaybookWorkspace(playbookId: string, signal?: AbortSignal): Promise<string> {
  return apiRequest(playbookUrl(playbookId), { parse: parseWorkspaceId, signal });
}

const CONNECTIONS_URL = "/api/v1/connections";

/** The connections of one connector in one workspace. */
export function fetchConnections(connectorId: string, workspaceId: string, signal?: AbortSignal): Promise<Connection[]> {
  const query = new URLSearchParams({ connector: connectorId, workspace: workspaceId });
  return apiRequest(`${CONNECTIONS_URL}?${query}`, { parse: parseConnections, signal });
}

export interface NewConnection {
  connectorId: string;
  workspaceId: string;
  name: string;
  /** Plain and secret values alike; the server keeps the secrets encrypted and never returns them. */
  fields: JsonObject;
}

export function createConnection(connection: NewConnection): Promise<Connection> {
  const query = new URLSearchParams({ workspace: connection.workspaceId });
  return apiRequest(`${CONNECTIONS_URL}?${query}`, {
    method: "POST",
    body: { connector: connection.connectorId, name: connection.name, fields: connection.fields },
    parse: parseConnection,
  });
}

/** Runs the connector's test call with the connection; the answer carries the recorded outcome. */
export function testConnection(connectionId: string): Promise<Connection> {
  return apiRequest(`${CONNECTIONS_URL}/${encodeURIComponent(connectionId)}/test`, { method: "POST", parse: parseConnection });
}

/** The current version named by a 412's details, when the server gave it. */
export function conflictVersion(details: JsonObject): number | null {
  const value = details["current_version"];
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : null;
}

/** Where a webhook playbook is called; the secret only when it has just been made. */
export interface Webhook {
  url: string;
  signature: string;
  secretSet: boolean;
  secret: string | null;
}

export function parseWebhook(body: unknown): Webhook {
  if (!isObject(body)) fail("response", "an object", body);
  return {
    url: readString(body, "url", "response"),
    signature: readString(body, "signature", "response"),
    secretSet: readBoolean(body, "secret_set", "response"),
    secret: typeof body["secret"] === "string" ? body["secret"] : null,
  };
}

export function fetchWebhook(playbookId: string, signal?: AbortSignal): Promise<Webhook> {
  return apiRequest(`${PLAYBOOKS_URL}/${encodeURIComponent(playbookId)}/webhook`, { parse: parseWebhook, signal });
}

export function rotateWebhookSecret(playbookId: string): Promise<Webhook> {
  return apiRequest(`${PLAYBOOKS_URL}/${encodeURIComponent(playbookId)}/webhook/rotate`, {
    method: "POST",
    parse: parseWebhook,
  });
}
