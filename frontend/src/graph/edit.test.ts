import { describe, expect, it } from "vitest";
import { FORMAT } from "./document";
import type { PlaybookDocument, PlaybookNode } from "./document";
import {
  EditError,
  addNode,
  connect,
  copyFragment,
  duplicateNodes,
  freshId,
  moveNodes,
  moveToBranch,
  pasteSubgraph,
  removeEdges,
  removeNodes,
  setWhen,
} from "./edit";
import { toFlow } from "./flow";
import { enrichIps, nested } from "./testDocuments";

function node(document: PlaybookDocument, id: string): PlaybookNode {
  const found = document.nodes?.find((candidate) => candidate.id === id);
  if (found === undefined) throw new Error(`no node ${id}`);
  return found;
}

function frozen(document: PlaybookDocument): PlaybookDocument {
  return JSON.parse(JSON.stringify(document)) as PlaybookDocument;
}

describe("freshId", () => {
  it("keeps a free id and numbers a taken one", () => {
    expect(freshId("vt", new Set())).toBe("vt");
    expect(freshId("vt", new Set(["vt"]))).toBe("vt_2");
    expect(freshId("vt", new Set(["vt", "vt_2"]))).toBe("vt_3");
    expect(freshId("vt_2", new Set(["vt", "vt_2"]))).toBe("vt_3");
  });

  it("stays within the 100 characters an id may have", () => {
    const long = "x".repeat(100);
    expect(freshId(long, new Set([long]))).toHaveLength(100);
  });
});

describe("addNode", () => {
  it("names the node after its action and numbers repeats", () => {
    const first = addNode(enrichIps(), { kind: "action", action: "virustotal.get_ip_report" });
    expect(first.id).toBe("get_ip_report");
    const second = addNode(first.document, { kind: "action", action: "virustotal.get_ip_report" });
    expect(second.id).toBe("get_ip_report_2");
    expect(second.document.nodes?.map((item) => item.id)).toEqual([
      "each_ip",
      "vt",
      "comment",
      "get_ip_report",
      "get_ip_report_2",
    ]);
  });

  it("prefers the id it is given, numbered when taken: vt, vt_2", () => {
    const added = addNode(enrichIps(), { id: "vt", kind: "action", action: "virustotal.get_ip_report" });
    expect(added.id).toBe("vt_2");
  });

  it("names control nodes after their kind and never reuses the trigger's id", () => {
    const document: PlaybookDocument = { format: FORMAT, name: "x", trigger: { id: "scope", type: "core.manual" } };
    expect(addNode(document, { kind: "scope" }).id).toBe("scope_2");
    expect(addNode(document, { kind: "foreach", items: "{{ [] }}" }).id).toBe("foreach");
  });

  it("puts the node in a branch, at a position, without changing the original", () => {
    const original = enrichIps();
    const copy = frozen(original);
    const { document, id } = addNode(
      original,
      { kind: "action", action: "soarflow.compose", inputs: {} },
      { parent: "each_ip", branch: "body", position: { x: 30, y: 200 } },
    );
    expect(node(document, id)).toEqual({
      id: "compose",
      kind: "action",
      action: "soarflow.compose",
      inputs: {},
      parent: "each_ip",
      branch: "body",
    });
    expect(document.layout?.compose).toEqual({ x: 30, y: 200 });
    expect(original).toEqual(copy);
  });

  it("refuses a parent that is no container or has no such branch", () => {
    const action = { kind: "action", action: "x.y" } as const;
    expect(() => addNode(enrichIps(), action, { parent: "vt", branch: "body" })).toThrow(EditError);
    expect(() => addNode(enrichIps(), action, { parent: "each_ip", branch: "true" })).toThrow(
      "'each_ip' has no branch 'true' (it has: body)",
    );
    expect(() => addNode(enrichIps(), action, { parent: "ghost", branch: "body" })).toThrow(EditError);
  });
});

describe("removeNodes", () => {
  it("removes a node, its edges and its layout", () => {
    const document = removeNodes(nested(), ["note"]);
    expect(document.nodes?.some((item) => item.id === "note")).toBe(false);
    expect(document.edges?.some((edge) => edge.target === "note")).toBe(false);
    expect(document.layout?.note).toBeUndefined();
  });

  it("removes everything inside a container", () => {
    const document = removeNodes(nested(), ["is_admin"]);
    expect(document.nodes?.map((item) => item.id)).toEqual([
      "lookup",
      "severity",
      "page",
      "ticket",
      "flagged",
      "ignore",
      "close",
    ]);
    expect(document.edges?.some((edge) => ["is_admin", "attempt", "remove"].includes(edge.source))).toBe(false);
    expect(Object.keys(document.layout ?? {})).not.toContain("remove");
  });

  it("removes the trigger when asked", () => {
    const document = removeNodes(enrichIps(), ["incident"]);
    expect(document.trigger).toBeUndefined();
    expect(document.edges).toEqual([
      { source: "each_ip", target: "vt", branch: "body" },
      { source: "vt", target: "comment", when: ["succeeded", "failed"] },
    ]);
  });

  it("returns the same document when nothing matches", () => {
    const document = enrichIps();
    expect(removeNodes(document, ["ghost"])).toBe(document);
  });
});

describe("copy, paste and duplicate", () => {
  it("copies a container with its content and inner edges", () => {
    const fragment = copyFragment(enrichIps(), ["each_ip"]);
    expect(fragment.nodes.map((item) => item.id)).toEqual(["each_ip", "vt", "comment"]);
    expect(fragment.edges).toEqual([
      { source: "each_ip", target: "vt", branch: "body" },
      { source: "vt", target: "comment", when: ["succeeded", "failed"] },
    ]);
    expect(fragment.layout).toEqual({ each_ip: { x: 0, y: 140, w: 420, h: 300 } });
  });

  it("never copies the trigger", () => {
    expect(copyFragment(enrichIps(), ["incident"]).nodes).toEqual([]);
  });

  it("duplicates a container under new ids, rewiring edges, parents and references", () => {
    const { document, ids } = duplicateNodes(enrichIps(), ["each_ip"]);
    expect(ids).toEqual(["each_ip_2", "vt_2", "comment_2"]);
    expect(node(document, "vt_2")).toMatchObject({
      parent: "each_ip_2",
      branch: "body",
      inputs: { ip: "{{ item.address }}" },
    });
    expect(node(document, "comment_2")).toMatchObject({
      parent: "each_ip_2",
      inputs: { text: "{{ item.address }}: {{ steps.vt_2.output.data.attributes.reputation }}" },
    });
    expect(document.edges?.slice(3)).toEqual([
      { source: "each_ip_2", target: "vt_2", branch: "body" },
      { source: "vt_2", target: "comment_2", when: ["succeeded", "failed"] },
    ]);
    expect(document.layout?.each_ip_2).toEqual({ x: 40, y: 180, w: 420, h: 300 });
    // The originals are untouched.
    expect(node(document, "comment")).toEqual(node(enrichIps(), "comment"));
  });

  it("keeps a duplicated step in its branch and its references to steps outside the copy", () => {
    const { document, ids } = duplicateNodes(enrichIps(), ["comment"], { x: 0, y: 100 });
    expect(ids).toEqual(["comment_2"]);
    expect(node(document, "comment_2")).toMatchObject({
      parent: "each_ip",
      branch: "body",
      inputs: { text: "{{ item.address }}: {{ steps.vt.output.data.attributes.reputation }}" },
    });
    // An edge from outside the copy does not come along.
    expect(document.edges).toHaveLength(3);
  });

  it("renames items.<loop> references when the loop is copied", () => {
    const document: PlaybookDocument = {
      format: FORMAT,
      name: "Loops",
      nodes: [
        { id: "hosts", kind: "foreach", items: "{{ trigger.hosts }}" },
        { id: "ports", kind: "foreach", parent: "hosts", branch: "body", items: "{{ item.ports }}" },
        {
          id: "scan",
          kind: "action",
          parent: "ports",
          branch: "body",
          action: "nmap.scan",
          inputs: { host: "{{ items.hosts.name }}" },
        },
      ],
    };
    const { document: pasted } = duplicateNodes(document, ["hosts"]);
    expect(node(pasted, "scan_2")).toMatchObject({ parent: "ports_2", inputs: { host: "{{ items.hosts_2.name }}" } });
  });

  it("pastes into another playbook at the top level when the branch does not exist there", () => {
    const fragment = copyFragment(nested(), ["remove", "note"]);
    const { document, ids } = pasteSubgraph(enrichIps(), fragment);
    expect(ids).toEqual(["remove", "note"]);
    expect(node(document, "remove").parent).toBeUndefined();
    expect(node(document, "note").branch).toBeUndefined();
    expect(document.layout?.remove).toEqual({ x: 64, y: 96, w: 260, h: 80 });
  });

  it("pastes into a chosen branch", () => {
    const fragment = copyFragment(nested(), ["attempt"]);
    const { document, ids } = pasteSubgraph(enrichIps(), fragment, {
      into: { parent: "each_ip", branch: "body" },
      offset: { x: 0, y: 0 },
    });
    expect(ids).toEqual(["attempt", "remove"]);
    expect(node(document, "attempt")).toMatchObject({ parent: "each_ip", branch: "body" });
    expect(node(document, "remove")).toMatchObject({ parent: "attempt", branch: "body" });
    expect(document.edges?.at(-1)).toEqual({ source: "attempt", target: "remove", branch: "body" });
    expect(() => pasteSubgraph(enrichIps(), fragment, { into: { parent: "vt", branch: "body" } })).toThrow(EditError);
  });

  it("pastes at the top level when into is null", () => {
    const { document } = pasteSubgraph(enrichIps(), copyFragment(enrichIps(), ["comment"]), { into: null });
    expect(node(document, "comment_2").parent).toBeUndefined();
  });

  it("gives a pasted copy that draws, with every id unique", () => {
    const { document } = duplicateNodes(nested(), ["is_admin", "severity"]);
    const ids = document.nodes?.map((item) => item.id) ?? [];
    expect(new Set(ids).size).toBe(ids.length);
    const flowIds = toFlow(document).nodes.map((item) => item.id);
    expect(flowIds).toContain("is_admin_2::true");
    expect(flowIds).toContain("remove_2");
  });
});

describe("connect", () => {
  it("adds an edge that passes the connection rules", () => {
    const result = connect(nested(), "lookup", "severity");
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.key).toBe("lookup->severity");
    expect(result.document.edges?.at(-1)).toEqual({ source: "lookup", target: "severity" });
  });

  it("adds a start edge with its branch and statuses", () => {
    const document = { ...nested(), edges: [] };
    const result = connect(document, "is_admin", "note", "false", ["failed", "succeeded"]);
    expect(result.ok && result.document.edges).toEqual([
      { source: "is_admin", target: "note", branch: "false", when: ["succeeded", "failed"] },
    ]);
    expect(result.ok && result.key).toBe("is_admin->note:false");
  });

  it("refuses with the reason and leaves the document alone", () => {
    const document = nested();
    const result = connect(document, "close", "lookup");
    expect(result).toEqual({
      ok: false,
      problem: {
        code: "cycle",
        reason: "This would make a loop: 'lookup' already leads to 'close', so each would wait for the other forever.",
      },
    });
  });
});

describe("setWhen", () => {
  it("sets statuses in canonical order, once each", () => {
    const document = setWhen(enrichIps(), "incident->each_ip", ["timed_out", "failed", "failed"]);
    expect(document.edges?.[0]).toEqual({ source: "incident", target: "each_ip", when: ["failed", "timed_out"] });
  });

  it("leaves when out for succeeded alone, the default", () => {
    const document = setWhen(enrichIps(), "vt->comment", ["succeeded"]);
    expect(document.edges?.[2]).toEqual({ source: "vt", target: "comment" });
  });

  it("finds start edges and repeated edges by their canvas ids", () => {
    const document = setWhen(enrichIps(), "each_ip->vt:body", ["skipped"]);
    expect(document.edges?.[1]).toEqual({ source: "each_ip", target: "vt", branch: "body", when: ["skipped"] });
    const twice = { ...enrichIps(), edges: [...(enrichIps().edges ?? []), { source: "vt", target: "comment" }] };
    expect(setWhen(twice, "vt->comment~2", ["failed"]).edges?.[3]).toEqual({
      source: "vt",
      target: "comment",
      when: ["failed"],
    });
  });

  it("refuses an unknown edge or no status at all", () => {
    expect(() => setWhen(enrichIps(), "a->b", ["failed"])).toThrow("there is no edge 'a->b'");
    expect(() => setWhen(enrichIps(), "vt->comment", [])).toThrow(EditError);
  });
});

describe("removeEdges and moveNodes", () => {
  it("removes edges by their canvas ids", () => {
    const document = removeEdges(enrichIps(), ["vt->comment", "each_ip->vt:body"]);
    expect(document.edges).toEqual([{ source: "incident", target: "each_ip" }]);
    const same = enrichIps();
    expect(removeEdges(same, ["nothing"])).toBe(same);
  });

  it("stores the position of a node called __proto__ as an entry of its own", () => {
    const document = moveNodes(
      enrichIps(),
      JSON.parse('{"__proto__": {"x": 1, "y": 2}}') as Record<string, { x: number; y: number }>,
    );
    expect(Object.hasOwn(document.layout ?? {}, "__proto__")).toBe(true);
    expect(Object.getPrototypeOf(document.layout)).toBe(Object.prototype);
  });

  it("stores positions and keeps sizes", () => {
    const document = moveNodes(enrichIps(), { each_ip: { x: 10, y: 20 }, vt: { x: 5, y: 6 } });
    expect(document.layout).toEqual({ each_ip: { x: 10, y: 20, w: 420, h: 300 }, vt: { x: 5, y: 6 } });
  });
});

describe("moveToBranch", () => {
  it("takes a step out of its loop to the top level, without its edges", () => {
    const moved = moveToBranch(enrichIps(), "comment", { position: { x: 500, y: 60 } });
    const comment = moved.nodes?.find((node) => node.id === "comment");
    expect(comment?.parent).toBeUndefined();
    expect(comment?.branch).toBeUndefined();
    expect(moved.edges).toEqual([
      { source: "incident", target: "each_ip" },
      { source: "each_ip", target: "vt", branch: "body" },
    ]);
    expect(moved.layout?.["comment"]).toEqual({ x: 500, y: 60 });
  });

  it("puts a top-level step into a container's branch", () => {
    const document = moveToBranch(enrichIps(), "comment", { position: { x: 0, y: 0 } });
    const back = moveToBranch(document, "comment", { parent: "each_ip", branch: "body", position: { x: 20, y: 40 } });
    expect(back.nodes?.find((node) => node.id === "comment")).toMatchObject({ parent: "each_ip", branch: "body" });
    expect(back.layout?.["comment"]).toEqual({ x: 20, y: 40 });
  });

  it("moves a container with its content, and never into itself", () => {
    const original = nested();
    const loop = original.nodes?.find((node) => node.kind === "foreach");
    const inner = original.nodes?.find((node) => node.parent === loop?.id);
    expect(loop).toBeDefined();
    expect(inner).toBeDefined();
    const moved = moveToBranch(original, loop?.id ?? "", { position: { x: 0, y: 900 } });
    expect(moved.nodes?.find((node) => node.id === inner?.id)?.parent).toBe(loop?.id);
    expect(() =>
      moveToBranch(original, loop?.id ?? "", { parent: loop?.id ?? "", branch: "body", position: { x: 0, y: 0 } }),
    ).toThrow(EditError);
  });

  it("refuses a branch its container does not have", () => {
    expect(() => moveToBranch(enrichIps(), "comment", { parent: "each_ip", branch: "true" })).toThrow(EditError);
    expect(() => moveToBranch(enrichIps(), "ghost", {})).toThrow(EditError);
  });
});
