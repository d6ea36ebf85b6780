// The dynamic-content picker's logic: grouping the fields the server offers, and inserting one.

import { nodeLabel, nodesOf } from "../graph/document";
import type { PlaybookDocument } from "../graph/document";
import type { DynamicField } from "./api";

export interface FieldGroup {
  key: string;
  title: string;
  fields: DynamicField[];
}

/** Fields matching `query` by title or expression, grouped by the step they come from (in the
 * server's order), the run's own fields (trigger, run, playbook...) under "Playbook and run". */
export function fieldGroups(fields: readonly DynamicField[], query: string, document: PlaybookDocument): FieldGroup[] {
  const needle = query.trim().toLowerCase();
  const groups = new Map<string, FieldGroup>();
  for (const field of fields) {
    if (needle !== "" && !field.title.toLowerCase().includes(needle) && !field.expression.toLowerCase().includes(needle)) {
      continue;
    }
    const key = field.sourceNode ?? "";
    let group = groups.get(key);
    if (group === undefined) {
      const node = field.sourceNode === null ? undefined : nodesOf(document).find((n) => n.id === field.sourceNode);
      const title = field.sourceNode === null ? "Playbook and run" : node === undefined ? field.sourceNode : nodeLabel(node);
      group = { key, title, fields: [] };
      groups.set(key, group);
    }
    group.fields.push(field);
  }
  return [...groups.values()];
}

/** The text with the expression inserted at `offset`, and the caret after it. At the end of a
 * text, a space keeps the expression apart from the word before it. */
export function insertExpressionAt(text: string, offset: number, expression: string): { text: string; caret: number } {
  const at = Math.max(0, Math.min(offset, text.length));
  const before = text.slice(0, at);
  const spaced = at === text.length && before.trim() !== "" && !/\s$/.test(before) ? ` ${expression}` : expression;
  return { text: before + spaced + text.slice(at), caret: at + spaced.length };
}
