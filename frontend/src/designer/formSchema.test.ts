import { describe, expect, it } from "vitest";
import { cleanInputs, formSchema } from "./formSchema";

describe("formSchema", () => {
  it("keeps titles, help, required marks and enums, and drops what would refuse an expression", () => {
    const schema = formSchema({
      type: "object",
      required: ["ip"],
      additionalProperties: false,
      properties: {
        ip: {
          type: "string",
          title: "IP address",
          description: "The address to look up.",
          maxLength: 45,
          anyOf: [{ format: "ipv4" }, { format: "ipv6" }],
        },
        severity: { type: "string", enum: ["low", "high"], default: "low" },
      },
    });
    expect(schema).toEqual({
      type: "object",
      required: ["ip"],
      properties: {
        ip: { type: "string", title: "IP address", description: "The address to look up." },
        severity: { type: "string", enum: ["low", "high"], default: "low" },
      },
    });
  });

  it("makes a field of any type a text field", () => {
    const schema = formSchema({ type: "object", properties: { value: { title: "Value" } } });
    expect(schema.properties).toEqual({ value: { type: "string", title: "Value" } });
  });

  it("follows arrays and nested objects", () => {
    const schema = formSchema({
      type: "object",
      properties: { tags: { type: "array", items: { type: "string", pattern: "^x" } }, extra: { properties: {} } },
    });
    expect(schema.properties).toEqual({
      tags: { type: "array", items: { type: "string" } },
      extra: { type: "object", properties: {} },
    });
  });
});

describe("cleanInputs", () => {
  it("drops undefined keys at any depth", () => {
    expect(cleanInputs({ a: "x", b: undefined, c: { d: undefined, e: 1 } })).toEqual({ a: "x", c: { e: 1 } });
  });
});
