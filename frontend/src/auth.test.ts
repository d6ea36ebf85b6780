import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, onSessionEnded } from "./api";
import { fetchMe, parseMe, parseSignedIn, signIn, signInErrorMessage, signOut, userLabel } from "./auth";

function rawMe(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    user: { id: "u_1", name: "alice", display_name: "Alice Liddell" },
    auth: "session",
    csrf_token: "csrf-1",
    workspaces: [{ id: "ws_1", name: "Default", role: "owner", permissions: ["playbooks.read", "playbooks.write"] }],
    ...overrides,
  };
}

describe("parseMe", () => {
  it("maps a well-formed response", () => {
    expect(parseMe(rawMe())).toEqual({
      user: { id: "u_1", name: "alice", displayName: "Alice Liddell" },
      auth: "session",
      csrfToken: "csrf-1",
      workspaces: [{ id: "ws_1", name: "Default", role: "owner", permissions: ["playbooks.read", "playbooks.write"] }],
    });
  });

  it("accepts token sign-in without a CSRF token and without workspaces", () => {
    const me = parseMe(rawMe({ auth: "token", csrf_token: null, workspaces: [] }));
    expect(me.auth).toBe("token");
    expect(me.csrfToken).toBeNull();
    expect(me.workspaces).toEqual([]);
  });

  it("keeps a way of signing in it does not know", () => {
    expect(parseMe(rawMe({ auth: "oidc" })).auth).toBe("oidc");
  });

  it("reads a null display name as none", () => {
    const me = parseMe(rawMe({ user: { id: "u_1", name: "alice", display_name: null } }));
    expect(me.user.displayName).toBe("");
  });

  it.each([
    [null, "response should be an object, got null"],
    [rawMe({ user: undefined }), "response.user should be an object, got nothing"],
    [rawMe({ user: { id: "u_1", display_name: "A" } }), "response.user.name should be a string, got nothing"],
    [rawMe({ user: { id: 1, name: "a", display_name: "A" } }), "response.user.id should be a string, got a number"],
    [rawMe({ auth: undefined }), "response.auth should be a string, got nothing"],
    [rawMe({ csrf_token: 5 }), "response.csrf_token should be a string or null, got a number"],
    [rawMe({ workspaces: {} }), "response.workspaces should be an array, got an object"],
    [rawMe({ workspaces: ["ws_1"] }), 'response.workspaces[0] should be an object, got "ws_1"'],
    [
      rawMe({ workspaces: [{ id: "ws_1", name: "Default", permissions: [] }] }),
      "response.workspaces[0].role should be a string, got nothing",
    ],
    [
      rawMe({ workspaces: [{ id: "ws_1", name: "Default", role: "owner", permissions: ["a", 2] }] }),
      "response.workspaces[0].permissions[1] should be a string, got a number",
    ],
  ])("names the offending field %#", (body, message) => {
    expect(() => parseMe(body)).toThrow(message);
  });
});

describe("parseSignedIn", () => {
  const user = { id: "u_1", name: "alice", display_name: "Alice Liddell" };

  it("maps a well-formed response", () => {
    expect(parseSignedIn({ user, csrf_token: "csrf-2" })).toEqual({
      user: { id: "u_1", name: "alice", displayName: "Alice Liddell" },
      csrfToken: "csrf-2",
    });
  });

  it.each([
    [{ user, csrf_token: null }, "response.csrf_token should be a string, got null"],
    [{ csrf_token: "x" }, "response.user should be an object, got nothing"],
    [[], "response should be an object, got an array"],
  ])("rejects a malformed response %#", (body, message) => {
    expect(() => parseSignedIn(body)).toThrow(message);
  });
});

describe("userLabel", () => {
  it("prefers the display name", () => {
    expect(userLabel({ id: "u_1", name: "alice", displayName: "Alice Liddell" })).toBe("Alice Liddell");
  });

  it.each(["", "   "])("falls back to the user name for the display name %j", (displayName) => {
    expect(userLabel({ id: "u_1", name: "alice", displayName })).toBe("alice");
  });
});

describe("signInErrorMessage", () => {
  it("says the credentials are wrong without saying which", () => {
    const error = new ApiError("invalid_credentials", "Invalid user name or password", 401);
    expect(signInErrorMessage(error)).toBe("Wrong user name or password.");
  });

  it("says how long to wait when rate limited", () => {
    expect(signInErrorMessage(new ApiError("rate_limited", "Slow down", 429, { retryAfter: 30 }))).toBe(
      "Too many failed sign-ins. Try again in 30 seconds.",
    );
    expect(signInErrorMessage(new ApiError("rate_limited", "Slow down", 429, { retryAfter: 1 }))).toBe(
      "Too many failed sign-ins. Try again in 1 second.",
    );
    expect(signInErrorMessage(new ApiError("rate_limited", "Slow down", 429, { retryAfter: 900 }))).toBe(
      "Too many failed sign-ins. Try again in 15 minutes.",
    );
  });

  it("still explains a rate limit that gives no wait", () => {
    expect(signInErrorMessage(new ApiError("rate_limited", "Slow down", 429))).toBe(
      "Too many failed sign-ins. Try again later.",
    );
  });

  it.each([
    new ApiError("invalid_body", "username should be a string", 400),
    new ApiError("unsupported_media_type", "Send JSON", 415),
    new ApiError("network_error", "Could not reach the server: Failed to fetch"),
  ])("shows any other error as the API says it %#", (error) => {
    expect(signInErrorMessage(error)).toBe(error.message);
  });
});

describe("session requests", () => {
  const calls: { url: string; init: RequestInit }[] = [];

  /** Answers the next requests in order, one response each. */
  function answer(...responses: [number, unknown?][]): void {
    calls.length = 0;
    vi.stubGlobal("fetch", (url: string, init: RequestInit) => {
      calls.push({ url, init });
      const [status, body] = responses[calls.length - 1] ?? [500];
      return Promise.resolve(new Response(body === undefined ? null : JSON.stringify(body), { status }));
    });
  }

  const lastHeaders = () => calls[calls.length - 1]!.init.headers;

  afterEach(async () => {
    answer([204]); // forgets the CSRF token for the next test
    await signOut();
    vi.unstubAllGlobals();
  });

  it("signs in with a JSON body and uses the new token for the next write", async () => {
    answer([200, { user: rawMe()["user"], csrf_token: "csrf-login" }], [204]);
    const user = await signIn("alice", "correct horse");
    expect(user.name).toBe("alice");
    expect(calls[0]!.url).toBe("/api/v1/auth/login");
    expect(JSON.parse(calls[0]!.init.body as string)).toEqual({ username: "alice", password: "correct horse" });

    await signOut();
    expect(calls[1]!.url).toBe("/api/v1/auth/logout");
    expect(calls[1]!.init.method).toBe("POST");
    expect(lastHeaders()).toMatchObject({ "X-CSRF-Token": "csrf-login" });
  });

  it("takes the token from /auth/me", async () => {
    answer([200, rawMe({ csrf_token: "csrf-me" })], [204]);
    await fetchMe();
    await signOut();
    expect(lastHeaders()).toMatchObject({ "X-CSRF-Token": "csrf-me" });
  });

  it("does not treat wrong credentials or a signed-out visitor as an ended session", async () => {
    const ended = vi.fn();
    const unsubscribe = onSessionEnded(ended);
    answer(
      [401, { error: { code: "invalid_credentials", message: "Nope", details: {} } }],
      [401, { error: { code: "unauthenticated", message: "Sign in", details: {} } }],
    );
    await expect(signIn("alice", "wrong")).rejects.toMatchObject({ code: "invalid_credentials" });
    await expect(fetchMe()).rejects.toMatchObject({ code: "unauthenticated" });
    expect(ended).not.toHaveBeenCalled();
    unsubscribe();
  });

  it("counts signing out of an ended session as signed out", async () => {
    answer([401, { error: { code: "unauthenticated", message: "Sign in", details: {} } }]);
    await expect(signOut()).resolves.toBeUndefined();
  });

  it("reports a failed sign-out", async () => {
    answer([403, { error: { code: "csrf_failed", message: "Bad token", details: {} } }]);
    await expect(signOut()).rejects.toMatchObject({ code: "csrf_failed" });
  });
});
