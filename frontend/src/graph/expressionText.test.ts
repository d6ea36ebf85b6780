import { describe, expect, it } from "vitest";
import type { PlaybookDocument } from "./document";
import { caretSegment, expressionLabel, joinSegments, splitExpressions } from "./expressionText";

const document: PlaybookDocument = {
  format: "soarflow.playbook/v1",
  name: "Enrich",
  trigger: { id: "incident", type: "soarflow.incident_created" },
  nodes: [
    { id: "vt", kind: "action", action: "virustotal.get_ip_report", title: "VirusTotal IP report" },
    { id: "each-ip", kind: "foreach", items: "{{ trigger.entities }}", title: "Each IP", nodes: [], edges: [] },
  ],
  edges: [],
} as unknown as PlaybookDocument;

describe("splitExpressions", () => {
  it("alternates text and expressions, with text at both ends", () => {
    expect(splitExpressions("IP {{ item.Address }} is bad")).toEqual([
      { kind: "text", text: "IP " },
      { kind: "expression", text: "{{ item.Address }}" },
      { kind: "text", text: " is bad" },
    ]);
    expect(splitExpressions("{{ a }}{{ b }}").map((segment) => segment.text)).toEqual(["", "{{ a }}", "", "{{ b }}", ""]);
    expect(splitExpressions("")).toEqual([{ kind: "text", text: "" }]);
  });

  it("keeps a half-typed expression as text", () => {
    expect(splitExpressions("x {{ steps.")).toEqual([{ kind: "text", text: "x {{ steps." }]);
    expect(splitExpressions("{{ a }} and {{ b")).toEqual([
      { kind: "text", text: "" },
      { kind: "expression", text: "{{ a }}" },
      { kind: "text", text: " and {{ b" },
    ]);
  });

  it("does not end an expression at braces inside a string", () => {
    const text = "{{ 'a }}' ~ item }} done";
    expect(splitExpressions(text)[1]).toEqual({ kind: "expression", text: "{{ 'a }}' ~ item }}" });
  });

  it("joins back to the same text", () => {
    for (const text of ["", "plain", "{{ x }}", "a {{ x }} b {{ y }}", "{{ unclosed", "}} {{ a }} }}"]) {
      expect(joinSegments(splitExpressions(text))).toBe(text);
    }
  });
});

describe("caretSegment", () => {
  it("puts the caret in the text segment that holds it, after a token at its end", () => {
    const segments = splitExpressions("ab{{ x }}cd");
    expect(caretSegment(segments, 1)).toEqual({ index: 0, caret: 1 });
    expect(caretSegment(segments, 9)).toEqual({ index: 2, caret: 0 });
    expect(caretSegment(segments, 11)).toEqual({ index: 2, caret: 2 });
  });
});

describe("expressionLabel", () => {
  const label = (expression: string) => expressionLabel(expression, document);

  it("names a step's field by the step's title and the field", () => {
    expect(label("{{ steps.vt.output.data.attributes.reputation }}")).toEqual({
      label: "VirusTotal IP report · reputation",
      named: true,
    });
    expect(label("{{ steps.vt.status }}").label).toBe("VirusTotal IP report · status");
    expect(label("{{ steps['each-ip'].output }}").label).toBe("Each IP · output");
    expect(label("{{ steps.gone.output.x }}").label).toBe("gone · x");
  });

  it("names the trigger, loop items, variables and the run", () => {
    expect(label("{{ trigger.entities }}").label).toBe("Trigger · entities");
    expect(label("{{ item.Address }}").label).toBe("Current item · Address");
    expect(label("{{ items['each-ip'].Address }}").label).toBe("Each IP · current item · Address");
    expect(label("{{ vars.verdict }}").label).toBe("Variable · verdict");
    expect(label("{{ run.id }}").label).toBe("Run · id");
    expect(label("{{ trigger.alerts[0] }}").label).toBe("Trigger · 0");
  });

  it("names the picker's list of a field across items", () => {
    expect(label("{{ trigger.entities | map(attribute='Address') | list }}").label).toBe("Trigger · entities · each Address");
  });

  it("shows anything else as the expression itself, shortened", () => {
    expect(label("{{ item.score > 5 }}")).toEqual({ label: "item.score > 5", named: false });
    expect(label("{{ 'x' * 3 }}").named).toBe(false);
    expect(label(`{{ ${"a".repeat(60)} | upper }}`).label).toHaveLength(40);
  });
});
