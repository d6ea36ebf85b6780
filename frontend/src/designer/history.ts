// Undo and redo over whole documents. Edits are pure (graph/edit.ts), so a history is just the
// documents before and after the current one; nothing is ever patched back.

import type { PlaybookDocument } from "../graph/document";

/** How many edits undo can go back. */
export const HISTORY_LIMIT = 200;

export interface History {
  present: PlaybookDocument;
  /** Oldest first; the last entry is what undo restores. */
  past: readonly PlaybookDocument[];
  /** Nearest first; the first entry is what redo restores. */
  future: readonly PlaybookDocument[];
  /** Typing into one field is one edit: consecutive edits with the same key replace each other. */
  mergeKey: string | null;
}

export function startHistory(document: PlaybookDocument): History {
  return { present: document, past: [], future: [], mergeKey: null };
}

/** The history after an edit; unchanged when the edit changed nothing. */
export function record(history: History, next: PlaybookDocument, mergeKey: string | null = null): History {
  if (next === history.present) return history;
  const merging = mergeKey !== null && mergeKey === history.mergeKey && history.past.length > 0;
  const past = merging ? history.past : [...history.past, history.present].slice(-HISTORY_LIMIT);
  return { present: next, past, future: [], mergeKey };
}

export function undo(history: History): History {
  const previous = history.past[history.past.length - 1];
  if (previous === undefined) return history;
  return {
    present: previous,
    past: history.past.slice(0, -1),
    future: [history.present, ...history.future],
    mergeKey: null,
  };
}

export function redo(history: History): History {
  const [next, ...rest] = history.future;
  if (next === undefined) return history;
  return { present: next, past: [...history.past, history.present], future: rest, mergeKey: null };
}
