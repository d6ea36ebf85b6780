// Pure rules of the playbooks list: its address, who may change what, and the names of copies
// and exported files.

import { ApiError } from "../api";
import type { PlaybookFilter } from "../api";
import type { Workspace } from "../auth";
import { messageOf } from "../json";

export const PLAYBOOK_WRITE = "playbook.write";
export const PLAYBOOK_ENABLE = "playbook.enable";

/** The longest name the server accepts (backend/soarflow/api/playbooks.py). */
export const MAX_NAME_LENGTH = 200;

const COPY_SUFFIX = " (copy)";
const MAX_FILE_STEM_LENGTH = 80;

/** The list's filter as the page's address holds it (written with `filterQuery`). */
export function readFilter(search: string): PlaybookFilter {
  const params = new URLSearchParams(search);
  return {
    nameContains: (params.get("q") ?? "").trim(),
    workspace: params.get("workspace") || null,
  };
}

export function isFiltered(filter: PlaybookFilter): boolean {
  return filter.nameContains !== "" || filter.workspace !== null;
}

/** The workspace a key from the address or the API names: it may be an id or a name. */
export function findWorkspace(workspaces: readonly Workspace[], key: string): Workspace | undefined {
  return workspaces.find((workspace) => workspace.id === key || workspace.name === key);
}

/**
 * Whether the caller's role in a workspace grants a permission. `null` workspaces means the roles
 * could not be read: the buttons stay on and the server's answer decides.
 */
export function allows(workspaces: readonly Workspace[] | null, workspaceKey: string, permission: string): boolean {
  if (workspaces === null) return true;
  return findWorkspace(workspaces, workspaceKey)?.permissions.includes(permission) ?? false;
}

/** Whether a new playbook may be made in the chosen workspace, or in any when none is chosen. */
export function mayCreate(workspaces: readonly Workspace[] | null, chosen: string | null): boolean {
  if (workspaces === null) return true;
  if (chosen !== null) return allows(workspaces, chosen, PLAYBOOK_WRITE);
  return workspaces.some((workspace) => workspace.permissions.includes(PLAYBOOK_WRITE));
}

/** The name of a duplicate, cut so that it stays within what the server accepts. */
export function copyName(name: string): string {
  return `${name.slice(0, MAX_NAME_LENGTH - COPY_SUFFIX.length).trimEnd()}${COPY_SUFFIX}`;
}

/** `Block risky IPs!` → `block-risky-ips.json`; a name with no Latin letters or digits gives `playbook.json`. */
export function exportFileName(name: string): string {
  const stem = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, MAX_FILE_STEM_LENGTH)
    .replace(/^-+|-+$/g, "");
  return `${stem || "playbook"}.json`;
}

/** The content of an imported file; an `invalid_json` ApiError, shown like the server's, if it is not JSON. */
export function parseImportedJson(fileName: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ApiError("invalid_json", `${fileName} is not a JSON file (${messageOf(error)}).`);
  }
}
