import { describe, expect, it } from "vitest";
import type { IsValidConnection } from "@xyflow/react";
import {
  branchHandleId,
  branchOfHandle,
  canConnect,
  connectionChecker,
  connectionProblem,
  connectionProblemOf,
  isValidConnection,
} from "./connections";
import type { PlaybookDocument } from "./document";
import type { FlowEdge } from "./flow";
import { enrichIps, nested } from "./testDocuments";

function codeOf(document: PlaybookDocument, source: string, target: string, branch?: string): string | null {
  return connectionProblem(document, source, target, branch)?.code ?? null;
}

describe("connectionProblem", () => {
  it("accepts an edge between siblings", () => {
    expect(codeOf(nested(), "lookup", "severity")).toBeNull();
    expect(codeOf({ ...nested(), edges: [] }, "attempt", "log_failure")).toBeNull();
  });

  it("accepts an edge from the trigger to a top-level step", () => {
    expect(codeOf(nested(), "alert", "close")).toBeNull();
  });

  it("accepts a start edge naming the child's branch", () => {
    const document = nested();
    expect(codeOf(document, "is_admin", "note", "false")).toBe("duplicate");
    const fresh = { ...document, edges: document.edges?.filter((edge) => edge.target !== "note") };
    expect(codeOf(fresh, "is_admin", "note", "false")).toBeNull();
    expect(codeOf(fresh, "severity", "ticket", "3")).toBe("duplicate");
  });

  it("refuses a self-link with a sentence", () => {
    expect(connectionProblem(nested(), "lookup", "lookup")).toEqual({
      code: "self_link",
      reason: "A step cannot run after itself.",
    });
  });

  it("refuses an edge into the trigger", () => {
    const problem = connectionProblem(nested(), "lookup", "alert");
    expect(problem?.code).toBe("into_trigger");
    expect(problem?.reason).toMatch(/before the trigger/);
  });

  it("refuses an edge that would close a loop", () => {
    const document = nested();
    const problem = connectionProblem(document, "close", "lookup");
    expect(problem?.code).toBe("cycle");
    expect(problem?.reason).toBe(
      "This would make a loop: 'lookup' already leads to 'close', so each would wait for the other forever.",
    );
    expect(codeOf(document, "log_failure", "attempt")).toBe("cycle");
  });

  it("refuses a two-step loop between siblings inside a container", () => {
    expect(codeOf(enrichIps(), "comment", "vt")).toBe("cycle");
  });

  it("refuses a loop even in a draft that already has one elsewhere", () => {
    const document: PlaybookDocument = {
      ...nested(),
      edges: [...(nested().edges ?? []), { source: "close", target: "severity" }],
    };
    expect(codeOf(document, "close", "lookup")).toBe("cycle");
    expect(codeOf(document, "lookup", "note")).toBe("cross_scope");
  });

  it("refuses edges that cross containers", () => {
    const document = nested();
    const problem = connectionProblem(document, "lookup", "remove");
    expect(problem?.code).toBe("cross_scope");
    expect(problem?.reason).toMatch(/^'lookup' and 'remove' are in different containers or branches/);
    // Out of a container, between branches, into a grandchild, from the trigger into a branch.
    expect(codeOf(document, "remove", "close")).toBe("cross_scope");
    expect(codeOf(document, "note", "each_group")).toBe("cross_scope");
    expect(codeOf(document, "page", "ticket")).toBe("cross_scope");
    expect(codeOf(document, "is_admin", "attempt", "true")).toBe("cross_scope");
    expect(codeOf(document, "alert", "note")).toBe("cross_scope");
    expect(connectionProblem(document, "alert", "note")?.reason).toMatch(/^The trigger and 'note'/);
  });

  it("refuses a start edge without the child's branch", () => {
    const document = { ...nested(), edges: [] };
    const missing = connectionProblem(document, "is_admin", "note");
    expect(missing?.code).toBe("bad_branch");
    expect(missing?.reason).toBe(
      "'note' is inside 'Is an admin?': start it from the 'false' branch, not from after 'Is an admin?'.",
    );
    expect(connectionProblem(document, "is_admin", "note", "true")?.reason).toBe(
      "'note' is in the 'false' branch of 'Is an admin?', not in 'true'.",
    );
    expect(connectionProblem(document, "is_admin", "note", "maybe")?.reason).toBe(
      "'Is an admin?' has no 'maybe' branch (it has: true, false).",
    );
  });

  it("refuses a branch on an edge between siblings or from the trigger", () => {
    const document = { ...nested(), edges: [] };
    expect(codeOf(document, "is_admin", "close", "true")).toBe("bad_branch");
    expect(codeOf(document, "alert", "lookup", "true")).toBe("bad_branch");
  });

  it("refuses a duplicate edge", () => {
    const problem = connectionProblem(nested(), "lookup", "is_admin");
    expect(problem).toEqual({ code: "duplicate", reason: "'Is an admin?' already runs after 'lookup'." });
  });

  it("refuses unknown ends", () => {
    expect(codeOf(nested(), "ghost", "lookup")).toBe("unknown_node");
    expect(codeOf(nested(), "lookup", "ghost")).toBe("unknown_node");
  });

  it("answers canConnect in one word", () => {
    expect(canConnect(nested(), "lookup", "severity")).toBe(true);
    expect(canConnect(nested(), "lookup", "lookup")).toBe(false);
  });
});

describe("React Flow adapter", () => {
  it("names branch handles branch:<name> and reads them back", () => {
    expect(branchHandleId("true")).toBe("branch:true");
    expect(branchOfHandle("branch:High")).toBe("High");
    expect(branchOfHandle("branch:")).toBe("");
    expect(branchOfHandle(null)).toBeUndefined();
    expect(branchOfHandle(undefined)).toBeUndefined();
    expect(branchOfHandle("out")).toBeUndefined();
  });

  it("checks a connection from a branch handle as a start edge", () => {
    const document = { ...nested(), edges: [] };
    const connection = { source: "is_admin", target: "note", sourceHandle: "branch:false", targetHandle: null };
    expect(isValidConnection(document, connection)).toBe(true);
    expect(isValidConnection(document, { ...connection, sourceHandle: "branch:true" })).toBe(false);
    expect(isValidConnection(document, { ...connection, sourceHandle: null })).toBe(false);
  });

  it("gives the reason for a refused connection", () => {
    const connection = { source: "close", target: "lookup", sourceHandle: null, targetHandle: null };
    expect(connectionProblemOf(nested(), connection)?.code).toBe("cycle");
  });

  it("fits React Flow's isValidConnection prop and reads the latest document", () => {
    let document: PlaybookDocument = nested();
    const checker: IsValidConnection<FlowEdge> = connectionChecker(() => document);
    const connection = { source: "lookup", target: "severity", sourceHandle: null, targetHandle: null };
    expect(checker(connection)).toBe(true);
    document = { ...document, edges: [...(document.edges ?? []), { source: "lookup", target: "severity" }] };
    expect(checker(connection)).toBe(false);
  });

  it("accepts React Flow edges being reconnected", () => {
    const edge = { id: "lookup->severity", source: "lookup", target: "severity" };
    expect(isValidConnection(nested(), edge)).toBe(true);
  });
});
