// Pure rules of the connections page: its filter (kept in the address), what a status reads as,
// the selection of rows to delete, and what the server's refusal to delete names.

import type { CatalogueConnector } from "../designer/api";
import { isObject } from "../json";
import type { JsonObject } from "../json";
import type { Workspace } from "../auth";
import { findWorkspace } from "../playbooks/listing";
import type { ListedConnection } from "./api";

export const CONNECTION_WRITE = "connection.write";

/** The longest name the server accepts (backend/soarflow/api/connections.py). */
export const MAX_NAME_LENGTH = 200;

export interface ConnectionFilter {
  /** Part of the name, any case. */
  q: string | null;
  /** A connector's id. */
  connector: string | null;
  /** A workspace's name or id. */
  workspace: string | null;
}

export const NO_FILTER: ConnectionFilter = { q: null, connector: null, workspace: null };

function text(params: URLSearchParams, name: string): string | null {
  return params.get(name)?.trim() || null;
}

export function readConnectionFilter(search: string): ConnectionFilter {
  const params = new URLSearchParams(search);
  return { q: text(params, "q"), connector: text(params, "connector"), workspace: text(params, "workspace") };
}

/** `?q=vt&connector=virustotal`, "" when nothing is filtered. */
export function connectionFilterQuery(filter: ConnectionFilter): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(filter)) if (typeof value === "string" && value !== "") params.set(name, value);
  const query = params.toString();
  return query === "" ? "" : `?${query}`;
}

export function isFiltered(filter: ConnectionFilter): boolean {
  return filter.q !== null || filter.connector !== null || filter.workspace !== null;
}

export function filterConnections(
  connections: readonly ListedConnection[],
  filter: ConnectionFilter,
  workspaces: readonly Workspace[] | null,
): ListedConnection[] {
  const part = filter.q?.toLowerCase() ?? null;
  const workspaceId =
    filter.workspace === null ? null : (findWorkspace(workspaces ?? [], filter.workspace)?.id ?? filter.workspace);
  return connections.filter(
    (connection) =>
      (part === null || connection.name.toLowerCase().includes(part)) &&
      (filter.connector === null || connection.connectorId === filter.connector) &&
      (workspaceId === null || connection.workspaceId === workspaceId),
  );
}

/** The connectors the connections are of, by name, for the connector filter. */
export function connectorOptions(
  connections: readonly ListedConnection[],
  catalogue: readonly CatalogueConnector[],
): { value: string; label: string }[] {
  const ids = [...new Set(connections.map((connection) => connection.connectorId))];
  return ids
    .map((id) => ({ value: id, label: catalogue.find((connector) => connector.id === id)?.name ?? id }))
    .sort((left, right) => left.label.localeCompare(right.label));
}

export type StatusTone = "ok" | "error" | "untested";

export interface StatusView {
  tone: StatusTone;
  label: string;
  /** Why the last test failed; "" otherwise. */
  reason: string;
}

/** A connection's status as its pill says it. A change of fields makes a tested connection
 * untested again, which is not the same as never having been tested. */
export function statusView(connection: Pick<ListedConnection, "status" | "statusReason" | "lastTestedAt">): StatusView {
  switch (connection.status) {
    case "connected":
      return { tone: "ok", label: "Connected", reason: "" };
    case "error":
      return { tone: "error", label: "Error", reason: connection.statusReason || "no reason given" };
    case "untested":
      return {
        tone: "untested",
        label: connection.lastTestedAt === null ? "Never tested" : "Not tested since changed",
        reason: "",
      };
    default:
      return { tone: "untested", label: connection.status, reason: connection.statusReason };
  }
}

// ---- Selection ---------------------------------------------------------------------------------

export function toggled(selection: ReadonlySet<string>, id: string): Set<string> {
  const next = new Set(selection);
  if (!next.delete(id)) next.add(id);
  return next;
}

export type SelectAllState = "none" | "some" | "all";

/** What the select-all box shows for the rows that can be selected. */
export function selectAllState(selection: ReadonlySet<string>, selectable: readonly string[]): SelectAllState {
  const chosen = selectable.filter((id) => selection.has(id)).length;
  if (chosen === 0) return "none";
  return chosen === selectable.length ? "all" : "some";
}

/** Select-all: selects every selectable row, or clears them when all already are. */
export function toggledAll(selection: ReadonlySet<string>, selectable: readonly string[]): Set<string> {
  const next = new Set(selection);
  if (selectAllState(selection, selectable) === "all") for (const id of selectable) next.delete(id);
  else for (const id of selectable) next.add(id);
  return next;
}

/** The selected rows still shown: a filter may hide some, and what is hidden is not deleted. */
export function selectedShown<T extends { id: string }>(selection: ReadonlySet<string>, shown: readonly T[]): T[] {
  return shown.filter((row) => selection.has(row.id));
}

// ---- Deleting ----------------------------------------------------------------------------------

/** What the confirmation names: “vt-main”, “vt-main and smtp”, “3 connections”. */
export function deletionName(connections: readonly Pick<ListedConnection, "name">[]): string {
  const [first, second] = connections;
  if (connections.length === 1 && first !== undefined) return `“${first.name}”`;
  if (connections.length === 2 && first !== undefined && second !== undefined) {
    return `“${first.name}” and “${second.name}”`;
  }
  return `${connections.length} connections`;
}

/** Disabled playbooks that name the connections about to be deleted: deleting is allowed, but
 * they fail once enabled, so the confirmation says which. */
export function disabledUsers(connections: readonly Pick<ListedConnection, "usedBy">[]): string[] {
  const names = connections.flatMap((connection) => connection.usedBy.filter((use) => !use.enabled).map((use) => use.name));
  return [...new Set(names)].sort((left, right) => left.localeCompare(right));
}

export interface InUse {
  id: string;
  name: string;
  playbooks: { id: string; name: string }[];
}

function readIdName(value: unknown): { id: string; name: string } | null {
  if (!isObject(value) || typeof value["id"] !== "string" || typeof value["name"] !== "string") return null;
  return { id: value["id"], name: value["name"] };
}

/** The connections a refusal (409 connection_in_use) names, each with the enabled playbooks
 * that keep it; [] for any other error. */
export function inUseConnections(details: JsonObject): InUse[] {
  const listed = details["connections"];
  if (!Array.isArray(listed)) return [];
  return listed.flatMap((item): InUse[] => {
    const connection = readIdName(item);
    if (connection === null || !isObject(item) || !Array.isArray(item["playbooks"])) return [];
    const playbooks = item["playbooks"].map(readIdName).filter((playbook) => playbook !== null);
    return [{ ...connection, playbooks }];
  });
}

// ---- Renaming ----------------------------------------------------------------------------------

/** Why a new name cannot be saved, or null. Names are unique in a workspace; the server has the
 * last word, this only spares a round trip. */
export function renameProblem(
  name: string,
  connection: Pick<ListedConnection, "id" | "workspaceId">,
  connections: readonly Pick<ListedConnection, "id" | "workspaceId" | "name">[],
): string | null {
  const trimmed = name.trim();
  if (trimmed === "") return "Type a name.";
  if (trimmed.length > MAX_NAME_LENGTH) return `A name has at most ${MAX_NAME_LENGTH} characters.`;
  const taken = connections.some(
    (other) => other.id !== connection.id && other.workspaceId === connection.workspaceId && other.name === trimmed,
  );
  return taken ? `Another connection in this workspace is named “${trimmed}”.` : null;
}

/** What a rename does to the playbooks that call with the connection by its name. */
export function renameNotice(connection: Pick<ListedConnection, "usedBy">): string | null {
  const count = connection.usedBy.length;
  if (count === 0) return null;
  if (count === 1) return "The playbook using it is changed to call with the new name, saved as a new version.";
  return `The ${count} playbooks using it are changed to call with the new name, each saved as a new version.`;
}
