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

/** The text with the expression added: the expression alone in an empty field, else after the
 * text with a space between. */
export function insertExpression(text: string, expression: string): string {
  if (text.trim() === "") return expression;
  return /\s$/.test(text) ? `${text}${expression}` : `${text} ${expression}`;
}
