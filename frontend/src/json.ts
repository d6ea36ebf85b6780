// Readers for untrusted JSON: each names the offending path, so a malformed response says where.

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function fail(path: string, expected: string, value: unknown): never {
  throw new Error(`${path} should be ${expected}, got ${describe(value)}`);
}

export function readObject(obj: JsonObject, key: string, path: string): JsonObject {
  const value = obj[key];
  if (!isObject(value)) fail(`${path}.${key}`, "an object", value);
  return value;
}

export function readArray(obj: JsonObject, key: string, path: string): unknown[] {
  const value = obj[key];
  if (!Array.isArray(value)) fail(`${path}.${key}`, "an array", value);
  return value;
}

export function readString(obj: JsonObject, key: string, path: string): string {
  const value = obj[key];
  if (typeof value !== "string") fail(`${path}.${key}`, "a string", value);
  return value;
}

export function readNullableString(obj: JsonObject, key: string, path: string): string | null {
  const value = obj[key];
  if (value !== null && typeof value !== "string") fail(`${path}.${key}`, "a string or null", value);
  return value;
}

export function readStringArray(obj: JsonObject, key: string, path: string): string[] {
  return readArray(obj, key, path).map((item, index) => {
    if (typeof item !== "string") fail(`${path}.${key}[${index}]`, "a string", item);
    return item;
  });
}

export function readBoolean(obj: JsonObject, key: string, path: string): boolean {
  const value = obj[key];
  if (typeof value !== "boolean") fail(`${path}.${key}`, "a boolean", value);
  return value;
}

export function readCount(obj: JsonObject, key: string, path: string): number {
  const value = obj[key];
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    fail(`${path}.${key}`, "a non-negative integer", value);
  }
  return value;
}

export function readTimestamp(obj: JsonObject, key: string, path: string): string {
  const value = readString(obj, key, path);
  if (Number.isNaN(Date.parse(value))) fail(`${path}.${key}`, "an ISO-8601 timestamp", value);
  return value;
}
