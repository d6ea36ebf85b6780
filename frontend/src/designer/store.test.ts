import { describe, expect, it } from "vitest";
import { FORMAT } from "../graph/document";
import type { PlaybookDocument } from "../graph/document";
import { GAP_X, LANE_ORIGIN, NODE_WIDTH } from "../graph/geometry";
import { enrichIps } from "../graph/testDocuments";
import type { Playbook } from "./api";
import { updateNode, withRetryPolicy, withRetrySetting, withText, withTimeout } from "./nodeEdits";
import { createDesignerStore } from "./store";

function playbook(document: PlaybookDocument, version = 1): Playbook {
  return { id: "pb_1", enabled: false, version, document, problems: [] };
}

function fresh(): PlaybookDocument {
  return { format: FORMAT, name: "Test", trigger: { id: "start", type: "core.manual" }, nodes: [], edges: [] };
}

function loaded(document: PlaybookDocument = fresh()) {
  const store = createDesignerStore();
  store.getState().load(playbook(document));
  return store;
}

describe("designer store", () => {
  it("is clean after loading and dirty after an edit", () => {
    const store = loaded();
    expect(store.getState().dirty).toBe(false);
    store.getState().addNode({ kind: "action", action: "core.compose", inputs: {} }, { position: { x: 0, y: 120 } });
    expect(store.getState().dirty).toBe(true);
    expect(store.getState().document.nodes?.map((node) => node.id)).toEqual(["compose"]);
  });

  it("selects the node it adds and draws it", () => {
    const store = loaded();
    const id = store.getState().addNode({ kind: "action", action: "core.compose", inputs: {} }, {});
    expect([...store.getState().selection]).toEqual([id]);
    expect(store.getState().nodes.find((node) => node.id === id)?.selected).toBe(true);
  });

  it("undoes and redoes edits, and is clean again when back at the saved document", () => {
    const store = loaded();
    const saved = store.getState().document;
    store.getState().addNode({ kind: "action", action: "core.compose", inputs: {} }, {});
    store.getState().connect("start", "compose");
    const connected = store.getState().document;
    expect(connected.edges).toEqual([{ source: "start", target: "compose" }]);

    store.getState().undo();
    expect(store.getState().document.edges).toEqual([]);
    store.getState().undo();
    expect(store.getState().document).toBe(saved);
    expect(store.getState().dirty).toBe(false);
    store.getState().undo();
    expect(store.getState().document).toBe(saved);

    store.getState().redo();
    store.getState().redo();
    expect(store.getState().document).toBe(connected);
    expect(store.getState().dirty).toBe(true);
    expect(store.getState().edges.map((edge) => edge.id)).toEqual(["start->compose"]);
  });

  it("drops the redo stack on a new edit", () => {
    const store = loaded();
    store.getState().addNode({ kind: "action", action: "core.compose", inputs: {} }, {});
    store.getState().undo();
    store.getState().addNode({ kind: "scope" }, {});
    store.getState().redo();
    expect(store.getState().document.nodes?.map((node) => node.id)).toEqual(["scope"]);
  });

  it("makes typing in one field a single undo step", () => {
    const store = loaded();
    store.getState().addNode({ kind: "action", action: "core.compose", inputs: {} }, {});
    for (const title of ["M", "My", "My step"]) {
      const next = updateNode(store.getState().document, "compose", (node) => withText(node, "title", title));
      store.getState().apply(next, { mergeKey: "title:compose" });
    }
    expect(store.getState().document.nodes?.[0]?.title).toBe("My step");
    store.getState().undo();
    expect(store.getState().document.nodes?.[0]?.title).toBeUndefined();
  });

  it("refuses a connection with the reason as an error notice, leaving the document alone", () => {
    const store = loaded();
    store.getState().addNode({ kind: "action", action: "core.compose", inputs: {} }, {});
    const before = store.getState().document;
    store.getState().connect("compose", "start");
    expect(store.getState().document).toBe(before);
    expect(store.getState().notice).toMatchObject({ tone: "error", text: expect.stringContaining("trigger") });
  });

  it("is clean after saving, and dirty again when edited while the save was on its way", () => {
    const store = loaded();
    store.getState().addNode({ kind: "action", action: "core.compose", inputs: {} }, {});
    const sent = store.getState().document;
    store.getState().addNode({ kind: "scope" }, {});
    store.getState().markSaved(sent, playbook(sent, 2));
    expect(store.getState().version).toBe(2);
    expect(store.getState().dirty).toBe(true);
    store.getState().undo();
    expect(store.getState().dirty).toBe(false);
  });

  it("keeps only the problems of the current document and pins them on nodes", () => {
    const store = loaded();
    store.getState().addNode({ kind: "action", action: "core.compose", inputs: {} }, {});
    const stale = store.getState().document;
    store.getState().connect("start", "compose");
    const unreachable = { code: "unreachable", message: "never runs", nodeId: "compose", path: "$.nodes[0]" };
    store.getState().setProblems(stale, [unreachable]);
    expect(store.getState().problems).toEqual([]);
    store.getState().setProblems(store.getState().document, [unreachable]);
    const node = store.getState().nodes.find((candidate) => candidate.id === "compose");
    expect(node?.domAttributes).toMatchObject({ "data-kind": "action", "data-problems": "1" });
  });

  it("records a drag as one move when it ends", () => {
    const store = loaded();
    store.getState().addNode({ kind: "action", action: "core.compose", inputs: {} }, { position: { x: 0, y: 0 } });
    const pastBefore = store.getState().history.past.length;
    store.getState().onNodesChange([{ type: "position", id: "compose", position: { x: 10, y: 10 }, dragging: true }]);
    expect(store.getState().history.past.length).toBe(pastBefore);
    store.getState().onNodesChange([{ type: "position", id: "compose", position: { x: 20, y: 30 }, dragging: false }]);
    expect(store.getState().history.past.length).toBe(pastBefore + 1);
    expect(store.getState().document.layout?.["compose"]).toEqual({ x: 20, y: 30 });
  });

  it("moves a step dragged out of its loop to the top level in one undoable edit", () => {
    const store = loaded(enrichIps());
    const before = store.getState().document;
    const pastBefore = store.getState().history.past.length;
    store.getState().onNodesChange([{ type: "position", id: "comment", position: { x: 3000, y: 0 }, dragging: false }]);
    const after = store.getState().document;
    expect(after.nodes?.find((node) => node.id === "comment")?.parent).toBeUndefined();
    expect(after.edges).not.toContainEqual(expect.objectContaining({ target: "comment" }));
    expect(store.getState().history.past.length).toBe(pastBefore + 1);
    expect(store.getState().notice?.text).toContain("Moved comment out to the canvas");
    store.getState().undo();
    expect(store.getState().document).toEqual(before);
  });

  it("copies a container with its content and pastes it under new ids, offset, selected", () => {
    const store = loaded(enrichIps());
    store.getState().select(["each_ip"]);
    const fragment = store.getState().copySelection();
    expect(fragment?.nodes.map((node) => node.id)).toEqual(["each_ip", "vt", "comment"]);
    expect(fragment?.edges).toEqual([
      { source: "each_ip", target: "vt", branch: "body" },
      { source: "vt", target: "comment", when: ["succeeded", "failed"] },
    ]);

    const before = store.getState().document;
    store.getState().paste(fragment!);
    const after = store.getState().document;
    expect(after.nodes?.map((node) => node.id)).toEqual(["each_ip", "vt", "comment", "each_ip_2", "vt_2", "comment_2"]);
    expect(after.nodes?.find((node) => node.id === "comment_2")).toMatchObject({
      parent: "each_ip_2",
      branch: "body",
      inputs: { text: "{{ item.address }}: {{ steps.vt_2.output.data.attributes.reputation }}" },
    });
    expect(after.edges?.slice(3)).toEqual([
      { source: "each_ip_2", target: "vt_2", branch: "body" },
      { source: "vt_2", target: "comment_2", when: ["succeeded", "failed"] },
    ]);
    // Beside the original, not over it.
    const width = store.getState().nodes.find((node) => node.id === "each_ip")?.width ?? 0;
    expect(after.layout?.["each_ip_2"]).toEqual({ x: width + GAP_X, y: 140, w: 420, h: 300 });
    expect([...store.getState().selection].sort()).toEqual(["comment_2", "each_ip_2", "vt_2"]);

    store.getState().undo();
    expect(store.getState().document).toBe(before);
    expect(store.getState().nodes.map((node) => node.id)).not.toContain("each_ip_2");
    store.getState().redo();
    expect(store.getState().document).toBe(after);
  });

  it("places each paste of the same steps past the copies already there, or where they were when free", () => {
    const store = loaded(enrichIps());
    store.getState().select(["each_ip"]);
    const fragment = store.getState().copySelection()!;
    const width = store.getState().nodes.find((node) => node.id === "each_ip")?.width ?? 0;
    store.getState().paste(fragment);
    store.getState().paste(fragment);
    const layout = store.getState().document.layout;
    expect(layout?.["each_ip_2"]).toMatchObject({ x: width + GAP_X, y: 140 });
    expect(layout?.["each_ip_3"]).toMatchObject({ x: 2 * (width + GAP_X), y: 140 });

    // Cut and paste: the spot is free again.
    store.getState().remove(["each_ip"], []);
    store.getState().paste(fragment);
    expect(store.getState().document.layout?.["each_ip"]).toMatchObject({ x: 0, y: 140 });
  });

  it("pastes into another playbook, keeping the positions the copied steps were drawn at", () => {
    const source = loaded(enrichIps());
    // vt has no layout entry: it is copied where the canvas drew it.
    const drawn = source.getState().nodes.find((node) => node.id === "vt")!.position;
    source.getState().select(["vt"]);
    const fragment = source.getState().copySelection()!;
    expect(fragment.layout["vt"]).toEqual(drawn);

    const target = loaded();
    target.getState().paste(fragment);
    const pasted = target.getState().document;
    // Its container is not in this playbook: it goes to the top level.
    expect(pasted.nodes).toEqual([
      expect.objectContaining({ id: "vt", kind: "action", action: "virustotal.get_ip_report" }),
    ]);
    expect(pasted.nodes?.[0]?.parent).toBeUndefined();
    // Where it was drawn would cover this playbook's trigger: it goes beside it.
    expect(drawn).toEqual({ x: LANE_ORIGIN.x, y: LANE_ORIGIN.y });
    expect(target.getState().nodes.find((node) => node.id === "start")?.position).toEqual({ x: 0, y: 0 });
    expect(pasted.layout?.["vt"]).toEqual({ x: drawn.x + NODE_WIDTH + GAP_X, y: drawn.y });
    expect([...target.getState().selection]).toEqual(["vt"]);
  });

  it("copies nothing when only the trigger is selected", () => {
    const store = loaded(enrichIps());
    store.getState().select(["incident"]);
    expect(store.getState().copySelection()).toBeNull();
    const before = store.getState().document;
    store.getState().duplicateSelection();
    expect(store.getState().document).toBe(before);
  });

  it("duplicates the selection next to itself, in the same branch, as one undoable edit", () => {
    const store = loaded(enrichIps());
    store.getState().select(["vt", "comment"]);
    const before = store.getState().document;
    store.getState().duplicateSelection();
    const after = store.getState().document;
    expect(after.nodes?.slice(3)).toEqual([
      expect.objectContaining({ id: "vt_2", parent: "each_ip", branch: "body" }),
      expect.objectContaining({ id: "comment_2", parent: "each_ip", branch: "body" }),
    ]);
    expect(after.edges?.slice(3)).toEqual([{ source: "vt_2", target: "comment_2", when: ["succeeded", "failed"] }]);
    expect([...store.getState().selection].sort()).toEqual(["comment_2", "vt_2"]);
    store.getState().undo();
    expect(store.getState().document).toBe(before);
  });

  it("removes steps with their content and edges in one undoable edit", () => {
    const store = loaded(enrichIps());
    const before = store.getState().document;
    store.getState().remove(["each_ip"], []);
    expect(store.getState().document.nodes).toEqual([]);
    expect(store.getState().document.edges).toEqual([]);
    store.getState().undo();
    expect(store.getState().document).toBe(before);
  });

  it("sets an edge's statuses, relabels it and undoes that", () => {
    const store = loaded(enrichIps());
    store.getState().setWhen("incident->each_ip", ["failed", "succeeded"]);
    expect(store.getState().document.edges?.[0]).toEqual({
      source: "incident",
      target: "each_ip",
      when: ["succeeded", "failed"],
    });
    expect(store.getState().edges.find((edge) => edge.id === "incident->each_ip")?.label).toBe("succeeded, failed");
    store.getState().setWhen("vt->comment", ["succeeded"]);
    expect(store.getState().document.edges?.[2]).toEqual({ source: "vt", target: "comment" });
    expect(store.getState().edges.find((edge) => edge.id === "vt->comment")?.label).toBeUndefined();
    store.getState().undo();
    store.getState().undo();
    expect(store.getState().document.edges).toEqual(enrichIps().edges);
  });
});

describe("retry and timeout edits", () => {
  function withAction() {
    const store = loaded();
    const id = store.getState().addNode({ kind: "action", action: "core.compose", inputs: {} }, {});
    return { store, id };
  }
  const action = (store: ReturnType<typeof loaded>, id: string) => store.getState().document.nodes?.find((node) => node.id === id);
  const edit = (store: ReturnType<typeof loaded>, id: string, field: string, change: Parameters<typeof updateNode>[2]) =>
    store.getState().apply(updateNode(store.getState().document, id, change), { mergeKey: `${field}:${id}` });

  it("writes the node's retry and timeout, and undo takes each edit back", () => {
    const { store, id } = withAction();
    edit(store, id, "retry", (node) => withRetryPolicy(node, "exponential"));
    edit(store, id, "retry.count", (node) => withRetrySetting(node, "count", "4"));
    edit(store, id, "retry.interval", (node) => withRetrySetting(node, "interval", "PT20S"));
    edit(store, id, "timeout", (node) => withTimeout(node, "PT30S"));
    expect(action(store, id)).toMatchObject({
      retry: { policy: "exponential", count: 4, interval: "PT20S" },
      timeout: "PT30S",
    });

    store.getState().undo();
    expect(action(store, id)).not.toHaveProperty("timeout");
    store.getState().undo();
    expect(action(store, id)).toMatchObject({ retry: { policy: "exponential", count: 4 } });
    expect(action(store, id)).not.toHaveProperty("retry.interval");
    store.getState().redo();
    store.getState().redo();
    expect(action(store, id)).toMatchObject({ retry: { interval: "PT20S" }, timeout: "PT30S" });
  });

  it("keeps no count or interval without retries, and removes what is emptied", () => {
    const { store, id } = withAction();
    edit(store, id, "retry", (node) => withRetryPolicy(node, "fixed"));
    edit(store, id, "retry.count", (node) => withRetrySetting(node, "count", "500"));
    expect(action(store, id)).toMatchObject({ retry: { policy: "fixed", count: 90 } });
    edit(store, id, "retry", (node) => withRetryPolicy(node, "none"));
    expect(action(store, id)).toMatchObject({ retry: { policy: "none" } });
    expect(action(store, id)).not.toHaveProperty("retry.count");
    edit(store, id, "retry", (node) => withRetryPolicy(node, "default"));
    edit(store, id, "timeout", (node) => withTimeout(node, "PT1M"));
    edit(store, id, "timeout", (node) => withTimeout(node, ""));
    expect(action(store, id)).toEqual({ id, kind: "action", action: "core.compose", inputs: {} });
  });
});
