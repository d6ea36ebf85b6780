// The words the runs pages show: how a run started, how long it took, what a chart's day holds.

import { durationText } from "../format";
import { ACTIVE_RUN_STATUSES, runStatusLabel, runTriggerLabel } from "../incidents/model";
import type { RunCounts, RunDay, RunSummary } from "./api";
import { DAY_STATUSES, dayTotal } from "./charts";

/** How long a run took; for one still going, how long so far. Null before it started. */
export function runDurationText(run: RunSummary, now: Date): string | null {
  // Whole milliseconds from the server: "0 ms" would read as if the run never ran.
  if (run.durationMs !== null) return run.durationMs < 1 ? "< 1 ms" : durationText(run.durationMs);
  if (run.startedAt === null || !ACTIVE_RUN_STATUSES.has(run.status)) return null;
  return `${durationText(Math.max(0, now.getTime() - Date.parse(run.startedAt)))} so far`;
}

/** What started a run, for a person: "Automation rule ‘Tag phishing’", "Manual, by alice". */
export function triggerText(run: RunSummary): string {
  if (run.triggerType === "automation") {
    return run.ruleName === null ? "Automation rule" : `Automation rule ‘${run.ruleName}’`;
  }
  if (run.triggerType === "manual" && run.startedByName !== null) return `Manual, by ${run.startedByName}`;
  return runTriggerLabel(run.triggerType);
}

export function runCountText(count: number): string {
  return `${count.toLocaleString("en-US")} ${count === 1 ? "run" : "runs"}`;
}

// The stats' days are UTC dates; read in the browser's zone, Nov 28 could become Nov 27.
const shortDay = new Intl.DateTimeFormat("en-US", { month: "short", day: "numeric", timeZone: "UTC" });
const longDay = new Intl.DateTimeFormat("en-US", { dateStyle: "medium", timeZone: "UTC" });

/** "Nov 28", under a chart's bar. */
export function shortDayText(date: string): string {
  return shortDay.format(new Date(`${date}T00:00:00Z`));
}

/** "Nov 28, 2026", in a bar's tooltip. */
export function longDayText(date: string): string {
  return longDay.format(new Date(`${date}T00:00:00Z`));
}

/**
 * "2 succeeded, 1 failed": the statuses a day or a period had, in the order the bars stack them,
 * leaving out those it had none of.
 */
export function countsText(counts: RunCounts): string {
  return DAY_STATUSES.filter((status) => counts[status] > 0)
    .map((status) => `${counts[status].toLocaleString("en-US")} ${runStatusLabel(status).toLowerCase()}`)
    .join(", ");
}

/** A bar's tooltip: "Nov 28, 2026: 3 runs (2 succeeded, 1 failed)". */
export function dayCountsText(day: RunDay): string {
  const total = dayTotal(day.counts);
  if (total === 0) return `${longDayText(day.date)}: no runs`;
  return `${longDayText(day.date)}: ${runCountText(total)} (${countsText(day.counts)})`;
}

/** A duration point's tooltip: "Nov 28, 2026: median 850 ms, 95th percentile 1.2 s". */
export function dayDurationText(day: RunDay): string {
  if (day.p50Ms === null || day.p95Ms === null) return `${longDayText(day.date)}: no finished runs`;
  return `${longDayText(day.date)}: median ${durationText(day.p50Ms)}, 95th percentile ${durationText(day.p95Ms)}`;
}

/** The runs of every day added up, by status. */
export function periodCounts(days: readonly RunDay[]): RunCounts {
  const sum: RunCounts = { succeeded: 0, failed: 0, cancelled: 0, running: 0 };
  for (const day of days) {
    for (const status of DAY_STATUSES) sum[status] += day.counts[status];
  }
  return sum;
}

/** A chart's summary for those who cannot see it: "14 runs in 30 days: 12 succeeded, 2 failed". */
export function periodText(days: readonly RunDay[]): string {
  const counts = periodCounts(days);
  const total = dayTotal(counts);
  const span = `${days.length} ${days.length === 1 ? "day" : "days"}`;
  if (total === 0) return `No runs in the last ${span}.`;
  return `${runCountText(total)} in the last ${span}: ${countsText(counts)}.`;
}
