// The addresses of the incidents and alerts lists and of an incident's tabs. Like the playbooks
// list, a list keeps its filter in the address in the API's own words (`?status=new&owner=bob`),
// so a reload or a shared link shows the same rows and nothing needs translating.

/** Rows per page on the lists. */
export const PAGE_SIZE = 50;

export interface IncidentFilter {
  status: string | null;
  severity: string | null;
  owner: string | null;
  /** Part of the title. */
  q: string | null;
  /** Rows skipped: the page of the list. */
  offset: number;
}

export interface AlertFilter {
  severity: string | null;
  offset: number;
}

export const NO_INCIDENT_FILTER: IncidentFilter = { status: null, severity: null, owner: null, q: null, offset: 0 };

function text(params: URLSearchParams, name: string): string | null {
  return params.get(name)?.trim() || null;
}

function offset(params: URLSearchParams): number {
  const raw = params.get("offset") ?? "";
  return /^\d{1,9}$/.test(raw) ? Number(raw) : 0;
}

export function readIncidentFilter(search: string): IncidentFilter {
  const params = new URLSearchParams(search);
  return {
    status: text(params, "status"),
    severity: text(params, "severity"),
    owner: text(params, "owner"),
    q: text(params, "q"),
    offset: offset(params),
  };
}

export function readAlertFilter(search: string): AlertFilter {
  const params = new URLSearchParams(search);
  return { severity: text(params, "severity"), offset: offset(params) };
}

/** The query of a filter (`?severity=high&offset=50`), "" when it filters nothing. */
export function filterQuery(filter: IncidentFilter | AlertFilter): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(filter)) {
    if (name === "offset") continue;
    if (typeof value === "string" && value !== "") params.set(name, value);
  }
  if (filter.offset > 0) params.set("offset", String(filter.offset));
  const query = params.toString();
  return query === "" ? "" : `?${query}`;
}

/** The same filter as the API takes it, with the page size. */
export function apiQuery(filter: IncidentFilter | AlertFilter): string {
  const query = filterQuery(filter);
  return `${query === "" ? "?" : `${query}&`}limit=${PAGE_SIZE}`;
}

export function isFiltered(filter: IncidentFilter | AlertFilter): boolean {
  return Object.entries(filter).some(([name, value]) => name !== "offset" && value !== null);
}

/** "1–50 of 120", for lists longer than a page. */
export function rangeText(offsetValue: number, shown: number, total: number): string {
  if (shown === 0) return `0 of ${total}`;
  return `${offsetValue + 1}–${offsetValue + shown} of ${total}`;
}

export const INCIDENT_TABS = ["alerts", "entities", "comments", "timeline", "runs"] as const;
export type IncidentTab = (typeof INCIDENT_TABS)[number];

export function readTab(search: string): IncidentTab {
  const wanted = new URLSearchParams(search).get("tab");
  return INCIDENT_TABS.find((tab) => tab === wanted) ?? "alerts";
}

/** The query of a tab; the first one is the default and needs none. */
export function tabQuery(tab: IncidentTab): string {
  return tab === "alerts" ? "" : `?tab=${tab}`;
}
