import { afterEach, describe, expect, it, vi } from "vitest";
import {
  ApiError,
  apiRequest,
  filterQuery,
  needsCsrfToken,
  onSessionEnded,
  parseApiError,
  parsePlaybookList,
  parseRetryAfter,
  requestHeaders,
  setCsrfToken,
  toApiError,
} from "./api";

function rawPlaybook(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: "pb_1",
    workspace_id: "ws_1",
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
          workspaceId: "ws_1",
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

describe("filterQuery", () => {
  it("is empty when nothing is filtered", () => {
    expect(filterQuery({ nameContains: "", workspace: null })).toBe("");
  });

  it("holds the name filter and the workspace, encoded", () => {
    expect(filterQuery({ nameContains: "IP & host", workspace: "sec ops" })).toBe("?q=IP+%26+host&workspace=sec+ops");
    expect(filterQuery({ nameContains: "", workspace: "secops" })).toBe("?workspace=secops");
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
    expect(error.details).toEqual({ id: "pb_9" });
    expect(error.retryAfter).toBeNull();
  });

  it("prefers the Retry-After header for the wait", () => {
    const body = { error: { code: "rate_limited", message: "Slow down", details: { retry_after: 30 } } };
    expect(parseApiError(429, body, "42").retryAfter).toBe(42);
  });

  it("falls back to details.retry_after, rounded up, without a usable header", () => {
    const body = { error: { code: "rate_limited", message: "Slow down", details: { retry_after: 12.2 } } };
    expect(parseApiError(429, body).retryAfter).toBe(13);
    expect(parseApiError(429, body, "soon").retryAfter).toBe(13);
  });

  it.each([{ retry_after: "30" }, { retry_after: -1 }, {}])("ignores an unusable details.retry_after %#", (details) => {
    const body = { error: { code: "rate_limited", message: "Slow down", details } };
    expect(parseApiError(429, body).retryAfter).toBeNull();
  });

  it("keeps the Retry-After header of a body that is not an error envelope", () => {
    const error = parseApiError(429, "<html>Too many</html>", "5");
    expect(error.code).toBe("http_429");
    expect(error.retryAfter).toBe(5);
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

describe("parseRetryAfter", () => {
  it.each([
    ["0", 0],
    ["17", 17],
    [" 3 ", 3],
  ])("reads seconds from %j", (header, seconds) => {
    expect(parseRetryAfter(header)).toBe(seconds);
  });

  it.each([null, "", "-5", "1.5", "Wed, 21 Oct 2026 07:28:00 GMT"])("gives up on %j", (header) => {
    expect(parseRetryAfter(header)).toBeNull();
  });
});

describe("needsCsrfToken", () => {
  it.each(["POST", "PUT", "PATCH", "DELETE", "post", "delete"])("is needed for %s", (method) => {
    expect(needsCsrfToken(method)).toBe(true);
  });

  it.each(["GET", "HEAD", "OPTIONS", "get"])("is not needed for %s", (method) => {
    expect(needsCsrfToken(method)).toBe(false);
  });
});

describe("requestHeaders", () => {
  it("asks for JSON and sends no token on reads", () => {
    expect(requestHeaders("GET", false, "tok")).toEqual({ Accept: "application/json" });
  });

  it("sends the token and the body type on writes", () => {
    expect(requestHeaders("POST", true, "tok")).toEqual({
      Accept: "application/json",
      "Content-Type": "application/json",
      "X-CSRF-Token": "tok",
    });
    expect(requestHeaders("DELETE", false, "tok")).toEqual({ Accept: "application/json", "X-CSRF-Token": "tok" });
  });

  it("sends no token header when there is no token", () => {
    expect(requestHeaders("POST", true, null)).not.toHaveProperty("X-CSRF-Token");
  });
});

describe("apiRequest", () => {
  const calls: { url: string; init: RequestInit }[] = [];

  function answer(status: number, body?: unknown, headers: Record<string, string> = {}): void {
    vi.stubGlobal("fetch", (url: string, init: RequestInit) => {
      calls.push({ url, init });
      const text = body === undefined ? null : JSON.stringify(body);
      return Promise.resolve(new Response(text, { status, headers }));
    });
  }

  const unauthenticated = { error: { code: "unauthenticated", message: "Sign in first", details: {} } };

  afterEach(() => {
    vi.unstubAllGlobals();
    calls.length = 0;
    setCsrfToken(null);
  });

  it("sends the session cookie, the CSRF token on writes and the body as JSON", async () => {
    answer(201, { ok: true });
    setCsrfToken("tok-1");
    const result = await apiRequest("/api/v1/things", { method: "POST", body: { a: 1 }, parse: (body) => body });
    expect(result).toEqual({ ok: true });
    const { url, init } = calls[0]!;
    expect(url).toBe("/api/v1/things");
    expect(init.method).toBe("POST");
    expect(init.credentials).toBe("same-origin");
    expect(init.body).toBe('{"a":1}');
    expect(init.headers).toMatchObject({ "X-CSRF-Token": "tok-1", "Content-Type": "application/json" });
  });

  it("does not send the token on reads", async () => {
    answer(200, {});
    setCsrfToken("tok-1");
    await apiRequest("/api/v1/things", { parse: (body) => body });
    expect(calls[0]!.init.headers).not.toHaveProperty("X-CSRF-Token");
  });

  it("reads a 204 as no body", async () => {
    answer(204);
    await expect(apiRequest("/x", { method: "DELETE", parse: (body) => body })).resolves.toBeUndefined();
  });

  it("throws the error envelope with the Retry-After header", async () => {
    answer(429, { error: { code: "rate_limited", message: "Slow down", details: {} } }, { "Retry-After": "9" });
    const error = await apiRequest("/x", { parse: (body) => body }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ code: "rate_limited", status: 429, retryAfter: 9 });
  });

  it("reports a malformed success body as invalid_response, naming the request", async () => {
    answer(200, { data: "nope" });
    await expect(apiRequest("/api/v1/playbooks", { parse: parsePlaybookList })).rejects.toMatchObject({
      code: "invalid_response",
      message: "Unexpected response from GET /api/v1/playbooks: response.data should be an array, got \"nope\"",
    });
  });

  it("ends the session on a 401 and forgets the token", async () => {
    const ended = vi.fn();
    const unsubscribe = onSessionEnded(ended);
    setCsrfToken("tok-1");
    answer(401, unauthenticated);
    await expect(apiRequest("/x", { parse: (body) => body })).rejects.toMatchObject({ status: 401 });
    expect(ended).toHaveBeenCalledTimes(1);

    answer(200, {});
    await apiRequest("/x", { method: "POST", parse: (body) => body });
    expect(calls[1]!.init.headers).not.toHaveProperty("X-CSRF-Token");
    unsubscribe();
  });

  it("leaves the session alone on a 401 where one is expected", async () => {
    const ended = vi.fn();
    const unsubscribe = onSessionEnded(ended);
    answer(401, unauthenticated);
    await expect(apiRequest("/x", { parse: (body) => body, sessionRequired: false })).rejects.toMatchObject({
      code: "unauthenticated",
    });
    expect(ended).not.toHaveBeenCalled();
    unsubscribe();
  });

  it("does not end the session on other errors", async () => {
    const ended = vi.fn();
    const unsubscribe = onSessionEnded(ended);
    answer(403, { error: { code: "csrf_failed", message: "Bad token", details: {} } });
    await expect(apiRequest("/x", { method: "POST", parse: (body) => body })).rejects.toMatchObject({
      code: "csrf_failed",
    });
    expect(ended).not.toHaveBeenCalled();
    unsubscribe();
  });
});
