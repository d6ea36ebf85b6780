import { ApiError, apiRequest, setCsrfToken } from "./api";
import { fail, isObject, readArray, readNullableString, readObject, readString, readStringArray } from "./json";
import type { JsonObject } from "./json";

export interface User {
  id: string;
  name: string;
  /** May be empty; show {@link userLabel} rather than this. */
  displayName: string;
}

export interface Workspace {
  id: string;
  name: string;
  role: string;
  permissions: string[];
}

export interface Me {
  user: User;
  // "session" or "token" today; a plain string so that a new way of signing in does not lock
  // everyone out of the UI.
  auth: string;
  csrfToken: string | null;
  workspaces: Workspace[];
}

export interface SignedIn {
  user: User;
  csrfToken: string;
}

export const ME_URL = "/api/v1/auth/me";
export const LOGIN_URL = "/api/v1/auth/login";
export const LOGOUT_URL = "/api/v1/auth/logout";

export const SESSION_ENDED_NOTICE = "Your session ended. Sign in again.";

function parseUser(obj: JsonObject, path: string): User {
  const user = readObject(obj, "user", path);
  const userPath = `${path}.user`;
  return {
    id: readString(user, "id", userPath),
    name: readString(user, "name", userPath),
    // The contract says a string; null is read as "not set" rather than rejecting the session.
    displayName: readNullableString(user, "display_name", userPath) ?? "",
  };
}

function parseWorkspace(value: unknown, path: string): Workspace {
  if (!isObject(value)) fail(path, "an object", value);
  return {
    id: readString(value, "id", path),
    name: readString(value, "name", path),
    role: readString(value, "role", path),
    permissions: readStringArray(value, "permissions", path),
  };
}

export function parseMe(body: unknown): Me {
  if (!isObject(body)) fail("response", "an object", body);
  return {
    user: parseUser(body, "response"),
    auth: readString(body, "auth", "response"),
    csrfToken: readNullableString(body, "csrf_token", "response"),
    workspaces: readArray(body, "workspaces", "response").map((item, index) =>
      parseWorkspace(item, `response.workspaces[${index}]`),
    ),
  };
}

export function parseSignedIn(body: unknown): SignedIn {
  if (!isObject(body)) fail("response", "an object", body);
  return { user: parseUser(body, "response"), csrfToken: readString(body, "csrf_token", "response") };
}

/** The name to show for a user: the display name, or the user name when there is none. */
export function userLabel(user: User): string {
  return user.displayName.trim() || user.name;
}

/** A wait as people say it: seconds under two minutes, else whole minutes rounded up. */
export function waitText(seconds: number): string {
  if (seconds < 120) {
    return `${seconds} ${seconds === 1 ? "second" : "seconds"}`;
  }
  return `${Math.ceil(seconds / 60)} minutes`;
}

/** What the sign-in form says when signing in failed. */
export function signInErrorMessage(error: ApiError): string {
  switch (error.code) {
    case "invalid_credentials":
      return "Wrong user name or password.";
    case "rate_limited":
      return error.retryAfter === null
        ? "Too many failed sign-ins. Try again later."
        : `Too many failed sign-ins. Try again in ${waitText(error.retryAfter)}.`;
    default:
      return error.message;
  }
}

/** Who is signed in; rejects with a 401 ApiError when nobody is. */
export async function fetchMe(signal?: AbortSignal): Promise<Me> {
  const me = await apiRequest(ME_URL, { parse: parseMe, signal, sessionRequired: false });
  setCsrfToken(me.csrfToken);
  return me;
}

export async function signIn(username: string, password: string): Promise<User> {
  const result = await apiRequest(LOGIN_URL, {
    method: "POST",
    body: { username, password },
    parse: parseSignedIn,
    sessionRequired: false,
  });
  setCsrfToken(result.csrfToken);
  return result.user;
}

/** Ends the session; a session that has already ended counts as signed out. */
export async function signOut(): Promise<void> {
  try {
    await apiRequest(LOGOUT_URL, { method: "POST", parse: () => undefined, sessionRequired: false });
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) throw error;
  }
  setCsrfToken(null);
}
