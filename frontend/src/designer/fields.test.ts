import { describe, expect, it } from "vitest";
import { insertExpressionAt } from "./fields";

describe("insertExpressionAt", () => {
  it("fills an empty field with the expression alone", () => {
    expect(insertExpressionAt("", 0, "{{ run.id }}")).toEqual({ text: "{{ run.id }}", caret: 12 });
  });

  it("keeps a space between the last word and an expression added at the end", () => {
    expect(insertExpressionAt("Run", 3, "{{ run.id }}")).toEqual({ text: "Run {{ run.id }}", caret: 16 });
    expect(insertExpressionAt("Run ", 4, "{{ run.id }}").text).toBe("Run {{ run.id }}");
  });

  it("inserts at the caret inside the text, as it is", () => {
    expect(insertExpressionAt("IP  is bad", 3, "{{ item }}")).toEqual({ text: "IP {{ item }} is bad", caret: 13 });
    expect(insertExpressionAt("abc", 99, "{{ x }}").text).toBe("abc {{ x }}");
  });
});
