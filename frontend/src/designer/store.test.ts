import { describe, expect, it } from "vitest";
import { FORMAT } from "../graph/document";
import type { PlaybookDocument } from "../graph/document";
import type { Playbook } from "./api";
import { updateNode, withText } from "./nodeEdits";
import { createDesignerStore } from "./store";

function playbook(document: PlaybookDocument, version = 1): Playbook {
  return { id: "pb_1", enabled: false, version, document, problems: [] };
}

function fresh(): PlaybookDocument {
  return { format: FORMAT, name: "Test", trigger: { id: "start", type: "soarflow.manual" }, nodes: [], edges: [] };
}

function loaded() {
  const store = createDesignerStore();
  store.getState().load(playbook(fresh()));
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
});
