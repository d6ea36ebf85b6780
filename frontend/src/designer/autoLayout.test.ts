import { describe, expect, it } from "vitest";
import { enrichIps, nested } from "../graph/testDocuments";
import { toFlow } from "../graph/flow";
import type { FlowNode } from "../graph/flow";
import { autoLayout } from "./autoLayout";

function absolute(nodes: readonly FlowNode[], id: string): { x: number; y: number; bottom: number; right: number } {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  let node = byId.get(id);
  const own = node;
  let x = 0;
  let y = 0;
  while (node !== undefined) {
    x += node.position.x;
    y += node.position.y;
    node = node.parentId === undefined ? undefined : byId.get(node.parentId);
  }
  return { x, y, bottom: y + (own?.height ?? 0), right: x + (own?.width ?? 0) };
}

describe("autoLayout", () => {
  it("puts each step below the one it runs after, inside and outside containers", async () => {
    const laidOut = await autoLayout(enrichIps());
    const { nodes } = toFlow(laidOut);
    expect(absolute(nodes, "each_ip").y).toBeGreaterThan(absolute(nodes, "incident").bottom);
    expect(absolute(nodes, "comment").y).toBeGreaterThan(absolute(nodes, "vt").bottom);
    // The container fits its content again: the size the user gave it is gone.
    expect(laidOut.layout?.["each_ip"]?.w).toBeUndefined();
    expect(absolute(nodes, "comment").bottom).toBeLessThan(absolute(nodes, "each_ip").bottom);
  });

  it("changes nothing but the layout", async () => {
    const document = nested();
    const { layout: _before, ...semantics } = document;
    const { layout: _after, ...laidOut } = await autoLayout(document);
    expect(laidOut).toEqual(semantics);
  });

  it("keeps siblings from overlapping", async () => {
    const { nodes } = toFlow(await autoLayout(nested()));
    const top = nodes.filter((node) => node.parentId === undefined);
    for (const left of top) {
      for (const right of top) {
        if (left === right) continue;
        const a = absolute(nodes, left.id);
        const b = absolute(nodes, right.id);
        const overlap = a.x < b.right && b.x < a.right && a.y < b.bottom && b.y < a.bottom;
        expect(overlap, `${left.id} overlaps ${right.id}`).toBe(false);
      }
    }
  });
});
