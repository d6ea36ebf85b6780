// Copied steps as clipboard text: JSON with a marker, so a paste knows its own kind of text and
// another designer tab (or playbook) can take it. The last copy is also kept in memory, so copy
// and paste work within this tab where the browser refuses the clipboard API.

import { NODE_KINDS, RUN_AFTER_STATUSES } from "../graph/document";
import type { Fragment } from "../graph/edit";

/** The marker of soarflow's clipboard text. */
export const CLIPBOARD_FORMAT = "soarflow.fragment/v1";

let lastCopied: string | null = null;

export function fragmentText(fragment: Fragment): string {
  return JSON.stringify({ format: CLIPBOARD_FORMAT, ...fragment });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isOptionalString(value: unknown): boolean {
  return value === undefined || typeof value === "string";
}

// Enough of the document's shape that the canvas can draw what is pasted; the server validates
// the rest, like any other draft.
function isNode(value: unknown): boolean {
  if (!isObject(value) || typeof value["id"] !== "string") return false;
  if (!NODE_KINDS.includes(value["kind"] as never)) return false;
  if (!isOptionalString(value["parent"]) || !isOptionalString(value["branch"])) return false;
  if (value["kind"] === "action") return typeof value["action"] === "string";
  if (value["kind"] === "switch") return Array.isArray(value["cases"]);
  if (value["kind"] === "condition" || value["kind"] === "until") return isObject(value["condition"]);
  return true;
}

function isEdge(value: unknown): boolean {
  if (!isObject(value) || typeof value["source"] !== "string" || typeof value["target"] !== "string") return false;
  const when = value["when"];
  const statuses = RUN_AFTER_STATUSES as readonly unknown[];
  return (
    isOptionalString(value["branch"]) &&
    (when === undefined || (Array.isArray(when) && when.length > 0 && when.every((status) => statuses.includes(status))))
  );
}

function isBox(value: unknown): boolean {
  return isObject(value) && typeof value["x"] === "number" && typeof value["y"] === "number";
}

/** The fragment in clipboard text, or null when it is not soarflow's. */
export function parseFragment(text: string): Fragment | null {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(value) || value["format"] !== CLIPBOARD_FORMAT) return null;
  const { nodes, edges, layout } = value;
  if (!Array.isArray(nodes) || nodes.length === 0 || !nodes.every(isNode)) return null;
  if (!Array.isArray(edges) || !edges.every(isEdge)) return null;
  if (!isObject(layout) || !Object.values(layout).every(isBox)) return null;
  return { nodes, edges, layout } as Fragment;
}

/** Puts the fragment on the clipboard, and in memory whatever the browser says. */
export async function copyToClipboard(fragment: Fragment): Promise<void> {
  const text = fragmentText(fragment);
  lastCopied = text;
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // Refused (no permission, page not focused, insecure origin): memory serves this tab.
  }
}

/** The fragment on the clipboard; the one copied last in this tab when the clipboard holds none
 * or cannot be read. */
export async function readFragment(): Promise<Fragment | null> {
  try {
    const fragment = parseFragment(await navigator.clipboard.readText());
    if (fragment !== null) return fragment;
  } catch {
    // Refused: fall back to memory.
  }
  return lastCopied === null ? null : parseFragment(lastCopied);
}
