// The address of the runs lists. Like the incidents list, the filter lives in the query in the
// API's own words (`?status=failed&playbook=<id>`), except the time range: the address keeps
// `range=24h` rather than a `since` moment, so that a bookmark shows the last day whenever it is
// opened, not the day it was saved.

import { PAGE_SIZE } from "../incidents/listing";

export interface RunFilter {
  status: string | null;
  /** A playbook id. */
  playbook: string | null;
  /** One of TIME_RANGES' values; null for all time. */
  range: string | null;
  /** The incident or alert the runs are about (an incident's or alert's runs). */
  incident: string | null;
  alert: string | null;
  /** Rows skipped: the page of the list. */
  offset: number;
}

export const NO_RUN_FILTER: RunFilter = {
  status: null,
  playbook: null,
  range: null,
  incident: null,
  alert: null,
  offset: 0,
};

/** The filters kept in the address and the API's query under the same name. */
const PLAIN_FILTERS = ["status", "playbook", "incident", "alert"] as const;

export const RUN_STATUSES = ["queued", "running", "waiting", "succeeded", "failed", "cancelled"] as const;

const HOUR_MS = 60 * 60 * 1000;

export const TIME_RANGES = [
  { value: "24h", label: "Last 24 hours", ms: 24 * HOUR_MS },
  { value: "7d", label: "Last 7 days", ms: 7 * 24 * HOUR_MS },
  { value: "30d", label: "Last 30 days", ms: 30 * 24 * HOUR_MS },
] as const;

function text(params: URLSearchParams, name: string): string | null {
  return params.get(name)?.trim() || null;
}

function offset(params: URLSearchParams): number {
  const raw = params.get("offset") ?? "";
  return /^\d{1,9}$/.test(raw) ? Number(raw) : 0;
}

function rangeMs(range: string | null): number | null {
  return TIME_RANGES.find((known) => known.value === range)?.ms ?? null;
}

export function readRunFilter(search: string): RunFilter {
  const params = new URLSearchParams(search);
  const range = text(params, "range");
  return {
    status: text(params, "status"),
    playbook: text(params, "playbook"),
    incident: text(params, "incident"),
    alert: text(params, "alert"),
    // An unknown range would list every run while the address claims otherwise.
    range: rangeMs(range) === null ? null : range,
    offset: offset(params),
  };
}

/** The query of a filter in the address (`?status=failed&range=7d`), "" when it filters nothing. */
export function runFilterQuery(filter: RunFilter): string {
  const params = plainParams(filter);
  if (filter.range !== null) params.set("range", filter.range);
  if (filter.offset > 0) params.set("offset", String(filter.offset));
  const query = params.toString();
  return query === "" ? "" : `?${query}`;
}

/** The same filter as the API takes it: the range as the moment it starts, and the page. */
export function runsApiQuery(filter: RunFilter, now: Date): string {
  const params = plainParams(filter);
  const span = rangeMs(filter.range);
  if (span !== null) params.set("since", new Date(now.getTime() - span).toISOString());
  if (filter.offset > 0) params.set("offset", String(filter.offset));
  params.set("limit", String(PAGE_SIZE));
  return `?${params.toString()}`;
}

function plainParams(filter: RunFilter): URLSearchParams {
  const params = new URLSearchParams();
  for (const name of PLAIN_FILTERS) {
    const value = filter[name];
    if (value !== null) params.set(name, value);
  }
  return params;
}

/** Whether anything narrows the list, paging aside. */
export function isFiltered(filter: RunFilter): boolean {
  return filter.range !== null || PLAIN_FILTERS.some((name) => filter[name] !== null);
}
