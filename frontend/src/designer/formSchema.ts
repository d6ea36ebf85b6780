// An action's input schema as the inspector's form shows it. The server validates inputs against
// the real schema (problems come back pinned on the node); the form only lays fields out, and an
// input may hold an expression ("{{ steps.vt.output }}") where the schema says a format or a
// pattern. So the form schema keeps titles, help, required marks, enums, defaults and structure,
// and drops what would refuse an expression or turn a field into a choice of sub-schemas.

import type { RJSFSchema } from "@rjsf/utils";
import type { JsonMap, JsonValue } from "../graph/document";
import { isObject } from "../json";

const KEPT = new Set(["title", "description", "default", "enum", "examples", "readOnly"]);
const TYPES = new Set(["string", "number", "integer", "boolean", "array", "object"]);

function typeOf(schema: Record<string, unknown>): string {
  const declared = schema["type"];
  const candidates = Array.isArray(declared) ? declared : [declared];
  const type = candidates.find((candidate): candidate is string => typeof candidate === "string" && TYPES.has(candidate));
  if (type !== undefined) return type;
  if (isObject(schema["properties"])) return "object";
  // No type (any value), null only, or a choice of sub-schemas: text, which takes an expression.
  return "string";
}

export function formSchema(schema: unknown): RJSFSchema {
  if (!isObject(schema)) return { type: "string" };
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) if (KEPT.has(key)) out[key] = value;
  const type = typeOf(schema);
  out["type"] = type;
  if (type === "object") {
    const properties = isObject(schema["properties"]) ? schema["properties"] : {};
    out["properties"] = Object.fromEntries(Object.entries(properties).map(([name, inner]) => [name, formSchema(inner)]));
    const required = schema["required"];
    if (Array.isArray(required)) out["required"] = required.filter((name) => typeof name === "string");
    const extra = schema["additionalProperties"];
    if (isObject(extra)) out["additionalProperties"] = formSchema(extra);
  }
  if (type === "array") out["items"] = formSchema(schema["items"]);
  if (Array.isArray(out["enum"]) && type !== "string" && type !== "number" && type !== "integer" && type !== "boolean") {
    delete out["enum"];
  }
  return out as RJSFSchema;
}

/** Form data as a document's inputs: keys the form left undefined dropped, deeply. */
export function cleanInputs(value: unknown): JsonMap {
  const cleaned = clean(value);
  return isObject(cleaned) ? (cleaned as JsonMap) : {};
}

function clean(value: unknown): JsonValue | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (Array.isArray(value)) return value.map((item) => clean(item) ?? null);
  if (isObject(value)) {
    const out: JsonMap = {};
    for (const [key, item] of Object.entries(value)) {
      const cleanedItem = clean(item);
      if (cleanedItem !== undefined) out[key] = cleanedItem;
    }
    return out;
  }
  return undefined;
}

/** Whether two JSON values are the same data. */
export function sameJson(left: unknown, right: unknown): boolean {
  return JSON.stringify(left) === JSON.stringify(right);
}
