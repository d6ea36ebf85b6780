// Renaming the steps an expression refers to, for copies: a pasted VirusTotal + comment pair must
// have the new comment read the new VirusTotal step. Expressions are Jinja (DESIGN.md section 4);
// this scanner knows just enough of its syntax (string literals, `.name`, `['name']`) to find
// `steps.<id>` and `items.<foreach id>` roots without touching text outside `{{ ... }}`.

import type { PlaybookNode } from "./document";

/** The node fields that hold expressions (EXPRESSION_FIELDS in expressions/validation.py). */
export const EXPRESSION_FIELDS = ["inputs", "items", "on", "condition"] as const;

// The names whose next key is a node id: steps.<id>.output and items.<foreach id>.
const ID_ROOTS = new Set(["steps", "items"]);
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The text with every `steps.<old>` / `items.<old>` (either spelling) inside `{{ }}` pointing at
 * the renamed id; the same text object when nothing changes. */
export function renameReferences(text: string, renames: ReadonlyMap<string, string>): string {
  if (!text.includes("{{") || renames.size === 0) return text;
  let out = "";
  let position = 0;
  while (position < text.length) {
    const open = text.indexOf("{{", position);
    if (open < 0) break;
    const close = findClose(text, open + 2);
    out += text.slice(position, open + 2) + renameInExpression(text.slice(open + 2, close), renames);
    position = close;
  }
  out += text.slice(position);
  return out === text ? text : out;
}

/** The end of an expression: the first `}}` outside a string literal, or the end of the text. */
export function findClose(text: string, from: number): number {
  let position = from;
  while (position < text.length) {
    const char = text[position] as string;
    if (char === "'" || char === '"') position = skipString(text, position);
    else if (text.startsWith("}}", position)) return position;
    else position += 1;
  }
  return text.length;
}

function skipString(text: string, start: number): number {
  const quote = text[start];
  let position = start + 1;
  while (position < text.length && text[position] !== quote) position += text[position] === "\\" ? 2 : 1;
  return Math.min(position + 1, text.length);
}

function renameInExpression(expression: string, renames: ReadonlyMap<string, string>): string {
  let out = "";
  let position = 0;
  while (position < expression.length) {
    const char = expression[position] as string;
    if (char === "'" || char === '"') {
      const end = skipString(expression, position);
      out += expression.slice(position, end);
      position = end;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(expression.slice(position))?.[0];
    if (word === undefined) {
      out += char;
      position += 1;
      continue;
    }
    const end = position + word.length;
    // A root name only: `x.steps.vt` reads an attribute called steps, not the steps of the run.
    const rooted = ID_ROOTS.has(word) && !/\.\s*$/.test(expression.slice(0, position));
    const key = rooted ? readKey(expression, end) : undefined;
    const renamed = key === undefined ? undefined : renames.get(key.id);
    if (key === undefined || renamed === undefined) {
      out += word;
      position = end;
      continue;
    }
    out += word + spellKey(renamed, key.dotted);
    position = key.end;
  }
  return out;
}

interface Key {
  id: string;
  dotted: boolean;
  end: number;
}

// After a root: `.name` or `['name']` / `["name"]`, white space allowed as Jinja allows it.
function readKey(expression: string, from: number): Key | undefined {
  const rest = expression.slice(from);
  const dotted = /^\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(rest);
  if (dotted !== null) return { id: dotted[1] as string, dotted: true, end: from + dotted[0].length };
  const subscript = /^\s*\[\s*(['"])((?:\\.|(?!\1).)*)\1\s*\]/.exec(rest);
  if (subscript !== null) {
    return { id: unescape(subscript[2] as string), dotted: false, end: from + subscript[0].length };
  }
  return undefined;
}

function unescape(literal: string): string {
  return literal.replace(/\\(.)/g, "$1");
}

// `.new` when the new id is a plain name, else `['new-id']`: `steps.each-ip` would read as a
// subtraction, so an id with a hyphen needs the subscript spelling.
function spellKey(id: string, dotted: boolean): string {
  if (dotted && IDENTIFIER.test(id)) return `.${id}`;
  return `['${id.replace(/[\\']/g, "\\$&")}']`;
}

/** The value with renameReferences applied to every string in it; unchanged parts are shared,
 * so a node without references comes back as the same object. */
export function renameInValue<T>(value: T, renames: ReadonlyMap<string, string>): T {
  if (typeof value === "string") return renameReferences(value, renames) as T;
  if (Array.isArray(value)) {
    const items: readonly unknown[] = value;
    const mapped = items.map((item) => renameInValue(item, renames));
    return (mapped.every((item, position) => item === items[position]) ? value : mapped) as T;
  }
  if (value !== null && typeof value === "object") {
    let changed = false;
    const mapped: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value) as [string, unknown][]) {
      mapped[key] = renameInValue(item, renames);
      changed ||= mapped[key] !== item;
    }
    return (changed ? mapped : value) as T;
  }
  return value;
}

type ExpressionField = (typeof EXPRESSION_FIELDS)[number];

/** The node with its expression fields renamed (see renameReferences). */
export function renameInNode<T extends PlaybookNode>(node: T, renames: ReadonlyMap<string, string>): T {
  let result = node;
  for (const field of EXPRESSION_FIELDS) {
    const before: unknown = (node as Partial<Record<ExpressionField, unknown>>)[field];
    if (before === undefined) continue;
    const after = renameInValue(before, renames);
    if (after !== before) result = { ...result, [field]: after };
  }
  return result;
}
