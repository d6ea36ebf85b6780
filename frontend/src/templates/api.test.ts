import { describe, expect, it } from "vitest";
import { parseTemplateList } from "./api";

const LISTED = {
  id: "jira_ticket_sync",
  title: "Open a Jira issue for each incident",
  description: "Creates a Jira issue.",
  scenario: "sync",
  connectors: ["soarflow", "jira"],
  connections: { jira: "jira" },
  parameters: [
    { name: "project_key", title: "Jira project key", description: "d", type: "string", default: "SOC", pattern: "^[A-Z]+$" },
    { name: "severities", title: "Severities", description: "d", type: "array", default: ["high"], enum: ["low", "high"] },
    { name: "n", title: "N", description: "d", type: "integer", default: 3, minimum: 1, maximum: null },
  ],
};

describe("templates api parsers", () => {
  it("reads the gallery's templates, connections as a list and absent rules as null", () => {
    const [template] = parseTemplateList({ data: [LISTED], total: 1 });
    expect(template?.connections).toEqual([{ name: "jira", connectorId: "jira" }]);
    expect(template?.parameters[0]).toEqual({
      name: "project_key",
      title: "Jira project key",
      description: "d",
      type: "string",
      default: "SOC",
      enum: null,
      minimum: null,
      maximum: null,
      pattern: "^[A-Z]+$",
    });
    expect(template?.parameters[1]?.enum).toEqual(["low", "high"]);
    expect(template?.parameters[2]?.minimum).toBe(1);
  });

  it("names where an answer is malformed", () => {
    const wrongType = { ...LISTED, parameters: [{ ...LISTED.parameters[0], type: "date" }] };
    expect(() => parseTemplateList({ data: [wrongType] })).toThrow("response.data[0].parameters[0].type");
    const wrongDefault = { ...LISTED, parameters: [{ ...LISTED.parameters[1], default: "high" }] };
    expect(() => parseTemplateList({ data: [wrongDefault] })).toThrow("response.data[0].parameters[0].default");
    expect(() => parseTemplateList({ data: [{ ...LISTED, connections: { jira: 1 } }] })).toThrow(
      "response.data[0].connections.jira",
    );
  });
});
