// Edits of one node's settings from the inspector, and the nodes the palette creates. Structural
// edits (add, remove, connect, move) are graph/edit.ts's.

import { nodesOf } from "../graph/document";
import type { PlaybookDocument, PlaybookNode, RetrySpec, TriggerSpec } from "../graph/document";
import type { NewNode } from "../graph/edit";
import { emptyRule } from "./conditionTree";

/** The document with node `id` replaced by `change(node)`; the same document if nothing changed. */
export function updateNode(
  document: PlaybookDocument,
  id: string,
  change: (node: PlaybookNode) => PlaybookNode,
): PlaybookDocument {
  let changed = false;
  const nodes = nodesOf(document).map((node) => {
    if (node.id !== id || changed) return node;
    const next = change(node);
    changed = next !== node;
    return next;
  });
  return changed ? { ...document, nodes } : document;
}

export function updateTrigger(document: PlaybookDocument, change: (trigger: TriggerSpec) => TriggerSpec): PlaybookDocument {
  if (document.trigger === undefined) return document;
  const trigger = change(document.trigger);
  return trigger === document.trigger ? document : { ...document, trigger };
}

export type RetryPolicy = RetrySpec["policy"];

/** The node with its retry policy changed: "default" removes `retry` (the engine's default
 * applies), "none" keeps no count or interval, fixed and exponential keep those already set. */
export function withRetryPolicy(node: PlaybookNode, policy: RetryPolicy | "default"): PlaybookNode {
  if (node.kind !== "action") return node;
  const { retry, ...rest } = node;
  if (policy === "default") return retry === undefined ? node : rest;
  if (policy === "none") return retry?.policy === "none" && Object.keys(retry).length === 1 ? node : { ...rest, retry: { policy } };
  return retry?.policy === policy ? node : { ...rest, retry: { ...retry, policy } };
}

/** The node with a retry setting of a fixed or exponential policy set (`count` a whole number from
 * 0 to 90, `interval` an ISO 8601 duration), or removed when undefined or empty. */
export function withRetrySetting(node: PlaybookNode, key: "count" | "interval", value: number | string | undefined): PlaybookNode {
  if (node.kind !== "action" || node.retry === undefined || node.retry.policy === "none") return node;
  const { [key]: previous, ...retry } = node.retry;
  if (value === undefined || value === "") return previous === undefined ? node : { ...node, retry };
  const next = key === "count" ? Math.min(90, Math.max(0, Math.round(Number(value) || 0))) : String(value);
  return previous === next ? node : { ...node, retry: { ...retry, [key]: next } };
}

/** The node with its timeout (an ISO 8601 duration such as PT30S) set, or removed when empty. */
export function withTimeout(node: PlaybookNode, text: string): PlaybookNode {
  if (node.kind !== "action") return node;
  const value = text.trim();
  if (value === (node.timeout ?? "")) return node;
  const { timeout: _timeout, ...rest } = node;
  return value === "" ? rest : { ...rest, timeout: value };
}

/** The action node with its connection (a connection's name, or "" for none) set. */
export function withConnection(node: PlaybookNode, connection: string): PlaybookNode {
  if (node.kind !== "action" || (node.connection ?? "") === connection) return node;
  const { connection: _previous, ...rest } = node;
  return connection === "" ? rest : { ...rest, connection };
}

/** A text setting (title, description): an empty text removes the key. */
export function withText<T extends object, K extends keyof T & string>(item: T, key: K, text: string): T {
  const current = (item as Record<string, unknown>)[key];
  if ((current ?? "") === text) return item;
  if (text === "") {
    const { [key]: _removed, ...rest } = item;
    return rest as T;
  }
  return { ...item, [key]: text };
}

export type ControlKind = Exclude<PlaybookNode["kind"], "action">;

export const CONTROL_KINDS: readonly ControlKind[] = ["condition", "switch", "foreach", "until", "scope"];

export const CONTROL_TITLES: Readonly<Record<ControlKind, string>> = {
  condition: "Condition",
  switch: "Switch",
  foreach: "For each",
  until: "Until",
  scope: "Scope",
};

export const CONTROL_DESCRIPTIONS: Readonly<Record<ControlKind, string>> = {
  condition: "Runs its True or its False branch",
  switch: "Runs the branch of the matching case",
  foreach: "Runs its body for every item of a list",
  until: "Repeats its body until a condition holds",
  scope: "Groups steps; handle their failure together",
};

/** What a new node holds when it comes from the palette. */
export function newNodeFor(item: PaletteItem): NewNode {
  if (item.kind === "action") return { kind: "action", action: item.action, inputs: {} };
  switch (item.control) {
    case "condition":
      return { kind: "condition", condition: { all: [emptyRule()] } };
    case "switch":
      return { kind: "switch", on: "", cases: ["case_1"] };
    case "foreach":
      return { kind: "foreach", items: "", concurrency: 1 };
    case "until":
      return { kind: "until", condition: { all: [emptyRule()] }, max_iterations: 10 };
    case "scope":
      return { kind: "scope" };
  }
}

export type PaletteItem = { kind: "action"; action: string } | { kind: "control"; control: ControlKind };

export const PALETTE_MIME = "application/x-soarflow-palette-item";

export function paletteItemId(item: PaletteItem): string {
  return item.kind === "action" ? item.action : `control.${item.control}`;
}

/** The palette item a drag carried, or null for anything else. */
export function parsePaletteItem(text: string): PaletteItem | null {
  if (text.startsWith("control.")) {
    const control = text.slice("control.".length);
    return (CONTROL_KINDS as readonly string[]).includes(control) ? { kind: "control", control: control as ControlKind } : null;
  }
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(text) ? { kind: "action", action: text } : null;
}
