import { describe, expect, it } from "vitest";
import { parseConnection, parseConnections, parseManifest, parseWorkspaceId } from "./api";

const STORED = {
  id: "c1",
  workspace_id: "ws_1",
  connector_id: "virustotal",
  name: "vt-main",
  fields: {},
  secret_fields_set: ["api_key"],
  status: "untested",
  status_reason: "",
  last_tested_at: null,
  created_at: "2024-01-01T00:00:00Z",
  updated_at: "2024-01-01T00:00:00Z",
};

describe("designer api parsers", () => {
  it("reads a manifest's connection fields and whether it can be tested", () => {
    const fields = { type: "object", properties: { api_key: { type: "string", writeOnly: true } } };
    const manifest = parseManifest({ id: "virustotal", name: "VirusTotal", actions: [], connection: { fields, auth: {}, test: {} } });
    expect(manifest.connection).toEqual({ fields, testable: true });
    expect(parseManifest({ id: "core", name: "Core", actions: [] }).connection).toBeNull();
    expect(() => parseManifest({ id: "x", name: "X", connection: { auth: {} } })).toThrow("response.connection.fields");
  });

  it("reads connections, which never carry secrets", () => {
    const expected = { id: "c1", name: "vt-main", connectorId: "virustotal", status: "untested", statusReason: "" };
    expect(parseConnection(STORED)).toEqual(expected);
    expect(parseConnections({ data: [STORED], total: 1 })).toEqual([expected]);
    expect(() => parseConnections({ data: [{ ...STORED, status: 3 }] })).toThrow("response.data[0].status");
  });

  it("reads the workspace of a playbook", () => {
    expect(parseWorkspaceId({ id: "pb", workspace_id: "ws_1" })).toBe("ws_1");
    expect(() => parseWorkspaceId({ id: "pb" })).toThrow("response.workspace_id");
  });
});
