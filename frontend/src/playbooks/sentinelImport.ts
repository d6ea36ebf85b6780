// Importing Microsoft Sentinel playbooks (ARM templates) and Logic Apps workflows: one request
// per file, so that one bad file is one error in the list and the others still import.

import { PLAYBOOKS_URL, apiRequest, toApiError } from "../api";
import { fail, isObject, readArray, readCount, readNullableString, readString } from "../json";

export interface Finding {
  /** action, expression or trigger: not carried over; defect: a fault of the original; note. */
  kind: string;
  path: string;
  message: string;
  nodeId: string | null;
}

export type ImportOutcome =
  | {
      file: string;
      status: "imported" | "draft";
      playbookId: string;
      name: string;
      unmapped: number;
      problems: number;
      findings: Finding[];
    }
  | { file: string; status: "failed"; reason: string };

function parseFinding(value: unknown, path: string): Finding {
  if (!isObject(value)) fail(path, "an object", value);
  return {
    kind: readString(value, "kind", path),
    path: readString(value, "path", path),
    message: readString(value, "message", path),
    nodeId: readNullableString(value, "node_id", path),
  };
}

export function parseImported(body: unknown): ImportOutcome {
  if (!isObject(body)) fail("response", "an object", body);
  const status = readString(body, "status", "response");
  if (status !== "imported" && status !== "draft") fail("response.status", "imported or draft", status);
  return {
    file: readString(body, "file", "response"),
    status,
    playbookId: readString(body, "playbook_id", "response"),
    name: readString(body, "name", "response"),
    unmapped: readCount(body, "unmapped", "response"),
    problems: readCount(body, "problems", "response"),
    findings: readArray(body, "findings", "response").map((item, n) => parseFinding(item, `response.findings[${n}]`)),
  };
}

export async function importSentinelFile(file: File, workspace: string | null): Promise<ImportOutcome> {
  const query = new URLSearchParams({ name: file.name });
  if (workspace !== null) query.set("workspace", workspace);
  try {
    return await apiRequest(`${PLAYBOOKS_URL}/import?${query}`, {
      method: "POST",
      rawJson: await file.text(),
      parse: parseImported,
    });
  } catch (error) {
    return { file: file.name, status: "failed", reason: toApiError(error).message };
  }
}

/** The findings a person acts on: what did not carry over, then the original's defects, each
 * message once with how often it came (a misspelt loop name is often repeated). */
export function shownFindings(findings: readonly Finding[]): { finding: Finding; times: number }[] {
  const order = (finding: Finding) => (finding.kind === "defect" ? 1 : 0);
  const seen = new Map<string, { finding: Finding; times: number }>();
  for (const finding of findings) {
    if (finding.kind === "note") continue;
    const key = `${finding.kind}\u0000${finding.message}`;
    const entry = seen.get(key);
    if (entry === undefined) seen.set(key, { finding, times: 1 });
    else entry.times += 1;
  }
  return [...seen.values()].sort((a, b) => order(a.finding) - order(b.finding));
}

export function outcomeText(outcome: ImportOutcome): string {
  if (outcome.status === "failed") return `Not imported: ${outcome.reason}`;
  if (outcome.status === "imported") return "Imported: complete and valid";
  const parts = [];
  if (outcome.unmapped > 0) parts.push(`${outcome.unmapped} ${outcome.unmapped === 1 ? "part" : "parts"} not carried over`);
  if (outcome.problems > 0) parts.push(`${outcome.problems} ${outcome.problems === 1 ? "problem" : "problems"}`);
  return `Saved as a draft: ${parts.join(", ")}`;
}
