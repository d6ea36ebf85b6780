// Pages by URL with the history API: every page has an address that survives a reload and can be
// shared. The server answers every non-API path with index.html (backend/soarflow/web.py).

import { useSyncExternalStore } from "react";

export type Route =
  | { page: "playbooks" }
  | { page: "designer"; playbookId: string }
  | { page: "incidents" }
  | { page: "incident"; incidentId: string }
  | { page: "alerts" }
  | { page: "automation" }
  /** The form of one automation rule; a null id is a new rule. */
  | { page: "automation-rule"; ruleId: string | null }
  | { page: "runs" }
  /** A run drawn on its playbook's canvas. */
  | { page: "run"; runId: string }
  /** One playbook's runs, with charts of the last 30 days. */
  | { page: "playbook-runs"; playbookId: string }
  /** The signed-in user's approval requests. */
  | { page: "approvals" }
  /** One request opened from the link an approver was sent; the token is the credential. */
  | { page: "approval-link"; token: string }
  /** Every connection the user can see, with its status and the playbooks using it. */
  | { page: "connections" }
  /** The gallery of built-in templates, each made into a new playbook by a wizard. */
  | { page: "templates" }
  | { page: "not-found" };

/** The one path segment after a prefix (`/incidents/<id>`), decoded; null if the path is another. */
function segmentAfter(prefix: string, path: string): string | null {
  if (!path.startsWith(prefix)) return null;
  const rest = path.slice(prefix.length);
  if (rest === "" || rest.includes("/")) return null;
  try {
    return decodeURIComponent(rest);
  } catch {
    return null;
  }
}

/** The page a path shows. */
export function parseRoute(pathname: string): Route {
  const path = pathname.replace(/\/+$/, "") || "/";
  if (path === "/") return { page: "playbooks" };
  if (path === INCIDENTS_PATH) return { page: "incidents" };
  if (path === ALERTS_PATH) return { page: "alerts" };
  if (path === AUTOMATION_PATH) return { page: "automation" };
  if (path === NEW_AUTOMATION_RULE_PATH) return { page: "automation-rule", ruleId: null };
  if (path === RUNS_PATH) return { page: "runs" };
  if (path === APPROVALS_PATH) return { page: "approvals" };
  if (path === CONNECTIONS_PATH) return { page: "connections" };
  if (path === TEMPLATES_PATH) return { page: "templates" };
  const token = segmentAfter(APPROVAL_LINK_PREFIX, path);
  if (token !== null) return { page: "approval-link", token };
  const runId = segmentAfter(`${RUNS_PATH}/`, path);
  if (runId !== null) return { page: "run", runId };
  if (path.endsWith(PLAYBOOK_RUNS_SUFFIX)) {
    const ofRuns = segmentAfter("/playbooks/", path.slice(0, -PLAYBOOK_RUNS_SUFFIX.length));
    if (ofRuns !== null) return { page: "playbook-runs", playbookId: ofRuns };
  }
  const playbookId = segmentAfter("/playbooks/", path);
  if (playbookId !== null) return { page: "designer", playbookId };
  const incidentId = segmentAfter(`${INCIDENTS_PATH}/`, path);
  if (incidentId !== null) return { page: "incident", incidentId };
  const ruleId = segmentAfter(`${AUTOMATION_PATH}/`, path);
  if (ruleId !== null) return { page: "automation-rule", ruleId };
  return { page: "not-found" };
}

export function designerPath(playbookId: string): string {
  return `/playbooks/${encodeURIComponent(playbookId)}`;
}

export const PLAYBOOKS_PATH = "/";
export const INCIDENTS_PATH = "/incidents";
export const ALERTS_PATH = "/alerts";
export const AUTOMATION_PATH = "/automation";
export const NEW_AUTOMATION_RULE_PATH = "/automation/new";
export const RUNS_PATH = "/runs";
const PLAYBOOK_RUNS_SUFFIX = "/runs";
export const APPROVALS_PATH = "/approvals";
export const CONNECTIONS_PATH = "/connections";
export const TEMPLATES_PATH = "/templates";
const APPROVAL_LINK_PREFIX = "/approve/";

/** The runs about one alert: the runs list filtered to it. */
export function alertRunsPath(alertId: string): string {
  return `${RUNS_PATH}?${new URLSearchParams({ alert: alertId })}`;
}

export function playbookRunsPath(playbookId: string): string {
  return `${designerPath(playbookId)}${PLAYBOOK_RUNS_SUFFIX}`;
}

export function incidentPath(incidentId: string): string {
  return `${INCIDENTS_PATH}/${encodeURIComponent(incidentId)}`;
}

export function automationRulePath(ruleId: string): string {
  return `${AUTOMATION_PATH}/${encodeURIComponent(ruleId)}`;
}

/** A run's own page: a link a reviewer can paste into a ticket. */
export function runPath(runId: string): string {
  return `${RUNS_PATH}/${encodeURIComponent(runId)}`;
}

/** The page an approver's e-mail or Slack message links to. */
export function approvalLinkPath(token: string): string {
  return `${APPROVAL_LINK_PREFIX}${encodeURIComponent(token)}`;
}

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
