// The run view's state: the run, the frames of steps the canvas shows, each shown loop's
// iterations and which one is chosen, and the node whose details are open. A refresh fetches
// everything the canvas shows and applies it in one update, so a poll that brings hundreds of
// changed steps re-renders once, and only the nodes whose step changed.

import { useStore } from "zustand";
import { createStore } from "zustand/vanilla";
import type { PlaybookDocument } from "../graph/document";
import { choose, defaultIteration, framesToShow, isLoop, isUnfinished, stepsByNode } from "./trace";
import type { Iteration, Selections, StepTrace } from "./trace";
import { ITERATION_PAGE, fetchFrame, fetchIterations, fetchRun } from "./traceApi";
import type { IterationList, RunDetail } from "./traceApi";

export interface LoopIterations {
  /** The page of iterations around the chosen one. */
  page: IterationList;
  offset: number;
  /** The failed iterations (the first page of them): where "next failed" goes. */
  failed: IterationList;
}

export interface TraceState {
  runId: string | null;
  run: RunDetail | null;
  document: PlaybookDocument | null;
  frames: ReadonlyMap<string, readonly StepTrace[]>;
  /** By loop step key (`outer[2]/inner`). */
  iterations: ReadonlyMap<string, LoopIterations>;
  /** The iterations `steps` are of. */
  selections: Selections;
  /** The iterations asked for: the same as `selections` once their steps have arrived. */
  wanted: Selections;
  /** Loops whose iteration the reviewer chose; the others follow their first failed one. */
  picked: ReadonlySet<string>;
  /** The step each node shows, by node id. */
  steps: ReadonlyMap<string, StepTrace>;
  /** The node whose details are open. */
  openNode: string | null;
  /** When the last refresh landed, for the durations of steps still running. */
  now: number;

  start(runId: string, document: PlaybookDocument, run: RunDetail): void;
  openDetails(nodeId: string | null): void;
  pick(loop: string, index: number): void;
}

const EMPTY_FRAMES: ReadonlyMap<string, readonly StepTrace[]> = new Map();

export const traceStore = createStore<TraceState>()((set, get) => ({
  runId: null,
  run: null,
  document: null,
  frames: EMPTY_FRAMES,
  iterations: new Map(),
  selections: new Map(),
  wanted: new Map(),
  picked: new Set(),
  steps: new Map(),
  openNode: null,
  now: Date.now(),

  start(runId, document, run) {
    set({
      runId,
      run,
      document,
      frames: EMPTY_FRAMES,
      iterations: new Map(),
      selections: new Map(),
      wanted: new Map(),
      picked: new Set(),
      steps: new Map(),
      openNode: null,
      now: Date.now(),
    });
  },

  openDetails(nodeId) {
    set({ openNode: nodeId });
  },

  pick(loop, index) {
    const { document, picked, wanted } = get();
    if (document === null) return;
    const next = choose(document, wanted, loop, index);
    // Loops inside this one forgot their choice: they follow their first failed iteration again.
    set({ wanted: next, picked: new Set([...picked, loop].filter((other) => next.has(other))) });
  },
}));

export function useTrace<T>(selector: (state: TraceState) => T): T {
  return useStore(traceStore, selector);
}

/** A step's fingerprint: what can change while a run goes on. */
function fingerprint(step: StepTrace): string {
  return `${step.status}|${step.endedAt}|${step.attempts}|${step.iterations}|${step.attemptLog.length}`;
}

/** The new steps, keeping the old object of each step that did not change (so its node does not
 * re-render), and the old array when nothing changed. */
export function keepUnchanged(previous: readonly StepTrace[] | undefined, next: StepTrace[]): readonly StepTrace[] {
  if (previous === undefined) return next;
  const before = new Map(previous.map((step) => [step.key, step]));
  let changed = previous.length !== next.length;
  const merged = next.map((step, position) => {
    const old = before.get(step.key);
    if (old !== undefined && fingerprint(old) === fingerprint(step)) {
      if (previous[position] !== old) changed = true;
      return old;
    }
    changed = true;
    return step;
  });
  return changed ? merged : previous;
}

function pageOffset(index: number): number {
  return Math.floor(index / ITERATION_PAGE) * ITERATION_PAGE;
}

function loopStepsIn(document: PlaybookDocument, frames: ReadonlyMap<string, readonly StepTrace[]>): StepTrace[] {
  const loops: StepTrace[] = [];
  for (const steps of frames.values()) {
    for (const step of steps) {
      if (isLoop(document, step.nodeId) && (step.iterations ?? 0) > 0) loops.push(step);
    }
  }
  return loops;
}

/** Loops nest at most this deep in practice; a bound keeps a malformed answer from looping. */
const MAX_NESTING = 12;

/**
 * Fetches the run and every frame and loop the canvas shows, going inwards: a loop's iterations
 * decide its chosen iteration, whose frame may hold further loops. Applies all of it at once.
 */
export async function refreshTrace(signal: AbortSignal): Promise<void> {
  const start = traceStore.getState();
  const { runId, document } = start;
  if (runId === null || document === null) return;
  const run = await fetchRun(runId, signal);
  const frames = new Map<string, readonly StepTrace[]>();
  const iterations = new Map<string, LoopIterations>();
  let selections = new Map(start.wanted);
  for (let depth = 0; depth < MAX_NESTING; depth += 1) {
    const frameRequests = framesToShow(document, selections)
      .filter((frame) => !frames.has(frame))
      .map(async (frame) => {
        const steps = await fetchFrame(runId, frame, signal);
        frames.set(frame, keepUnchanged(start.frames.get(frame), steps));
      });
    await Promise.all(frameRequests);
    const loops = loopStepsIn(document, frames).filter((step) => !iterations.has(step.key));
    if (loops.length === 0) break;
    await Promise.all(
      loops.map(async (step) => {
        const chosen = selections.get(step.nodeId);
        const offset = pageOffset(chosen ?? 0);
        const [page, failed] = await Promise.all([
          fetchIterations(runId, step.key, { offset, signal }),
          fetchIterations(runId, step.key, { failedOnly: true, signal }),
        ]);
        iterations.set(step.key, { page, offset, failed });
        if (!start.picked.has(step.nodeId)) {
          selections = new Map(selections).set(step.nodeId, defaultIteration(failed.data, page.data, isUnfinished(step.status)));
        }
      }),
    );
  }
  const latest = traceStore.getState();
  // The reviewer chose another iteration meanwhile: this answer is for the old choice.
  if (latest.runId !== runId || latest.wanted !== start.wanted) return;
  // The same choices keep their object: a new one would ask for another refresh.
  const applied = sameSelections(selections, start.wanted) ? start.wanted : selections;
  traceStore.setState({
    run,
    frames,
    iterations,
    selections: applied,
    wanted: applied,
    steps: stepsByNode(document, frames, applied),
    now: Date.now(),
  });
}

function sameSelections(left: Selections, right: Selections): boolean {
  return left.size === right.size && [...left].every(([loop, index]) => right.get(loop) === index);
}

export function iterationOf(loop: LoopIterations | undefined, index: number): Iteration | undefined {
  if (loop === undefined) return undefined;
  return loop.page.data.find((item) => item.index === index);
}
