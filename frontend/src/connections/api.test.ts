import { describe, expect, it } from "vitest";
import { parseDeleted, parseListedConnection, parseListedConnections } from "./api";

const ANSWER = {
  id: "c1",
  workspace_id: "ws1",
  connector_id: "virustotal",
  name: "vt-main",
  fields: {},
  secret_fields_set: ["api_key"],
  status: "error",
  status_reason: "http_401: bad key",
  last_tested_at: "2026-03-01T10:00:00Z",
  created_at: "2026-03-01T09:00:00Z",
  updated_at: "2026-03-01T09:00:00Z",
  used_by: [{ id: "p1", name: "Enrich IPs", enabled: true }],
};

describe("reading connections", () => {
  it("reads a connection with the playbooks using it", () => {
    expect(parseListedConnections({ data: [ANSWER], total: 1 })).toEqual([
      {
        id: "c1",
        workspaceId: "ws1",
        connectorId: "virustotal",
        name: "vt-main",
        fields: {},
        secretFieldsSet: ["api_key"],
        status: "error",
        statusReason: "http_401: bad key",
        lastTestedAt: "2026-03-01T10:00:00Z",
        usedBy: [{ id: "p1", name: "Enrich IPs", enabled: true }],
      },
    ]);
  });

  it("takes a connection never tested", () => {
    expect(parseListedConnection({ ...ANSWER, last_tested_at: null }).lastTestedAt).toBeNull();
  });

  it("names what is malformed", () => {
    expect(() => parseListedConnection({ ...ANSWER, last_tested_at: "yesterday" })).toThrow(
      "response.last_tested_at should be an ISO-8601 timestamp or null",
    );
    expect(() => parseListedConnection({ ...ANSWER, used_by: [{ id: "p1", name: "x" }] })).toThrow(
      "response.used_by[0].enabled should be a boolean",
    );
  });

  it("reads what a bulk delete did", () => {
    expect(parseDeleted({ deleted: ["c1"], not_found: ["nope"] })).toEqual({ deleted: ["c1"], notFound: ["nope"] });
  });
});
