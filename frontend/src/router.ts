// Pages by URL with the history API: every page has an address that survives a reload and can be
// shared. The server answers every non-API path with index.html (backend/soarflow/web.py).

import { useSyncExternalStore } from "react";

export type Route = { page: "playbooks" } | { page: "designer"; playbookId: string } | { page: "not-found" };

/** The page a path shows. */
export function parseRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, "") || "/";
  if (path === "/") return { page: "playbooks" };
  const designer = /^\/playbooks\/([^/]+)$/.exec(path);
  if (designer !== null) {
    try {
      return { page: "designer", playbookId: decodeURIComponent(designer[1] as string) };
    } catch {
      return { page: "not-found" };
    }
  }
  return { page: "not-found" };
}

export function designerPath(playbookId: string): string {
  return `/playbooks/${encodeURIComponent(playbookId)}`;
}

export const PLAYBOOKS_PATH = "/";

// pushState fires no event of its own; this one tells subscribers the path changed.
const NAVIGATED = "soarflow:navigated";

/** Asked before leaving a page in the app; false keeps the user where they are. */
let leaveGuard: (() => boolean) | null = null;

/** Installs a check run before in-app navigation (e.g. unsaved changes); returns its removal. */
export function guardNavigation(guard: () => boolean): () => void {
  leaveGuard = guard;
  return () => {
    if (leaveGuard === guard) leaveGuard = null;
  };
}

/** Goes to a path, which may carry a query (`/?q=ip`); going where the user already is does nothing. */
export function navigate(path: string, { replace = false }: { replace?: boolean } = {}): void {
  if (path === window.location.pathname + window.location.search) return;
  if (leaveGuard !== null && !leaveGuard()) return;
  if (replace) window.history.replaceState(null, "", path);
  else window.history.pushState(null, "", path);
  window.dispatchEvent(new Event(NAVIGATED));
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener("popstate", onChange);
  window.addEventListener(NAVIGATED, onChange);
  return () => {
    window.removeEventListener("popstate", onChange);
    window.removeEventListener(NAVIGATED, onChange);
  };
}

function currentPath(): string {
  return window.location.pathname;
}

/** The current path, re-rendering on navigation and on the browser's back and forward. */
export function usePathname(): string {
  return useSyncExternalStore(subscribe, currentPath);
}

function currentSearch(): string {
  return window.location.search;
}

/** The query of the current address (`?q=ip` or ""), re-rendering when it changes. */
export function useSearch(): string {
  return useSyncExternalStore(subscribe, currentSearch);
}
