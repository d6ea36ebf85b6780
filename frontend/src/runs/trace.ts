// A run drawn on its playbook: which step instance each node shows, given the loop iterations the
// reviewer picked. Step keys name the loop iterations around a node (`outer[3]/inner[7]/vt`), so a
// node's step is found in the frame its enclosing loops' chosen iterations spell.

import { enclosing, indexDocument, stepById } from "../graph/graph";
import { ACTIVE_RUN_STATUSES } from "../incidents/model";
import type { PlaybookDocument } from "../graph/document";

export type StepStatus =
  | "queued"
  | "running"
  | "waiting"
  | "succeeded"
  | "failed"
  | "skipped"
  | "timed_out"
  | "cancelled";

/** What a node shows: its step's status, or not_reached when it has no step in its frame. */
export type NodeStatus = StepStatus | "not_reached";

export interface StepError {
  code: string;
  message: string;
  /** What the connector adds: the HTTP status, the vendor's answer. */
  details: Record<string, unknown>;
}

export interface Attempt {
  attempt: number;
  status: string;
  startedAt: string | null;
  endedAt: string | null;
  error: StepError | null;
}

export interface StepTrace {
  key: string;
  nodeId: string;
  status: StepStatus;
  inputs: unknown;
  output: unknown;
  error: StepError | null;
  attempts: number;
  attemptLog: Attempt[];
  /** Loops only: how many iterations the loop has or has begun. */
  iterations: number | null;
  startedAt: string | null;
  endedAt: string | null;
}

export interface Iteration {
  index: number;
  status: "running" | "waiting" | "failed" | "cancelled" | "succeeded" | "not_reached";
  startedAt: string | null;
  endedAt: string | null;
}

/** The iteration chosen for each loop node (by node id); inner loops count within the outer
 * loop's chosen iteration. */
export type Selections = ReadonlyMap<string, number>;

const LOOP_KINDS = new Set(["foreach", "until"]);
/** Statuses a node is drawn faded with: it did nothing in this run. */
export const DIMMED: ReadonlySet<NodeStatus> = new Set(["skipped", "not_reached"]);

export function isLoop(document: PlaybookDocument, nodeId: string): boolean {
  const node = stepById(indexDocument(document), nodeId);
  return node !== undefined && LOOP_KINDS.has(node.kind);
}

/** The loops around a node, outermost first. */
export function enclosingLoops(document: PlaybookDocument, nodeId: string): string[] {
  const index = indexDocument(document);
  const node = stepById(index, nodeId);
  if (node === undefined) return [];
  return enclosing(index, node)
    .filter((around) => LOOP_KINDS.has(around.kind))
    .map((around) => around.id)
    .reverse();
}

/** The frame a node's step is in under the selections (`each_ip[2]/`); null when a loop around
 * it has no iteration chosen (not run yet, or no iterations). */
export function frameOf(document: PlaybookDocument, nodeId: string, selections: Selections): string | null {
  let frame = "";
  for (const loop of enclosingLoops(document, nodeId)) {
    const chosen = selections.get(loop);
    if (chosen === undefined) return null;
    frame += `${loop}[${chosen}]/`;
  }
  return frame;
}

/** A loop node's step key under the selections, e.g. `outer[3]/inner`. */
export function loopKeyOf(document: PlaybookDocument, loopId: string, selections: Selections): string | null {
  const frame = frameOf(document, loopId, selections);
  return frame === null ? null : frame + loopId;
}

/** Every frame the canvas needs: the top one, and the chosen iteration of each loop it can show. */
export function framesToShow(document: PlaybookDocument, selections: Selections): string[] {
  const frames = [""];
  for (const [loop, chosen] of selections) {
    const key = loopKeyOf(document, loop, selections);
    if (key !== null) frames.push(`${key}[${chosen}]/`);
  }
  return frames;
}

/** The step each node shows: looked up in its frame among the frames fetched. */
export function stepsByNode(
  document: PlaybookDocument,
  frames: ReadonlyMap<string, readonly StepTrace[]>,
  selections: Selections,
): Map<string, StepTrace> {
  const found = new Map<string, StepTrace>();
  const frameByNode = new Map<string, string | null>();
  for (const [frame, steps] of frames) {
    for (const step of steps) {
      if (!frameByNode.has(step.nodeId)) frameByNode.set(step.nodeId, frameOf(document, step.nodeId, selections));
      if (frameByNode.get(step.nodeId) === frame) found.set(step.nodeId, step);
    }
  }
  return found;
}

export function nodeStatus(step: StepTrace | undefined): NodeStatus {
  return step === undefined ? "not_reached" : step.status;
}

export function isUnfinished(status: string): boolean {
  return ACTIVE_RUN_STATUSES.has(status);
}

/** Milliseconds a step took, or has taken so far while it runs. */
export function stepDuration(step: StepTrace, now: number): number | null {
  if (step.startedAt === null) return null;
  const end = step.endedAt === null ? (isUnfinished(step.status) ? now : null) : Date.parse(step.endedAt);
  return end === null ? null : Math.max(0, end - Date.parse(step.startedAt));
}

/** The iteration a loop shows before the reviewer picks one: the first that failed; while the
 * loop runs, the latest that began (so it is followed round); else the first. */
export function defaultIteration(failed: readonly Iteration[], page: readonly Iteration[], running: boolean): number {
  const begun = running ? page.filter((iteration) => iteration.status !== "not_reached") : [];
  return failed[0]?.index ?? begun[begun.length - 1]?.index ?? 0;
}

/** Whether the run went along an edge: its target ran, after its source ended in a status the
 * edge lets through (a branch's start edge: after its container began). */
export function carriedEdge(
  when: readonly string[],
  isBranchStart: boolean,
  sourceStatus: NodeStatus,
  targetStatus: NodeStatus,
): boolean {
  if (DIMMED.has(targetStatus)) return false;
  return isBranchStart ? !DIMMED.has(sourceStatus) : when.includes(sourceStatus);
}

/** Selections after choosing an iteration of a loop: loops inside it forget their choice, since
 * their iterations in another outer iteration are other ones. */
export function choose(document: PlaybookDocument, selections: Selections, loop: string, index: number): Map<string, number> {
  const next = new Map<string, number>();
  for (const [other, chosen] of selections) {
    if (!enclosingLoops(document, other).includes(loop)) next.set(other, chosen);
  }
  next.set(loop, index);
  return next;
}
