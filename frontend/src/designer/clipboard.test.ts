import { describe, expect, it } from "vitest";
import { copyFragment } from "../graph/edit";
import { enrichIps } from "../graph/testDocuments";
import { CLIPBOARD_FORMAT, fragmentText, parseFragment } from "./clipboard";

describe("clipboard text", () => {
  it("round-trips a fragment", () => {
    const fragment = copyFragment(enrichIps(), ["each_ip"]);
    const text = fragmentText(fragment);
    expect(JSON.parse(text)).toMatchObject({ format: CLIPBOARD_FORMAT });
    expect(parseFragment(text)).toEqual(fragment);
  });

  it("takes only soarflow's own text", () => {
    expect(parseFragment("https://example.com")).toBeNull();
    expect(parseFragment(JSON.stringify({ nodes: [{ id: "a", kind: "scope" }], edges: [], layout: {} }))).toBeNull();
    expect(parseFragment(JSON.stringify({ format: CLIPBOARD_FORMAT, nodes: [], edges: [], layout: {} }))).toBeNull();
  });

  it("refuses steps the canvas could not draw", () => {
    const text = (fragment: object) => JSON.stringify({ format: CLIPBOARD_FORMAT, edges: [], layout: {}, ...fragment });
    expect(parseFragment(text({ nodes: [{ id: "a", kind: "scope" }] }))).not.toBeNull();
    expect(parseFragment(text({ nodes: [{ id: "a", kind: "robot" }] }))).toBeNull();
    expect(parseFragment(text({ nodes: [{ id: "a", kind: "switch", on: "x" }] }))).toBeNull();
    expect(parseFragment(text({ nodes: [{ id: 1, kind: "scope" }] }))).toBeNull();
    expect(
      parseFragment(text({ nodes: [{ id: "a", kind: "scope" }], edges: [{ source: "a", target: "b", when: ["maybe"] }] })),
    ).toBeNull();
    expect(parseFragment(text({ nodes: [{ id: "a", kind: "scope" }], layout: { a: { x: "1", y: 2 } } }))).toBeNull();
  });
});
