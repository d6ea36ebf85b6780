import { describe, expect, it } from "vitest";
import type { RunDay, RunSummary } from "./api";
import {
  countsText,
  dayCountsText,
  dayDurationText,
  longDayText,
  periodCounts,
  periodText,
  runCountText,
  runDurationText,
  shortDayText,
  triggerText,
} from "./labels";

const RUN: RunSummary = {
  id: "run-1",
  playbookId: "pb-1",
  playbookName: "Enrich IP",
  playbookVersion: 3,
  workspaceId: "ws-1",
  status: "succeeded",
  triggerType: "manual",
  error: null,
  resubmittedFrom: null,
  startedBy: "u-1",
  startedByName: "alice",
  ruleId: null,
  ruleName: null,
  incidentId: null,
  alertId: null,
  createdAt: "2026-11-28T10:00:00Z",
  startedAt: "2026-11-28T10:00:00Z",
  endedAt: "2026-11-28T10:00:01.5Z",
  durationMs: 1500,
};

function day(date: string, counts: Partial<RunDay["counts"]>, p50Ms: number | null = null, p95Ms = p50Ms): RunDay {
  return { date, counts: { succeeded: 0, failed: 0, cancelled: 0, running: 0, ...counts }, p50Ms, p95Ms };
}

describe("runDurationText", () => {
  it("says how long a run took, or has taken so far while it goes on", () => {
    const now = new Date("2026-11-28T10:00:12Z");
    expect(runDurationText(RUN, now)).toBe("1.5 s");
    expect(runDurationText({ ...RUN, durationMs: 0 }, now)).toBe("< 1 ms");
    expect(runDurationText({ ...RUN, status: "running", endedAt: null, durationMs: null }, now)).toBe("12 s so far");
    const queued = { ...RUN, status: "queued", startedAt: null, endedAt: null, durationMs: null };
    expect(runDurationText(queued, now)).toBeNull();
    // Cancelled while queued: it never ran, so there is no duration to give.
    expect(runDurationText({ ...RUN, status: "cancelled", startedAt: null, durationMs: null }, now)).toBeNull();
  });
});

describe("triggerText", () => {
  it("names the rule, the person, or the kind of trigger", () => {
    expect(triggerText({ ...RUN, triggerType: "automation", ruleName: "Tag phishing" })).toBe(
      "Automation rule ‘Tag phishing’",
    );
    expect(triggerText({ ...RUN, triggerType: "automation", ruleName: null })).toBe("Automation rule");
    expect(triggerText(RUN)).toBe("Manual, by alice");
    expect(triggerText({ ...RUN, startedByName: null })).toBe("Manual");
    expect(triggerText({ ...RUN, triggerType: "webhook", startedByName: null })).toBe("Webhook");
    expect(triggerText({ ...RUN, triggerType: "schedule", startedByName: null })).toBe("Schedule");
    expect(triggerText({ ...RUN, triggerType: "email_received" })).toBe("Email received");
  });
});

describe("chart words", () => {
  it("counts runs in the singular only for one", () => {
    expect(runCountText(1)).toBe("1 run");
    expect(runCountText(1200)).toBe("1,200 runs");
  });

  it("reads a stats day as the UTC date it is", () => {
    expect(shortDayText("2026-11-28")).toBe("Nov 28");
    expect(longDayText("2026-01-01")).toBe("Jan 1, 2026");
  });

  it("lists a day's statuses in the bars' order, leaving out those without runs", () => {
    expect(countsText({ succeeded: 2, failed: 0, cancelled: 1, running: 3 })).toBe(
      "2 succeeded, 1 cancelled, 3 running",
    );
    expect(dayCountsText(day("2026-11-28", { succeeded: 2, failed: 1 }))).toBe(
      "Nov 28, 2026: 3 runs (2 succeeded, 1 failed)",
    );
    expect(dayCountsText(day("2026-11-28", {}))).toBe("Nov 28, 2026: no runs");
  });

  it("gives a day's median and 95th percentile", () => {
    expect(dayDurationText(day("2026-11-28", { succeeded: 4 }, 850, 1200))).toBe(
      "Nov 28, 2026: median 850 ms, 95th percentile 1.2 s",
    );
    expect(dayDurationText(day("2026-11-28", { running: 1 }))).toBe("Nov 28, 2026: no finished runs");
  });

  it("sums up a period", () => {
    const days = [day("2026-11-27", { succeeded: 2 }), day("2026-11-28", { succeeded: 1, failed: 1 })];
    expect(periodCounts(days)).toEqual({ succeeded: 3, failed: 1, cancelled: 0, running: 0 });
    expect(periodText(days)).toBe("4 runs in the last 2 days: 3 succeeded, 1 failed.");
    expect(periodText([day("2026-11-28", {})])).toBe("No runs in the last 1 day.");
  });
});
