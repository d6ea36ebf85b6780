import { describe, expect, it } from "vitest";
import { FORMAT } from "../graph/document";
import type { PlaybookDocument } from "../graph/document";
import { enrichIps, nested } from "../graph/testDocuments";
import {
  carriedEdge,
  choose,
  defaultIteration,
  enclosingLoops,
  frameOf,
  framesToShow,
  loopKeyOf,
  stepDuration,
  stepsByNode,
} from "./trace";
import type { Iteration, StepTrace } from "./trace";
import { keepUnchanged } from "./traceStore";

function step(key: string, status: StepTrace["status"] = "succeeded", extra: Partial<StepTrace> = {}): StepTrace {
  const nodeId = key.slice(key.lastIndexOf("/") + 1);
  return {
    key,
    nodeId,
    status,
    inputs: null,
    output: null,
    error: null,
    attempts: 1,
    attemptLog: [],
    iterations: null,
    startedAt: "2026-11-28T10:00:00Z",
    endedAt: "2026-11-28T10:00:01.500Z",
    ...extra,
  };
}

/** A foreach over hosts with a foreach over ports inside it. */
function loopInLoop(): PlaybookDocument {
  return {
    format: FORMAT,
    name: "nested loops",
    trigger: { id: "start", type: "core.manual" },
    nodes: [
      { id: "hosts", kind: "foreach", items: "{{ trigger.hosts }}" },
      { id: "ports", kind: "foreach", items: "{{ item.ports }}", parent: "hosts", branch: "body" },
      { id: "scan", kind: "action", action: "core.compose", parent: "ports", branch: "body" },
      { id: "after", kind: "action", action: "core.compose" },
    ],
  };
}

describe("frames", () => {
  it("finds the loops around a node through conditions and scopes, outermost first", () => {
    expect(enclosingLoops(nested(), "remove")).toEqual(["each_group"]);
    expect(enclosingLoops(loopInLoop(), "scan")).toEqual(["hosts", "ports"]);
    expect(enclosingLoops(loopInLoop(), "after")).toEqual([]);
  });

  it("spells a node's frame from the chosen iterations, and has none while a loop has no choice", () => {
    const document = loopInLoop();
    const selections = new Map([
      ["hosts", 2],
      ["ports", 6],
    ]);
    expect(frameOf(document, "scan", selections)).toBe("hosts[2]/ports[6]/");
    expect(frameOf(document, "ports", selections)).toBe("hosts[2]/");
    expect(frameOf(document, "after", selections)).toBe("");
    expect(frameOf(document, "scan", new Map([["hosts", 2]]))).toBeNull();
    expect(loopKeyOf(document, "ports", selections)).toBe("hosts[2]/ports");
    expect(framesToShow(document, selections)).toEqual(["", "hosts[2]/", "hosts[2]/ports[6]/"]);
  });

  it("shows each node the step of its own frame, nested loops exactly", () => {
    const document = loopInLoop();
    const selections = new Map([
      ["hosts", 2],
      ["ports", 6],
    ]);
    const frames = new Map([
      ["", [step("start"), step("hosts", "failed"), step("after", "skipped")]],
      ["hosts[2]/", [step("hosts[2]/ports", "failed")]],
      ["hosts[2]/ports[6]/", [step("hosts[2]/ports[6]/scan", "failed")]],
      // A frame fetched for an older choice is not shown.
      ["hosts[1]/ports[6]/", [step("hosts[1]/ports[6]/scan")]],
    ]);
    const shown = stepsByNode(document, frames, selections);
    expect(shown.get("scan")?.key).toBe("hosts[2]/ports[6]/scan");
    expect(shown.get("ports")?.status).toBe("failed");
    expect(shown.get("after")?.status).toBe("skipped");
    expect(shown.has("nothing")).toBe(false);
  });

  it("makes inner loops forget their choice when an outer iteration is chosen", () => {
    const document = loopInLoop();
    const before = new Map([
      ["hosts", 2],
      ["ports", 6],
    ]);
    expect([...choose(document, before, "hosts", 3)]).toEqual([["hosts", 3]]);
    expect([...choose(document, before, "ports", 1)]).toEqual([
      ["hosts", 2],
      ["ports", 1],
    ]);
    expect(enclosingLoops(enrichIps(), "vt")).toEqual(["each_ip"]);
  });
});

describe("what the canvas shows", () => {
  it("opens a loop at its first failed iteration, else while it runs the latest begun, else the first", () => {
    const at = (index: number, status: Iteration["status"]): Iteration => ({ index, status, startedAt: null, endedAt: null });
    const page = [at(0, "succeeded"), at(1, "running"), at(2, "not_reached")];
    expect(defaultIteration([], [], true)).toBe(0);
    expect(defaultIteration([], page, true)).toBe(1);
    expect(defaultIteration([], page, false)).toBe(0);
    expect(defaultIteration([at(4, "failed"), at(9, "failed")], page, true)).toBe(4);
  });

  it("highlights an edge the run went along", () => {
    expect(carriedEdge(["succeeded"], false, "succeeded", "succeeded")).toBe(true);
    expect(carriedEdge(["succeeded"], false, "failed", "running")).toBe(false);
    expect(carriedEdge(["failed", "timed_out"], false, "timed_out", "succeeded")).toBe(true);
    expect(carriedEdge(["succeeded"], false, "succeeded", "skipped")).toBe(false);
    expect(carriedEdge(["succeeded"], false, "succeeded", "not_reached")).toBe(false);
    expect(carriedEdge(["succeeded"], true, "running", "running")).toBe(true);
  });

  it("times a step, and a running one up to now", () => {
    expect(stepDuration(step("a"), 0)).toBe(1500);
    const running = step("a", "running", { endedAt: null });
    expect(stepDuration(running, Date.parse("2026-11-28T10:00:03Z"))).toBe(3000);
    expect(stepDuration(step("a", "succeeded", { startedAt: null }), 0)).toBeNull();
  });
});

describe("keepUnchanged", () => {
  it("keeps the objects of steps that did not change, and the old list when none did", () => {
    const before = [step("a"), step("b", "running", { endedAt: null })];
    const same = [step("a"), step("b", "running", { endedAt: null })];
    expect(keepUnchanged(before, same)).toBe(before);
    const moved = [step("a"), step("b", "succeeded")];
    const merged = keepUnchanged(before, moved);
    expect(merged).not.toBe(before);
    expect(merged[0]).toBe(before[0]);
    expect(merged[1]).toBe(moved[1]);
    expect(keepUnchanged(undefined, same)).toBe(same);
  });
});
