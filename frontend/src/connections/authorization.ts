// The edit-authorization form: the connector's connection fields with the stored plain values
// filled in and every secret empty, since secrets are write-only. A stored secret left empty
// keeps its value, so it is not required here even when the connector requires it.

import type { UiSchema } from "@rjsf/utils";
import { connectionUiSchema, secretFieldNames } from "../designer/connectionChoice";
import { isObject } from "../json";
import type { JsonObject } from "../json";

export const KEEP_SECRET_HINT = "Leave empty to keep the stored value.";

/** The connection schema with the stored secrets no longer required. */
export function authorizationFields(fields: JsonObject, storedSecrets: readonly string[]): JsonObject {
  const required = fields["required"];
  if (!Array.isArray(required)) return fields;
  return { ...fields, required: required.filter((name) => !storedSecrets.includes(String(name))) };
}

/** Secrets as password inputs, those with a stored value saying that empty keeps it. */
export function authorizationUiSchema(fields: JsonObject, storedSecrets: readonly string[]): UiSchema {
  const ui = connectionUiSchema(fields);
  for (const name of secretFieldNames(fields)) {
    if (!storedSecrets.includes(name)) continue;
    const current: unknown = ui[name];
    ui[name] = { ...(isObject(current) ? current : {}), "ui:help": KEEP_SECRET_HINT };
  }
  return ui;
}

/** The form's starting values: the stored plain fields; secrets are never sent to the browser. */
export function initialAuthorization(fields: JsonObject, stored: JsonObject): JsonObject {
  const secrets = new Set(secretFieldNames(fields));
  return Object.fromEntries(Object.entries(stored).filter(([name]) => !secrets.has(name)));
}
