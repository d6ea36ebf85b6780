import { describe, expect, it } from "vitest";
import { ApiError } from "../api";
import type { Workspace } from "../auth";
import type { Connection } from "../designer/api";
import { JIRA, SEED, VT_IP, parameter } from "./testData";
import {
  NEW_CONNECTION,
  basicsProblems,
  connectionProblems,
  firstStepWithProblems,
  initialChoice,
  initialInput,
  initialWorkspace,
  readParameter,
  readParameters,
  refusalProblems,
  stepOfField,
  writableWorkspaces,
} from "./wizard";

function workspace(name: string, permissions: string[] = ["playbook.write"]): Workspace {
  return { id: `ws_${name}`, name, role: "owner", permissions };
}

function connection(name: string): Connection {
  return { id: `c_${name}`, name, connectorId: "virustotal", status: "untested", statusReason: "" };
}

describe("where a new playbook goes", () => {
  const spaces = [workspace("blue"), workspace("default"), workspace("red", ["playbook.read"])];

  it("only workspaces the user may write playbooks in are offered", () => {
    expect(writableWorkspaces(spaces).map((w) => w.name)).toEqual(["blue", "default"]);
  });

  it("the playbooks list's workspace first, else default, else the first", () => {
    const writable = writableWorkspaces(spaces);
    expect(initialWorkspace(writable, "blue")).toBe("ws_blue");
    expect(initialWorkspace(writable, "ws_blue")).toBe("ws_blue");
    expect(initialWorkspace(writable, "red")).toBe("ws_default");
    expect(initialWorkspace(writable, null)).toBe("ws_default");
    expect(initialWorkspace([workspace("blue")], null)).toBe("ws_blue");
    expect(initialWorkspace([], null)).toBe("");
  });

  it("needs a name of at most 200 characters and a workspace", () => {
    expect(basicsProblems("VT", "ws_1")).toEqual({});
    expect(basicsProblems("  ", "")).toEqual({ name: "Give the playbook a name.", workspace: "Choose a workspace." });
    expect(Object.keys(basicsProblems("x".repeat(201), "ws_1"))).toEqual(["name"]);
  });
});

describe("connections", () => {
  it("preselect the only one, a new one when there is none, nothing when there are several", () => {
    expect(initialChoice([connection("vt")])).toBe("vt");
    expect(initialChoice([])).toBe(NEW_CONNECTION);
    expect(initialChoice([connection("a"), connection("b")])).toBe("");
  });

  it("must each be chosen, a new one created first", () => {
    expect(connectionProblems(VT_IP.connections, { virustotal: "vt" })).toEqual({});
    expect(connectionProblems(SEED.connections, { mail: "smtp", firewall: NEW_CONNECTION })).toEqual({
      "connections.firewall": "Create the new connection, or choose an existing one.",
      "connections.entra-id": "Choose a connection, or create one.",
    });
  });
});

describe("parameters", () => {
  const threshold = parameter({ name: "n", type: "integer", default: 3, minimum: 1, maximum: 100 });
  const key = parameter({ name: "key", type: "string", default: "SOC", pattern: "^[A-Z][A-Z0-9_]*$" });
  const choice = parameter({ name: "kind", type: "string", default: "Full", enum: ["Full", "Selective"] });
  const approvers = SEED.parameters[0]!;
  const severities = JIRA.parameters[1]!;

  it("start from their defaults: numbers as text, lists one item per line unless ticked", () => {
    expect(initialInput(threshold)).toBe("3");
    expect(initialInput(approvers)).toBe("a@contoso.example\nb@contoso.example");
    expect(initialInput(severities)).toEqual(["high"]);
    expect(initialInput(parameter({ name: "on", type: "boolean", default: false }))).toBe(false);
  });

  it("read whole numbers within their bounds", () => {
    expect(readParameter(threshold, " 42 ")).toEqual({ value: 42 });
    expect(readParameter(threshold, "4.5")).toEqual({ problem: "Enter a whole number." });
    expect(readParameter(threshold, "")).toEqual({ problem: "Enter a whole number." });
    expect(readParameter(threshold, "0")).toEqual({ problem: "Enter at least 1." });
    expect(readParameter(threshold, "101")).toEqual({ problem: "Enter at most 100." });
  });

  it("read text that is not empty, one of the choices, in the expected form", () => {
    expect(readParameter(key, " SECOPS ")).toEqual({ value: "SECOPS" });
    expect(readParameter(key, "soc")).toEqual({ problem: "This is not in the form the description gives." });
    expect(readParameter(key, " ")).toEqual({ problem: "Fill this in." });
    expect(readParameter(choice, "Selective")).toEqual({ value: "Selective" });
    expect(readParameter(choice, "Half")).toEqual({ problem: "Choose one of Full, Selective." });
  });

  it("read lists from their lines, without blank ones, or from the ticked choices", () => {
    expect(readParameter(approvers, " ann@x.example \n\n  bob \n")).toEqual({ value: ["ann@x.example", "bob"] });
    expect(readParameter(approvers, "\n \n")).toEqual({ problem: "Enter at least one value, one per line." });
    expect(readParameter(severities, ["low", "high"])).toEqual({ value: ["low", "high"] });
    expect(readParameter(severities, [])).toEqual({ problem: "Choose at least one." });
  });

  it("read booleans from the box", () => {
    const on = parameter({ name: "on", type: "boolean", default: false });
    expect(readParameter(on, true)).toEqual({ value: true });
    expect(readParameter(on, false)).toEqual({ value: false });
  });

  it("are read together, each problem under its field, defaults where nothing was typed", () => {
    expect(readParameters(JIRA.parameters, { project_key: "soc" })).toEqual({
      values: { severities: ["high"] },
      problems: { "parameters.project_key": "This is not in the form the description gives." },
    });
    expect(readParameters(JIRA.parameters, {}).values).toEqual({ project_key: "SOC", severities: ["high"] });
  });
});

describe("the server's refusals", () => {
  it("go to the step their field is on, the earliest first", () => {
    expect(stepOfField("name")).toBe("basics");
    expect(stepOfField("connections.vt")).toBe("connections");
    expect(stepOfField("parameters.n")).toBe("parameters");
    expect(firstStepWithProblems({ "parameters.n": "x", "connections.vt": "y" })).toBe("connections");
    expect(firstStepWithProblems({})).toBeNull();
  });

  it("are read from the problems listed, as sentences, or from the one field named", () => {
    const listed = new ApiError("unknown_connection", "no connection 'vt' in this workspace", 422, {
      details: {
        field: "connections.virustotal",
        problems: [
          { code: "unknown_connection", field: "connections.virustotal", message: "no connection 'vt' in this workspace" },
          { code: "invalid_parameter", field: "parameters.n", message: "n must be a whole number" },
        ],
      },
    });
    expect(refusalProblems(listed)).toEqual({
      "connections.virustotal": "No connection 'vt' in this workspace.",
      "parameters.n": "N must be a whole number.",
    });
    const single = new ApiError("invalid_field", "name is text of 1 to 200 characters", 422, { details: { field: "name" } });
    expect(refusalProblems(single)).toEqual({ name: "Name is text of 1 to 200 characters." });
    expect(refusalProblems(new ApiError("not_found", "no workspace 'x'", 404))).toEqual({});
  });
});
