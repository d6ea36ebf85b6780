// The rules of triage edits, before they become a PATCH.

/** The longest label the API takes (backend/soarflow/store/models.py, Label). */
export const MAX_LABEL_LENGTH = 100;
export const MAX_LABELS = 50;

export type LabelAdd = { labels: string[] } | { problem: string };

/** The labels with one more, or why not: empty, too long, there already, too many. */
export function addLabel(labels: readonly string[], text: string): LabelAdd {
  const label = text.trim();
  if (label === "") return { problem: "Type a label first" };
  if (label.length > MAX_LABEL_LENGTH) return { problem: `A label is at most ${MAX_LABEL_LENGTH} characters` };
  if (labels.includes(label)) return { problem: `“${label}” is already there` };
  if (labels.length >= MAX_LABELS) return { problem: `An incident has at most ${MAX_LABELS} labels` };
  return { labels: [...labels, label] };
}

export function removeLabel(labels: readonly string[], label: string): string[] {
  return labels.filter((item) => item !== label);
}

/** The owner a text field asks for: null (nobody) when it is empty. */
export function ownerFrom(text: string): string | null {
  return text.trim() || null;
}
