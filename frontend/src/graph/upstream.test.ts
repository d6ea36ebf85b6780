import { describe, expect, it } from "vitest";
import type { PlaybookDocument } from "./document";
import { FORMAT } from "./document";
import { enclosingContainers, enclosingLoops, upstreamSteps } from "./upstream";
import { enrichIps, nested } from "./testDocuments";

const ALWAYS = { all: [{ left: 1, op: "eq" as const, right: 1 }] };

describe("upstreamSteps", () => {
  it("lists the steps before a node, never its containers or the trigger", () => {
    const document = enrichIps();
    expect(upstreamSteps(document, "comment")).toEqual(["vt"]);
    expect(upstreamSteps(document, "vt")).toEqual([]);
    expect(upstreamSteps(document, "each_ip")).toEqual([]);
  });

  it("reaches through every enclosing container to what ran before it", () => {
    const document = nested();
    expect(upstreamSteps(document, "remove")).toEqual(["lookup"]);
    expect(upstreamSteps(document, "log_failure")).toEqual(["lookup", "attempt"]);
    expect(upstreamSteps(document, "note")).toEqual(["lookup"]);
  });

  it("sees a container but not what is inside it, in document order", () => {
    expect(upstreamSteps(nested(), "close")).toEqual(["lookup", "is_admin", "severity"]);
  });

  it("offers what ran before the containers to a node not connected yet", () => {
    const document = nested();
    const dropped: PlaybookDocument = {
      ...document,
      nodes: [
        ...(document.nodes ?? []),
        { id: "fresh", kind: "action", parent: "attempt", branch: "body", action: "x.y" },
      ],
    };
    expect(upstreamSteps(dropped, "fresh")).toEqual(["lookup"]);
  });

  it("lets an until's exit condition see its own body when asked", () => {
    const document: PlaybookDocument = {
      format: FORMAT,
      name: "Poll",
      trigger: { id: "t", type: "core.manual" },
      nodes: [
        { id: "submit", kind: "action", action: "sandbox.submit" },
        { id: "wait", kind: "until", condition: ALWAYS },
        { id: "poll", kind: "action", parent: "wait", branch: "body", action: "sandbox.status" },
        { id: "delay", kind: "action", parent: "wait", branch: "body", action: "soarflow.delay" },
      ],
      edges: [
        { source: "t", target: "submit" },
        { source: "submit", target: "wait" },
        { source: "wait", target: "poll", branch: "body" },
        { source: "poll", target: "delay" },
      ],
    };
    expect(upstreamSteps(document, "wait")).toEqual(["submit"]);
    expect(upstreamSteps(document, "wait", { includeOwnBody: true })).toEqual(["submit", "poll", "delay"]);
    expect(upstreamSteps(document, "delay")).toEqual(["submit", "poll"]);
  });

  it("gives nothing for the trigger or an unknown id", () => {
    expect(upstreamSteps(nested(), "alert")).toEqual([]);
    expect(upstreamSteps(nested(), "ghost")).toEqual([]);
  });

  it("leaves a node on a loop out of its own steps", () => {
    const document: PlaybookDocument = {
      format: FORMAT,
      name: "Loop",
      nodes: [
        { id: "a", kind: "action", action: "x.a" },
        { id: "b", kind: "action", action: "x.b" },
      ],
      edges: [
        { source: "a", target: "b" },
        { source: "b", target: "a" },
      ],
    };
    expect(upstreamSteps(document, "a")).toEqual(["b"]);
  });

  it("lists a repeated id once", () => {
    const document: PlaybookDocument = {
      format: FORMAT,
      name: "Twins",
      nodes: [
        { id: "a", kind: "action", action: "x.a" },
        { id: "a", kind: "action", action: "x.again" },
        { id: "b", kind: "action", action: "x.b" },
      ],
      edges: [{ source: "a", target: "b" }],
    };
    expect(upstreamSteps(document, "b")).toEqual(["a"]);
  });
});

describe("enclosing containers and loops", () => {
  it("lists containers innermost first", () => {
    expect(enclosingContainers(nested(), "remove").map((node) => node.id)).toEqual([
      "attempt",
      "each_group",
      "is_admin",
    ]);
    expect(enclosingContainers(nested(), "lookup")).toEqual([]);
  });

  it("keeps only For each loops for item and index", () => {
    const document = nested();
    expect(enclosingLoops(document, "remove").map((node) => node.id)).toEqual(["each_group"]);
    expect(enclosingLoops(document, "note")).toEqual([]);
    expect(enclosingLoops(document, "each_group")).toEqual([]);
  });

  it("lists nested loops innermost first", () => {
    const document: PlaybookDocument = {
      format: FORMAT,
      name: "Loops",
      nodes: [
        { id: "outer", kind: "foreach", items: "{{ trigger.hosts }}" },
        { id: "middle", kind: "until", parent: "outer", branch: "body", condition: ALWAYS },
        { id: "inner", kind: "foreach", parent: "middle", branch: "body", items: "{{ item.ports }}" },
        { id: "scan", kind: "action", parent: "inner", branch: "body", action: "nmap.scan" },
      ],
    };
    expect(enclosingLoops(document, "scan").map((node) => node.id)).toEqual(["inner", "outer"]);
  });

  it("stops at a parent loop instead of walking forever", () => {
    const document: PlaybookDocument = {
      format: FORMAT,
      name: "Knot",
      nodes: [
        { id: "x", kind: "foreach", parent: "y", branch: "body", items: "{{ [] }}" },
        { id: "y", kind: "foreach", parent: "x", branch: "body", items: "{{ [] }}" },
      ],
    };
    expect(enclosingLoops(document, "x").map((node) => node.id)).toEqual(["y"]);
  });
});
