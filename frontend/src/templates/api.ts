// The templates gallery's REST calls (backend/soarflow/api/templates.py) and what their answers
// are read into.

import { apiRequest } from "../api";
import { parsePlaybook } from "../designer/api";
import type { Playbook } from "../designer/api";
import { fail, isObject, readArray, readObject, readString, readStringArray } from "../json";
import type { JsonObject } from "../json";

export type ParameterType = "string" | "integer" | "boolean" | "array";
export type ParameterValue = string | number | boolean | string[];

/** A playbook variable the template asks a value for. */
export interface TemplateParameter {
  name: string;
  title: string;
  description: string;
  type: ParameterType;
  default: ParameterValue;
  /** The values a string, or each item of an array, may take. */
  enum: string[] | null;
  minimum: number | null;
  maximum: number | null;
  pattern: string | null;
}

/** One connection the template's steps use, and the connector it must be of. */
export interface TemplateConnection {
  name: string;
  connectorId: string;
}

export interface TemplateSummary {
  id: string;
  title: string;
  description: string;
  /** enrichment, sync, orchestration or response; a newer server may add others. */
  scenario: string;
  connectors: string[];
  connections: TemplateConnection[];
  parameters: TemplateParameter[];
}

/** What a deployment sends: connections map the template's names to chosen connections' names. */
export interface Deployment {
  name: string;
  workspace: string | null;
  connections: Record<string, string>;
  parameters: Record<string, ParameterValue>;
}

const TEMPLATES_URL = "/api/v1/templates";
const PARAMETER_TYPES: readonly string[] = ["string", "integer", "boolean", "array"];

function readNumberOrNull(obj: JsonObject, key: string, path: string): number | null {
  const value = obj[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== "number") fail(`${path}.${key}`, "a number", value);
  return value;
}

function readDefault(type: ParameterType, value: unknown, path: string): ParameterValue {
  const fits =
    type === "array"
      ? Array.isArray(value) && value.every((item) => typeof item === "string")
      : type === "integer"
        ? typeof value === "number"
        : typeof value === (type === "boolean" ? "boolean" : "string");
  if (!fits) fail(`${path}.default`, `a ${type}`, value);
  return value as ParameterValue;
}

function parseParameter(value: unknown, path: string): TemplateParameter {
  if (!isObject(value)) fail(path, "an object", value);
  const type = readString(value, "type", path);
  if (!PARAMETER_TYPES.includes(type)) fail(`${path}.type`, PARAMETER_TYPES.join(", "), type);
  const parameterType = type as ParameterType;
  const pattern = value["pattern"];
  return {
    name: readString(value, "name", path),
    title: readString(value, "title", path),
    description: readString(value, "description", path),
    type: parameterType,
    default: readDefault(parameterType, value["default"], path),
    enum: value["enum"] === undefined || value["enum"] === null ? null : readStringArray(value, "enum", path),
    minimum: readNumberOrNull(value, "minimum", path),
    maximum: readNumberOrNull(value, "maximum", path),
    pattern: typeof pattern === "string" ? pattern : null,
  };
}

function parseConnections(obj: JsonObject, path: string): TemplateConnection[] {
  return Object.entries(readObject(obj, "connections", path)).map(([name, connectorId]) => {
    if (typeof connectorId !== "string") fail(`${path}.connections.${name}`, "a string", connectorId);
    return { name, connectorId };
  });
}

function parseSummary(value: unknown, path: string): TemplateSummary {
  if (!isObject(value)) fail(path, "an object", value);
  return {
    id: readString(value, "id", path),
    title: readString(value, "title", path),
    description: readString(value, "description", path),
    scenario: readString(value, "scenario", path),
    connectors: readStringArray(value, "connectors", path),
    connections: parseConnections(value, path),
    parameters: readArray(value, "parameters", path).map((item, index) =>
      parseParameter(item, `${path}.parameters[${index}]`),
    ),
  };
}

export function parseTemplateList(body: unknown): TemplateSummary[] {
  if (!isObject(body)) fail("response", "an object", body);
  return readArray(body, "data", "response").map((item, index) => parseSummary(item, `response.data[${index}]`));
}

export function fetchTemplates(signal?: AbortSignal): Promise<TemplateSummary[]> {
  return apiRequest(TEMPLATES_URL, { parse: parseTemplateList, signal });
}

/** Creates the playbook; a 422 names the field at fault in `details.field` and lists every
 * problem in `details.problems`. */
export function deployTemplate(templateId: string, deployment: Deployment): Promise<Playbook> {
  const { workspace, ...rest } = deployment;
  return apiRequest(`${TEMPLATES_URL}/${encodeURIComponent(templateId)}/deploy`, {
    method: "POST",
    body: workspace === null ? rest : deployment,
    parse: parsePlaybook,
  });
}
