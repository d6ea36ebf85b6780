import { describe, expect, it } from "vitest";
import { MAX_LABELS, addLabel, ownerFrom, removeLabel } from "./triage";

describe("labels", () => {
  it("adds a trimmed label at the end", () => {
    expect(addLabel(["vip"], "  phishing ")).toEqual({ labels: ["vip", "phishing"] });
  });

  it("says why a label cannot be added", () => {
    expect(addLabel([], "   ")).toEqual({ problem: "Type a label first" });
    expect(addLabel(["vip"], "vip")).toEqual({ problem: "“vip” is already there" });
    expect(addLabel([], "x".repeat(101))).toHaveProperty("problem");
    expect(addLabel(Array.from({ length: MAX_LABELS }, (_, i) => `l${i}`), "one more")).toHaveProperty("problem");
  });

  it("removes one label", () => {
    expect(removeLabel(["a", "b", "c"], "b")).toEqual(["a", "c"]);
  });
});

describe("ownerFrom", () => {
  it("reads an empty field as nobody", () => {
    expect(ownerFrom("  ")).toBeNull();
    expect(ownerFrom(" bob ")).toBe("bob");
  });
});
