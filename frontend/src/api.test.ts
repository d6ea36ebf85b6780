import { describe, expect, it } from "vitest";
import { ApiError, parseApiError, parsePlaybookList, toApiError } from "./api";

function rawPlaybook(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "pb_1",
    name: "Phishing triage",
    description: "Enrich and route reported phishing mails",
    enabled: true,
    valid: false,
    problem_count: 2,
    trigger_kind: "uses_incident_action",
    runs_count: 17,
    updated_at: "2026-03-10T11:58:00Z",
    version: 3,
    ...overrides,
  };
}

describe("parsePlaybookList", () => {
  it("maps a well-formed response to camelCase summaries", () => {
    const list = parsePlaybookList({ data: [rawPlaybook()], total: 1, next: null });
    expect(list).toEqual({
      data: [
        {
          id: "pb_1",
          name: "Phishing triage",
          description: "Enrich and route reported phishing mails",
          enabled: true,
          valid: false,
          problemCount: 2,
          triggerKind: "uses_incident_action",
          runsCount: 17,
          updatedAt: "2026-03-10T11:58:00Z",
          version: 3,
        },
      ],
      total: 1,
      next: null,
    });
  });

  it("keeps the next cursor and ignores unknown fields", () => {
    const list = parsePlaybookList({
      data: [rawPlaybook({ extra: "ignored" })],
      total: 40,
      next: "cursor-2",
      meta: {},
    });
    expect(list.next).toBe("cursor-2");
    expect(list.total).toBe(40);
    expect(list.data[0]).not.toHaveProperty("extra");
  });

  it("keeps a trigger kind it does not know instead of rejecting the list", () => {
    const list = parsePlaybookList({ data: [rawPlaybook({ trigger_kind: "webhook" })], total: 1, next: null });
    expect(list.data[0]?.triggerKind).toBe("webhook");
  });

  it("accepts an empty list", () => {
    expect(parsePlaybookList({ data: [], total: 0, next: null })).toEqual({ data: [], total: 0, next: null });
  });

  it.each([
    [undefined, "response should be an object, got nothing"],
    [[], "response should be an object, got an array"],
    [{ total: 0, next: null }, "response.data should be an array, got nothing"],
    [{ data: [], next: null }, "response.total should be a non-negative integer, got nothing"],
    [{ data: [], total: 0, next: 5 }, "response.next should be a string or null, got a number"],
    [{ data: [null], total: 1, next: null }, "response.data[0] should be an object, got null"],
  ])("rejects a malformed envelope %#", (body, message) => {
    expect(() => parsePlaybookList(body)).toThrow(message);
  });

  it.each([
    [{ name: 42 }, "response.data[1].name should be a string, got a number"],
    [{ enabled: "yes" }, 'response.data[1].enabled should be a boolean, got "yes"'],
    [{ problem_count: -1 }, "response.data[1].problem_count should be a non-negative integer"],
    [{ runs_count: 1.5 }, "response.data[1].runs_count should be a non-negative integer"],
    [{ trigger_kind: 7 }, "response.data[1].trigger_kind should be a string, got a number"],
    [{ updated_at: "yesterday" }, 'response.data[1].updated_at should be an ISO-8601 timestamp, got "yesterday"'],
    [{ version: undefined }, "response.data[1].version should be a non-negative integer, got nothing"],
  ])("names the offending field of a malformed playbook %#", (overrides, message) => {
    const body = { data: [rawPlaybook(), rawPlaybook(overrides)], total: 2, next: null };
    expect(() => parsePlaybookList(body)).toThrow(message);
  });
});

describe("parseApiError", () => {
  it("reads the API error envelope", () => {
    const error = parseApiError(404, {
      error: { code: "not_found", message: "Playbook not found", details: { id: "pb_9" } },
    });
    expect(error).toBeInstanceOf(ApiError);
    expect(error.code).toBe("not_found");
    expect(error.message).toBe("Playbook not found");
    expect(error.status).toBe(404);
  });

  it.each([undefined, "<html>Bad gateway</html>", { error: "boom" }, { error: { code: 1, message: "x" } }])(
    "falls back to the HTTP status for a body that is not an error envelope %#",
    (body) => {
      const error = parseApiError(502, body);
      expect(error.code).toBe("http_502");
      expect(error.message).toBe("The server answered with HTTP 502.");
      expect(error.status).toBe(502);
    },
  );
});

describe("toApiError", () => {
  it("passes an ApiError through unchanged", () => {
    const original = new ApiError("conflict", "Version mismatch", 409);
    expect(toApiError(original)).toBe(original);
  });

  it("reports anything else as a network error", () => {
    const error = toApiError(new TypeError("Failed to fetch"));
    expect(error.code).toBe("network_error");
    expect(error.message).toBe("Could not reach the server: Failed to fetch");
    expect(error.status).toBeNull();
  });
});
