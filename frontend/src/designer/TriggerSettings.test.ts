import { describe, expect, it } from "vitest";
import { splitParams } from "./TriggerSettings";

describe("splitParams", () => {
  it("edits a schedule's settings in the generated form", () => {
    const schema = { type: "object", properties: { cron: { type: "string" }, time_zone: { type: "string" } } };
    expect(splitParams(schema)).toEqual({ form: schema, schemas: [] });
  });

  it("edits a param that is itself a JSON Schema as JSON", () => {
    const schema = { type: "object", properties: { inputs: { type: "object", title: "Inputs" } } };
    expect(splitParams(schema)).toEqual({ form: null, schemas: ["inputs"] });
  });

  it("keeps an object param that names its fields in the form", () => {
    const schema = { type: "object", properties: { auth: { type: "object", properties: { user: { type: "string" } } } } };
    expect(splitParams(schema).schemas).toEqual([]);
  });
});
