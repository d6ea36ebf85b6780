import { describe, expect, it } from "vitest";
import type { PlaybookDocument } from "./document";
import { fromFlow, laneId, toFlow, whenLabel } from "./flow";
import type { FlowEdge, FlowNode, StepFlowNode } from "./flow";
import {
  COLLAPSED_SIZE,
  CONTAINER_HEADER,
  CONTAINER_PADDING,
  GAP_X,
  GAP_Y,
  LANE_MIN_HEIGHT,
  LANE_MIN_WIDTH,
  LANE_ORIGIN,
  LANE_PADDING,
  NODE_HEIGHT,
  NODE_WIDTH,
} from "./geometry";
import { broken, empty, enrichIps, nested } from "./testDocuments";

function byId(nodes: readonly FlowNode[], id: string): FlowNode {
  const found = nodes.find((node) => node.id === id);
  if (found === undefined) throw new Error(`no flow node ${id}`);
  return found;
}

function step(nodes: readonly FlowNode[], id: string): StepFlowNode {
  const node = byId(nodes, id);
  if (node.type === "trigger" || node.type === "lane") throw new Error(`${id} is not a step`);
  return node;
}

function withoutLayout(document: PlaybookDocument): PlaybookDocument {
  const { layout: _layout, ...rest } = document;
  return rest;
}

function roundTrip(document: PlaybookDocument): PlaybookDocument {
  const flow = toFlow(document);
  return fromFlow(flow.nodes, flow.edges, document);
}

describe("toFlow", () => {
  it("draws the trigger, each node typed by its kind, and a lane per branch", () => {
    const { nodes } = toFlow(enrichIps());
    expect(nodes.map((node) => [node.id, node.type, node.parentId])).toEqual([
      ["incident", "trigger", undefined],
      ["each_ip", "foreach", undefined],
      ["each_ip::body", "lane", "each_ip"],
      ["vt", "action", "each_ip::body"],
      ["comment", "action", "each_ip::body"],
    ]);
    expect(byId(nodes, "vt").parentId).toBe("each_ip::body");
    expect(byId(nodes, "vt").extent).toBeUndefined();
    expect(byId(nodes, "each_ip::body").extent).toBe("parent");
    expect(byId(nodes, "each_ip").extent).toBeUndefined();
  });

  it("carries the document node and the trigger in data", () => {
    const document = enrichIps();
    const { nodes } = toFlow(document);
    expect(byId(nodes, "incident").data).toEqual({ trigger: document.trigger });
    expect(step(nodes, "vt").data.node).toBe(document.nodes?.[1]);
    expect(step(nodes, "vt").data.orphan).toBe(false);
    expect(byId(nodes, "each_ip::body").data).toEqual({ containerId: "each_ip", branch: "body" });
  });

  it("lists every parent before its children, as React Flow requires", () => {
    const { nodes } = toFlow(nested());
    const seen = new Set<string>();
    for (const node of nodes) {
      if (node.parentId !== undefined) expect(seen.has(node.parentId)).toBe(true);
      seen.add(node.id);
    }
    expect(seen.size).toBe(nodes.length);
  });

  it("gives a condition True and False lanes and a switch one lane per case plus default", () => {
    const { nodes } = toFlow(nested());
    const lanesOf = (container: string) =>
      nodes.filter((node) => node.type === "lane" && node.parentId === container).map((node) => node.id);
    expect(lanesOf("is_admin")).toEqual(["is_admin::true", "is_admin::false"]);
    expect(lanesOf("severity")).toEqual(["severity::High", "severity::3", "severity::true", "severity::default"]);
    expect(byId(nodes, "ticket").parentId).toBe("severity::3");
    expect(byId(nodes, "remove").parentId).toBe(laneId("attempt", "body"));
  });

  it("takes positions from the layout, relative to the lane", () => {
    const { nodes } = toFlow(nested());
    expect(byId(nodes, "is_admin").position).toEqual({ x: 0, y: 240 });
    expect(byId(nodes, "each_group").position).toEqual({ x: 24, y: 56 });
    expect(byId(nodes, "remove")).toMatchObject({ position: { x: 24, y: 56 }, width: 260, height: 80 });
    expect(byId(nodes, "lookup")).toMatchObject({ width: NODE_WIDTH, height: NODE_HEIGHT });
  });

  it("lays lanes side by side under the container's title bar", () => {
    const { nodes } = toFlow(nested());
    const first = byId(nodes, "severity::High");
    const second = byId(nodes, "severity::3");
    expect(first.position).toEqual({ x: CONTAINER_PADDING, y: CONTAINER_HEADER });
    expect(second.position.x).toBeGreaterThan(first.position.x + (first.width ?? 0));
    expect(second.height).toBe(first.height);
  });

  it("keeps a container at least the size stored in the layout", () => {
    const { nodes } = toFlow(enrichIps());
    const container = byId(nodes, "each_ip");
    expect(container.width).toBeGreaterThanOrEqual(420);
    expect(container.height).toBeGreaterThanOrEqual(300);
  });

  it("grows containers to fit their content, through every level", () => {
    const document = nested();
    const far = { ...document, layout: { ...document.layout, remove: { x: 1200, y: 900 } } };
    const { nodes } = toFlow(far);
    const lane = byId(nodes, "attempt::body");
    expect(lane.width).toBeGreaterThanOrEqual(1200 + NODE_WIDTH + LANE_PADDING);
    expect(lane.height).toBeGreaterThanOrEqual(900 + NODE_HEIGHT + LANE_PADDING);
    const attempt = byId(nodes, "attempt");
    const eachGroupLane = byId(nodes, "each_group::body");
    const isAdminLane = byId(nodes, "is_admin::true");
    const admin = byId(nodes, "is_admin");
    expect(eachGroupLane.width).toBeGreaterThanOrEqual(attempt.position.x + (attempt.width ?? 0));
    expect(isAdminLane.width).toBeGreaterThanOrEqual((eachGroupLane.width ?? 0) + 24);
    expect(admin.width).toBeGreaterThan(900);
  });

  it("gives an empty lane room for one step", () => {
    const document: PlaybookDocument = {
      ...empty(),
      nodes: [{ id: "loop", kind: "until", condition: { all: [{ left: 1, op: "eq", right: 1 }] } }],
    };
    const { nodes } = toFlow(document);
    expect(byId(nodes, "loop::body")).toMatchObject({ width: LANE_MIN_WIDTH, height: LANE_MIN_HEIGHT });
  });

  it("places nodes without a layout in rows by run-after order, beside what is placed", () => {
    const document = enrichIps();
    const { nodes } = toFlow(document);
    const container = byId(nodes, "each_ip");
    expect(byId(nodes, "incident").position).toEqual({ x: (container.width ?? 0) + GAP_X, y: 0 });
    expect(byId(nodes, "vt").position).toEqual(LANE_ORIGIN);
    const comment = byId(nodes, "comment");
    expect(comment.position.x).toBe(LANE_ORIGIN.x);
    expect(comment.position.y).toBe(LANE_ORIGIN.y + NODE_HEIGHT + GAP_Y);
  });

  it("puts steps that run in parallel side by side", () => {
    const document: PlaybookDocument = {
      ...empty(),
      trigger: { id: "t", type: "core.manual" },
      nodes: [
        { id: "a", kind: "action", action: "x.a" },
        { id: "b", kind: "action", action: "x.b" },
        { id: "c", kind: "action", action: "x.c" },
      ],
      edges: [
        { source: "t", target: "a" },
        { source: "t", target: "b" },
        { source: "a", target: "c" },
        { source: "b", target: "c" },
      ],
    };
    const { nodes } = toFlow(document);
    expect(byId(nodes, "t").position).toEqual({ x: 0, y: 0 });
    expect(byId(nodes, "a").position.y).toBe(byId(nodes, "b").position.y);
    expect(byId(nodes, "b").position.x).toBeGreaterThanOrEqual(NODE_WIDTH);
    expect(byId(nodes, "c").position.y).toBeGreaterThan(byId(nodes, "a").position.y);
  });

  it("hides the content of a collapsed container and draws it small", () => {
    const document = enrichIps();
    const collapsed = { ...document, layout: { each_ip: { x: 0, y: 140, w: 420, h: 300, collapsed: true } } };
    const { nodes } = toFlow(collapsed);
    expect(byId(nodes, "each_ip")).toMatchObject({ width: COLLAPSED_SIZE.width, height: COLLAPSED_SIZE.height });
    expect(step(nodes, "each_ip").data.collapsed).toBe(true);
    expect(byId(nodes, "each_ip").hidden).toBeUndefined();
    for (const id of ["each_ip::body", "vt", "comment"]) expect(byId(nodes, id).hidden).toBe(true);
  });

  it("turns edges into React Flow edges keyed source->target, start edges with their branch", () => {
    const { edges } = toFlow(enrichIps());
    expect(edges).toEqual([
      { id: "incident->each_ip", source: "incident", target: "each_ip", data: { when: ["succeeded"] } },
      {
        id: "each_ip->vt:body",
        source: "each_ip",
        target: "vt",
        sourceHandle: "branch:body",
        data: { when: ["succeeded"], branch: "body" },
      },
      {
        id: "vt->comment",
        source: "vt",
        target: "comment",
        label: "succeeded, failed",
        data: { when: ["succeeded", "failed"] },
      },
    ]);
  });

  it("labels only edges whose statuses are not just succeeded", () => {
    expect(whenLabel(["succeeded"])).toBeUndefined();
    expect(whenLabel(["failed", "timed_out"])).toBe("failed, timed out");
    expect(whenLabel(["skipped"])).toBe("skipped");
  });

  it("draws an empty playbook as nothing", () => {
    expect(toFlow(empty())).toEqual({ nodes: [], edges: [] });
  });

  it("draws a broken draft without losing any node", () => {
    const { nodes, edges } = toFlow(broken());
    const steps = nodes.filter((node) => node.type !== "lane" && node.type !== "trigger");
    expect(steps.map((node) => node.id)).toEqual([
      "a",
      "lost",
      "in_action",
      "loop",
      "loop2",
      "cond",
      "wrong_branch",
      "a#2",
    ]);
    for (const id of ["lost", "in_action", "loop", "loop2", "wrong_branch"]) {
      expect(step(nodes, id).parentId).toBeUndefined();
      expect(step(nodes, id).data.orphan).toBe(true);
    }
    expect(step(nodes, "a#2").data.node).toMatchObject({ id: "a", action: "x.twin" });
    // The edge to a missing node cannot be drawn; the repeated edge gets its own id.
    expect(edges.map((edge) => edge.id)).toEqual(["start->a", "a->start", "start->a~2"]);
  });
});

describe("fromFlow", () => {
  it("gives back exactly a fully laid-out document", () => {
    const document = nested();
    expect(roundTrip(document)).toEqual(document);
  });

  it.each([
    ["the DESIGN.md example", enrichIps],
    ["nested containers and a switch", nested],
    ["an empty playbook", empty],
    ["a broken draft", broken],
  ])("keeps the semantics of %s", (_name, make) => {
    const document = make();
    const back = roundTrip(document);
    expect(withoutLayout(back)).toEqual(withoutLayout(document));
    for (const [id, box] of Object.entries(document.layout ?? {})) expect(back.layout?.[id]).toEqual(box);
  });

  it("handles ids that are names of Object.prototype", () => {
    const document: PlaybookDocument = JSON.parse(
      JSON.stringify({
        format: "soarflow.playbook/v1",
        name: "Prototype names",
        trigger: { id: "constructor", type: "core.manual" },
        nodes: [
          { id: "__proto__", kind: "scope" },
          { id: "toString", kind: "action", action: "x.y", parent: "__proto__", branch: "body" },
          { id: "hasOwnProperty", kind: "action", action: "x.y" },
        ],
        edges: [{ source: "constructor", target: "__proto__" }],
      }),
    ) as PlaybookDocument;
    const flow = toFlow(document);
    for (const node of flow.nodes) {
      expect(Number.isFinite(node.position.x) && Number.isFinite(node.position.y)).toBe(true);
    }
    const back = fromFlow(flow.nodes, flow.edges, document);
    expect(withoutLayout(back)).toEqual(withoutLayout(document));
    expect(Object.keys(back.layout ?? {}).sort()).toEqual(["__proto__", "constructor", "hasOwnProperty", "toString"]);
    expect(Object.getPrototypeOf(back.layout)).toBe(Object.prototype);
    expect(roundTrip(back)).toEqual(back);
  });

  it.each([enrichIps, nested, empty, broken])("is stable after one round trip (%#)", (make) => {
    const once = roundTrip(make());
    expect(roundTrip(once)).toEqual(once);
  });

  it("records the default places of nodes that had none", () => {
    const back = roundTrip(enrichIps());
    expect(back.layout?.vt).toEqual(LANE_ORIGIN);
    expect(Object.keys(back.layout ?? {}).sort()).toEqual(["comment", "each_ip", "incident", "vt"]);
  });

  it("stores a moved node's new position", () => {
    const document = nested();
    const flow = toFlow(document);
    const nodes = flow.nodes.map((node) => (node.id === "note" ? { ...node, position: { x: 80, y: 90 } } : node));
    const back = fromFlow(nodes, flow.edges, document);
    expect(back.layout?.note).toEqual({ x: 80, y: 90 });
    expect(withoutLayout(back)).toEqual(withoutLayout(document));
  });

  it("stores a size only when the user resized the node", () => {
    const document = nested();
    const flow = toFlow(document);
    const nodes = flow.nodes.map((node) => (node.id === "severity" ? { ...node, width: 2000, height: 700 } : node));
    const back = fromFlow(nodes, flow.edges, document);
    expect(back.layout?.severity).toEqual({ x: 1000, y: 240, w: 2000, h: 700 });
    expect(back.layout?.is_admin).toEqual({ x: 0, y: 240, w: 900, h: 500 });
  });

  it("moves a node into the branch of the lane it was dropped in", () => {
    const document = nested();
    const flow = toFlow(document);
    const nodes = flow.nodes.map((node) => (node.id === "note" ? { ...node, parentId: "severity::default" } : node));
    const back = fromFlow(nodes, flow.edges, document);
    expect(back.nodes?.find((node) => node.id === "note")).toMatchObject({ parent: "severity", branch: "default" });
  });

  it("takes a node out of its container when it has no lane", () => {
    const document = enrichIps();
    const flow = toFlow(document);
    const nodes = flow.nodes.map((node) => {
      if (node.id !== "comment") return node;
      const { parentId: _parentId, extent: _extent, ...free } = node;
      return free;
    });
    const back = fromFlow(nodes, flow.edges, document);
    const comment = back.nodes?.find((node) => node.id === "comment");
    expect(comment).toBeDefined();
    expect(comment?.parent).toBeUndefined();
    expect(comment?.branch).toBeUndefined();
  });

  it("reads edges React Flow created: a branch handle makes a start edge", () => {
    const document = enrichIps();
    const flow = toFlow(document);
    const added: FlowEdge[] = [
      { id: "xy-edge__each_ipbranch:body-comment", source: "each_ip", sourceHandle: "branch:body", target: "comment" },
    ];
    const back = fromFlow(flow.nodes, [...flow.edges, ...added], document);
    expect(back.edges?.at(-1)).toEqual({ source: "each_ip", target: "comment", branch: "body" });
  });

  it("drops what was deleted on the canvas and keeps edge statuses that were changed", () => {
    const document = enrichIps();
    const flow = toFlow(document);
    const nodes = flow.nodes.filter((node) => node.id !== "comment");
    const edges = flow.edges
      .filter((edge) => edge.target !== "comment")
      .map((edge) =>
        edge.id === "incident->each_ip"
          ? { ...edge, data: { when: ["succeeded" as const, "skipped" as const] } }
          : edge,
      );
    const back = fromFlow(nodes, edges, document);
    expect(back.nodes?.map((node) => node.id)).toEqual(["each_ip", "vt"]);
    expect(back.edges).toEqual([
      { source: "incident", target: "each_ip", when: ["succeeded", "skipped"] },
      { source: "each_ip", target: "vt", branch: "body" },
    ]);
    expect(back.layout?.comment).toBeUndefined();
  });

  it("keeps an explicit ['succeeded'] as written", () => {
    const document = nested();
    const back = roundTrip(document);
    expect(back.edges?.at(-1)).toEqual({ source: "severity", target: "close", when: ["succeeded"] });
  });

  it("stores a container's collapsed state from its data", () => {
    const document = enrichIps();
    const flow = toFlow(document);
    const nodes = flow.nodes.map((node) =>
      node.id === "each_ip" && node.type === "foreach" ? { ...node, data: { ...node.data, collapsed: true } } : node,
    );
    const back = fromFlow(nodes, flow.edges, document);
    expect(back.layout?.each_ip).toEqual({ x: 0, y: 140, w: 420, h: 300, collapsed: true });
  });

  it("removes the trigger when the canvas has none", () => {
    const document = enrichIps();
    const flow = toFlow(document);
    const back = fromFlow(
      flow.nodes.filter((node) => node.type !== "trigger"),
      flow.edges.filter((edge) => edge.source !== "incident"),
      document,
    );
    expect(back.trigger).toBeUndefined();
    expect(back.edges?.[0]).toEqual({ source: "each_ip", target: "vt", branch: "body" });
  });
});
