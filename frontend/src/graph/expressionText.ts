// A text field as the analyst reads it: plain text with expressions shown as named tokens
// ("VirusTotal IP report · reputation") instead of `{{ steps.vt.output.data.attributes.reputation }}`.
// Only complete `{{ ... }}` become tokens; a half-typed `{{ steps.` stays text until it is closed.

import { nodeLabel, nodesOf } from "./document";
import type { PlaybookDocument } from "./document";
import { findClose } from "./references";

export type Segment = { kind: "text"; text: string } | { kind: "expression"; text: string };

/** The text cut into text and expression segments, alternating and starting and ending with a
 * text segment (possibly empty), so there is always a place to type before and after a token. */
export function splitExpressions(text: string): Segment[] {
  const segments: Segment[] = [];
  let position = 0;
  let pending = "";
  while (position < text.length) {
    const open = text.indexOf("{{", position);
    if (open < 0) break;
    const close = findClose(text, open + 2);
    if (close >= text.length) break;
    segments.push({ kind: "text", text: pending + text.slice(position, open) });
    pending = "";
    segments.push({ kind: "expression", text: text.slice(open, close + 2) });
    position = close + 2;
  }
  segments.push({ kind: "text", text: pending + text.slice(position) });
  return segments;
}

export function joinSegments(segments: readonly Segment[]): string {
  return segments.map((segment) => segment.text).join("");
}

/** Where each segment starts in the joined text. */
export function segmentStarts(segments: readonly Segment[]): number[] {
  const starts: number[] = [];
  let offset = 0;
  for (const segment of segments) {
    starts.push(offset);
    offset += segment.text.length;
  }
  return starts;
}

/** The text segment (by index) holding the offset, and the offset inside it. At a token's end the
 * caret belongs to the text after it. */
export function caretSegment(segments: readonly Segment[], offset: number): { index: number; caret: number } {
  const starts = segmentStarts(segments);
  let found = { index: 0, caret: 0 };
  segments.forEach((segment, index) => {
    const start = starts[index] as number;
    if (segment.kind === "text" && offset >= start && offset <= start + segment.text.length) {
      found = { index, caret: offset - start };
    }
  });
  return found;
}

export interface ExpressionLabel {
  /** What the token reads. */
  label: string;
  /** Whether the label names a field; otherwise it is the expression itself, shortened. */
  named: boolean;
}

const KEY = /^(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*(?:'((?:\\.|[^'\\])*)'|"((?:\\.|[^"\\])*)"|(\d+))\s*\])\s*/;
const ROOT = /^([A-Za-z_][A-Za-z0-9_]*)\s*/;
const EACH = /^\|\s*map\(\s*attribute\s*=\s*(['"])([^'"]*)\1\s*\)\s*\|\s*list\s*$/;
const SHORT = 40;

/** The readable name of a `{{ ... }}` expression: where its value comes from and which field. */
export function expressionLabel(expression: string, document: PlaybookDocument): ExpressionLabel {
  const inner = expression.replace(/^\{\{-?\s*/, "").replace(/\s*-?\}\}$/, "");
  const path = readPath(inner);
  if (path === null) return unnamed(inner);
  const each = path.rest === "" ? null : EACH.exec(path.rest);
  if (path.rest !== "" && each === null) return unnamed(inner);
  const named = pathLabel(path.keys, document);
  if (named === null) return unnamed(inner);
  return { label: each === null ? named : `${named} · each ${each[2] as string}`, named: true };
}

function unnamed(inner: string): ExpressionLabel {
  return { label: inner.length > SHORT ? `${inner.slice(0, SHORT - 1)}…` : inner, named: false };
}

// `a.b['c'][0]` as ["a", "b", "c", "0"] and what follows the path (a filter, an operator...).
function readPath(inner: string): { keys: string[]; rest: string } | null {
  const root = ROOT.exec(inner);
  if (root === null) return null;
  const keys = [root[1] as string];
  let rest = inner.slice(root[0].length);
  for (let key = KEY.exec(rest); key !== null; key = KEY.exec(rest)) {
    const quoted = key[2] ?? key[3];
    keys.push(key[1] ?? (quoted === undefined ? (key[4] as string) : unescapeKey(quoted)));
    rest = rest.slice(key[0].length);
  }
  return { keys, rest: rest.trim() };
}

function unescapeKey(literal: string): string {
  return literal.replace(/\\(.)/g, "$1");
}

function pathLabel(keys: readonly string[], document: PlaybookDocument): string | null {
  const [root, ...rest] = keys;
  const last = (fallback: string) => rest[rest.length - 1] ?? fallback;
  switch (root) {
    case "trigger":
      return rest.length === 0 ? "Trigger" : `Trigger · ${last("")}`;
    case "steps": {
      const [id, part, ...field] = rest;
      if (id === undefined) return null;
      const node = nodesOf(document).find((candidate) => candidate.id === id);
      const source = node === undefined ? id : nodeLabel(node);
      if (part === undefined) return source;
      return `${source} · ${field[field.length - 1] ?? part}`;
    }
    case "item":
      return rest.length === 0 ? "Current item" : `Current item · ${last("")}`;
    case "index":
      return rest.length === 0 ? "Current position" : null;
    case "items": {
      const [id, ...field] = rest;
      if (id === undefined) return null;
      const node = nodesOf(document).find((candidate) => candidate.id === id);
      const source = `${node === undefined ? id : nodeLabel(node)} · current item`;
      return field.length === 0 ? source : `${source} · ${field[field.length - 1] as string}`;
    }
    case "vars":
      return rest.length === 0 ? "Variables" : `Variable · ${last("")}`;
    case "run":
      return rest.length === 0 ? "Run" : `Run · ${last("")}`;
    case "playbook":
      return rest.length === 0 ? "Playbook" : `Playbook · ${last("")}`;
    default:
      return null;
  }
}
