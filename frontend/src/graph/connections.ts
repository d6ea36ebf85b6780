// Whether the user may draw an edge, and if not, a sentence saying why. The rules are the
// validator's (backend/soarflow/playbook/checks.py): refusing while drawing is kinder than
// accepting the edge and pinning a problem on it a second later.

import type { Connection, Edge as FlowEdgeBase } from "@xyflow/react";
import { branchesOf, edgesOf, isContainer, nodeLabel } from "./document";
import type { PlaybookDocument, PlaybookNode } from "./document";
import { indexDocument, isTriggerId, reaches, stepById } from "./graph";
import type { DocumentIndex } from "./graph";

export type ConnectionCode =
  "unknown_node" | "self_link" | "into_trigger" | "cross_scope" | "bad_branch" | "duplicate" | "cycle";

export interface ConnectionProblem {
  code: ConnectionCode;
  reason: string;
}

const BRANCH_HANDLE_PREFIX = "branch:";

/** The id of the source handle that starts a container's branch. */
export function branchHandleId(branch: string): string {
  return `${BRANCH_HANDLE_PREFIX}${branch}`;
}

/** The branch a source handle starts, or undefined for an ordinary "after this step" handle. */
export function branchOfHandle(handleId: string | null | undefined): string | undefined {
  if (handleId == null || !handleId.startsWith(BRANCH_HANDLE_PREFIX)) return undefined;
  return handleId.slice(BRANCH_HANDLE_PREFIX.length);
}

/** Why the edge source -> target (starting `branch` when given) cannot be drawn, or null. */
export function connectionProblem(
  document: PlaybookDocument,
  sourceId: string,
  targetId: string,
  branch?: string,
): ConnectionProblem | null {
  const index = indexDocument(document);
  const sourceIsTrigger = isTriggerId(index, sourceId);
  const source = stepById(index, sourceId);
  const target = stepById(index, targetId);
  const sourceName = sourceIsTrigger ? "the trigger" : source === undefined ? undefined : quoted(source);
  if (sourceName === undefined) return problem("unknown_node", `There is no step '${sourceId}' in this playbook.`);
  if (sourceId === targetId) return problem("self_link", "A step cannot run after itself.");
  if (isTriggerId(index, targetId)) {
    return problem("into_trigger", "Nothing can run before the trigger: it is where every run starts.");
  }
  if (target === undefined) return problem("unknown_node", `There is no step '${targetId}' in this playbook.`);
  const placement =
    source === undefined ? topLevelProblem(target, sourceName, branch) : placementProblem(source, target, branch);
  if (placement !== null) return placement;
  if (edgesOf(document).some((edge) => edge.source === sourceId && edge.target === targetId)) {
    return problem("duplicate", `${quoted(target)} already runs after ${sourceName}.`);
  }
  if (createsCycle(index, sourceId, targetId)) {
    return problem(
      "cycle",
      `This would make a loop: ${quoted(target)} already leads to ${sourceName}, ` +
        "so each would wait for the other forever.",
    );
  }
  return null;
}

export function canConnect(document: PlaybookDocument, sourceId: string, targetId: string, branch?: string): boolean {
  return connectionProblem(document, sourceId, targetId, branch) === null;
}

/** connectionProblem for what React Flow hands over: a new Connection, or an edge being moved. A
 * branch start handle (`branch:<name>`) makes it a start edge of that branch. */
export function connectionProblemOf(
  document: PlaybookDocument,
  connection: Connection | FlowEdgeBase,
): ConnectionProblem | null {
  return connectionProblem(document, connection.source, connection.target, branchOfHandle(connection.sourceHandle));
}

/** Shaped for React Flow's `isValidConnection` prop: `isValidConnection={(c) => isValidConnection(doc, c)}`.
 * Show connectionProblemOf(...).reason next to the pointer to say why a drop is refused. */
export function isValidConnection(document: PlaybookDocument, connection: Connection | FlowEdgeBase): boolean {
  return connectionProblemOf(document, connection) === null;
}

/** React Flow's `isValidConnection` prop itself, reading the current document on each call so it
 * never holds a stale one: `isValidConnection={connectionChecker(() => useDesigner.getState().document)}`. */
export function connectionChecker(
  getDocument: () => PlaybookDocument,
): (connection: Connection | FlowEdgeBase) => boolean {
  return (connection) => isValidConnection(getDocument(), connection);
}

// The trigger sits at the top level: it may only lead to top-level steps, never start a branch.
function topLevelProblem(
  target: PlaybookNode,
  sourceName: string,
  branch: string | undefined,
): ConnectionProblem | null {
  if (branch !== undefined) return problem("bad_branch", "The trigger has no branches to start.");
  if (target.parent !== undefined) return crossScope(sourceName, target);
  return null;
}

function placementProblem(
  source: PlaybookNode,
  target: PlaybookNode,
  branch: string | undefined,
): ConnectionProblem | null {
  if (isContainer(source) && target.parent === source.id) return startEdgeProblem(source, target, branch);
  if (source.parent !== target.parent || source.branch !== target.branch) return crossScope(quoted(source), target);
  if (branch !== undefined) {
    return problem(
      "bad_branch",
      `The '${branch}' branch of ${quoted(source)} starts steps inside it; ${quoted(target)} is beside it. ` +
        'Connect from its "after" handle instead.',
    );
  }
  return null;
}

// Mirrors _start_edge_problems: the edge must name the child's own branch.
function startEdgeProblem(
  container: PlaybookNode,
  child: PlaybookNode,
  branch: string | undefined,
): ConnectionProblem | null {
  const branches = branchesOf(container);
  if (branch === undefined) {
    return problem(
      "bad_branch",
      `${quoted(child)} is inside ${quoted(container)}: start it from the '${child.branch ?? ""}' branch, ` +
        `not from after ${quoted(container)}.`,
    );
  }
  if (!branches.includes(branch)) {
    return problem("bad_branch", `${quoted(container)} has no '${branch}' branch (it has: ${branches.join(", ")}).`);
  }
  if (branch !== child.branch) {
    return problem(
      "bad_branch",
      `${quoted(child)} is in the '${child.branch ?? ""}' branch of ${quoted(container)}, not in '${branch}'.`,
    );
  }
  return null;
}

function crossScope(sourceName: string, target: PlaybookNode): ConnectionProblem {
  return problem(
    "cross_scope",
    `${capitalised(sourceName)} and ${quoted(target)} are in different containers or branches. ` +
      "Only steps side by side, or a container and a step in one of its branches, can be connected.",
  );
}

// The new edge closes a loop exactly when the target already leads back to the source.
function createsCycle(index: DocumentIndex, sourceId: string, targetId: string): boolean {
  return reaches(index, targetId, sourceId);
}

function quoted(node: PlaybookNode): string {
  return `'${nodeLabel(node)}'`;
}

function capitalised(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function problem(code: ConnectionCode, reason: string): ConnectionProblem {
  return { code, reason };
}
