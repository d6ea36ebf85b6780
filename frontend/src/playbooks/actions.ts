// The list's row and header actions, each a few API calls. Failures reject with the ApiError to show.

import { createPlaybook, fetchPlaybook } from "../designer/api";
import type { Playbook } from "../designer/api";
import type { PlaybookDocument } from "../graph/document";
import { copyName, exportFileName, parseImportedJson } from "./listing";

/** A new playbook with the document of another, named as its copy, in the same workspace. */
export async function duplicatePlaybook(id: string, workspaceId: string): Promise<Playbook> {
  const { document } = await fetchPlaybook(id);
  return createPlaybook({ ...document, name: copyName(document.name) }, workspaceId);
}

/** Saves a playbook's document, the same JSON that import and the API accept, as a file. */
export async function exportPlaybook(id: string): Promise<void> {
  const { document } = await fetchPlaybook(id);
  downloadJson(exportFileName(document.name), document);
}

/** A new playbook from a file; the server saves one with problems as a draft. */
export async function importPlaybook(file: File, workspace: string | null): Promise<Playbook> {
  const content = parseImportedJson(file.name, await file.text());
  // Not checked here: the server decides what is a playbook, and its refusal says why.
  return createPlaybook(content as PlaybookDocument, workspace);
}

const REVOKE_DELAY_MS = 60_000;

function downloadJson(fileName: string, value: unknown): void {
  const blob = new Blob([`${JSON.stringify(value, null, 2)}\n`], { type: "application/json" });
  const url = URL.createObjectURL(blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = fileName;
  link.click();
  // Not at once: some browsers read the blob after click() returns.
  window.setTimeout(() => URL.revokeObjectURL(url), REVOKE_DELAY_MS);
}
