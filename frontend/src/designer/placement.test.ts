import { describe, expect, it } from "vitest";
import { toFlow } from "../graph/flow";
import { copyFragment } from "../graph/edit";
import { GAP_X, GAP_Y, NODE_HEIGHT, NODE_WIDTH } from "../graph/geometry";
import { enrichIps } from "../graph/testDocuments";
import { dragPlacement, dropPlacement, freePlacement, pasteOffset, sizeOf } from "./placement";

const STEP = { width: NODE_WIDTH, height: NODE_HEIGHT };

describe("dropPlacement", () => {
  const { nodes } = toFlow(enrichIps());
  const lane = nodes.find((node) => node.id === "each_ip::body");
  const container = nodes.find((node) => node.id === "each_ip");

  it("puts a node dropped on a branch into that branch, relative to its lane", () => {
    if (lane === undefined || container === undefined) throw new Error("no lane");
    const point = {
      x: container.position.x + lane.position.x + 200,
      y: container.position.y + lane.position.y + 100,
    };
    expect(dropPlacement(nodes, point, STEP)).toEqual({
      parent: "each_ip",
      branch: "body",
      position: { x: 200 - NODE_WIDTH / 2, y: 100 - NODE_HEIGHT / 2 },
    });
  });

  it("puts a node dropped elsewhere at the top level, centred on the pointer", () => {
    expect(dropPlacement(nodes, { x: -1000, y: -1000 }, STEP)).toEqual({
      position: { x: -1000 - NODE_WIDTH / 2, y: -1000 - NODE_HEIGHT / 2 },
    });
  });
});

describe("dragPlacement", () => {
  const moved = (id: string, to: { x: number; y: number }) =>
    toFlow(enrichIps()).nodes.map((node) => (node.id === id ? { ...node, position: to } : node));

  it("is null for a step moved within its branch", () => {
    const { nodes } = toFlow(enrichIps());
    const comment = nodes.find((node) => node.id === "comment");
    if (comment === undefined) throw new Error("no comment");
    expect(dragPlacement(moved("comment", { x: comment.position.x + 5, y: comment.position.y }), "comment")).toBeNull();
    expect(dragPlacement(nodes, "each_ip::body")).toBeNull();
    expect(dragPlacement(nodes, "incident")).toBeNull();
  });

  it("takes a step dragged out of its loop to the top level, where it was let go", () => {
    const nodes = moved("comment", { x: 2000, y: 0 });
    const placement = dragPlacement(nodes, "comment");
    expect(placement?.parent).toBeUndefined();
    expect(placement?.position?.x).toBeGreaterThan(2000);
  });

  it("puts a top-level container dragged onto nothing of its own nowhere new", () => {
    const { nodes } = toFlow(enrichIps());
    expect(dragPlacement(nodes, "each_ip")).toBeNull();
  });
});

describe("freePlacement", () => {
  it("puts a new node below everything at the top level", () => {
    const { nodes } = toFlow(enrichIps());
    const container = nodes.find((node) => node.id === "each_ip");
    if (container === undefined) throw new Error("no container");
    const bottom = container.position.y + (container.height ?? 0);
    expect(freePlacement(nodes, { x: 500, y: 0 }, STEP).position).toEqual({
      x: 500 - NODE_WIDTH / 2,
      y: bottom + GAP_Y,
    });
  });

  it("puts it at the point on an empty canvas", () => {
    expect(freePlacement([], { x: 0, y: 0 }, STEP).position).toEqual({ x: -NODE_WIDTH / 2, y: -NODE_HEIGHT / 2 });
  });
});

describe("sizeOf", () => {
  it("is a step's size for an action and larger for a container", () => {
    expect(sizeOf({ kind: "action", action: "core.compose" })).toEqual(STEP);
    const condition = sizeOf({ kind: "condition", condition: { all: [] } });
    expect(condition.width).toBeGreaterThan(2 * NODE_WIDTH);
  });
});

describe("pasteOffset", () => {
  const document = enrichIps();
  const { nodes } = toFlow(document);

  it("puts a copy beside its original, in the original's lane", () => {
    // vt and comment are one above the other in the loop's body: the copy goes to their right.
    expect(pasteOffset(nodes, copyFragment(document, ["vt", "comment"]))).toEqual({ x: NODE_WIDTH + GAP_X, y: 0 });
  });

  it("moves a copy of a container by the container's width", () => {
    const loop = nodes.find((node) => node.id === "each_ip");
    expect(pasteOffset(nodes, copyFragment(document, ["each_ip"]))).toEqual({ x: (loop?.width ?? 0) + GAP_X, y: 0 });
  });

  it("leaves steps where they were when nothing is there", () => {
    const empty = toFlow({ format: document.format, name: "" }).nodes;
    expect(pasteOffset(empty, copyFragment(document, ["each_ip"]))).toEqual({ x: 0, y: 0 });
  });
});
