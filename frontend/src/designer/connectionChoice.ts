// The connection chooser's logic: how a connection is named in the list, which one a node's
// `connection` (a name or an id, as runtime/actions.py resolves it) points at, and what the
// connection form needs from the connector's connection schema.

import type { UiSchema } from "@rjsf/utils";
import { isObject } from "../json";
import type { JsonObject } from "../json";
import type { Connection, ManifestConnection } from "./api";

const STATUS_TEXTS: Readonly<Record<string, string>> = {
  untested: "not tested",
  connected: "tested ok",
  error: "test failed",
};

export function connectionStatusText(status: string): string {
  return STATUS_TEXTS[status] ?? status;
}

/** "vt-main · tested ok" */
export function connectionLabel(connection: Connection): string {
  return `${connection.name} · ${connectionStatusText(connection.status)}`;
}

/** The connection a node's setting names: by name first (what the designer stores, since names
 * survive export and import), else by id (what other clients may have stored). */
export function chosenConnection(connections: readonly Connection[], value: string): Connection | undefined {
  if (value === "") return undefined;
  return connections.find((connection) => connection.name === value) ?? connections.find((connection) => connection.id === value);
}

/** The list with `connection` in it, new or updated, in the server's order (by name). */
export function listedWith(connections: readonly Connection[], connection: Connection): Connection[] {
  const others = connections.filter((other) => other.id !== connection.id);
  return [...others, connection].sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0));
}

function properties(fields: JsonObject): [string, JsonObject][] {
  const declared = fields["properties"];
  if (!isObject(declared)) return [];
  return Object.entries(declared).filter((entry): entry is [string, JsonObject] => isObject(entry[1]));
}

function requiredNames(fields: JsonObject): string[] {
  const required = fields["required"];
  return Array.isArray(required) ? required.filter((name): name is string => typeof name === "string") : [];
}

/** Manifests have no flag for it: a connection is optional when none of its fields is required,
 * since then a step can call the service with nothing at all. */
export function connectionOptional(connection: ManifestConnection): boolean {
  return requiredNames(connection.fields).length === 0;
}

/** The fields the manifest marks writeOnly: secrets, typed into password inputs. */
export function secretFieldNames(fields: JsonObject): string[] {
  return properties(fields)
    .filter(([, spec]) => spec["writeOnly"] === true)
    .map(([name]) => name);
}

/** The form's layout: secrets as password inputs, and no submit button of rjsf's own (the
 * chooser has Create and Cancel). */
export function connectionUiSchema(fields: JsonObject): UiSchema {
  const ui: UiSchema = { "ui:submitButtonOptions": { norender: true } };
  for (const name of secretFieldNames(fields)) ui[name] = { "ui:widget": "password" };
  return ui;
}

function fieldTitle(fields: JsonObject, name: string): string {
  const spec = properties(fields).find(([candidate]) => candidate === name)?.[1];
  return typeof spec?.["title"] === "string" ? spec["title"] : name;
}

function isBlank(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === "string" && value.trim() === "");
}

/** Titles of the required fields still blank, so the form can say what is missing before the
 * server is asked. */
export function missingFields(fields: JsonObject, data: JsonObject): string[] {
  return requiredNames(fields)
    .filter((name) => isBlank(data[name]))
    .map((name) => fieldTitle(fields, name));
}

/** The server's problems with the fields (details.problems of an invalid_fields error), each
 * with the title of the field it is about. */
export function fieldProblems(fields: JsonObject, details: JsonObject): string[] {
  const problems = details["problems"];
  if (!Array.isArray(problems)) return [];
  return problems.filter(isObject).map((problem) => {
    const path = typeof problem["path"] === "string" ? problem["path"] : "";
    const message = typeof problem["message"] === "string" ? problem["message"] : "is not valid";
    const name = /^\$\.fields\.([A-Za-z0-9_]+)/.exec(path)?.[1];
    return `${name === undefined ? "Fields" : fieldTitle(fields, name)}: ${message}`;
  });
}
