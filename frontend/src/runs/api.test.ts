import { describe, expect, it } from "vitest";
import { parseRunList, parseRunStats } from "./api";

const RUN_JSON = {
  id: "run-1",
  playbook_id: "pb-1",
  playbook_name: "Enrich IP",
  playbook_version: 3,
  workspace_id: "ws-1",
  status: "failed",
  trigger_type: "automation",
  error: { code: "terminated", message: "Blocked", details: { node: "end" } },
  resubmitted_from: null,
  started_by: null,
  started_by_name: null,
  rule_id: "rule-1",
  rule_name: "Tag phishing",
  incident_id: "inc-1",
  alert_id: null,
  created_at: "2026-11-28T10:00:00Z",
  started_at: "2026-11-28T10:00:00.100000Z",
  ended_at: "2026-11-28T10:00:01Z",
  duration_ms: 900,
};

describe("parseRunList", () => {
  it("reads a page of runs", () => {
    const page = parseRunList({ data: [RUN_JSON], total: 7, next: "/api/v1/runs?offset=1" });
    expect(page.total).toBe(7);
    expect(page.next).toBe("/api/v1/runs?offset=1");
    expect(page.data[0]).toEqual({
      id: "run-1",
      playbookId: "pb-1",
      playbookName: "Enrich IP",
      playbookVersion: 3,
      workspaceId: "ws-1",
      status: "failed",
      triggerType: "automation",
      error: { code: "terminated", message: "Blocked", details: { node: "end" } },
      resubmittedFrom: null,
      startedBy: null,
      startedByName: null,
      ruleId: "rule-1",
      ruleName: "Tag phishing",
      incidentId: "inc-1",
      alertId: null,
      createdAt: "2026-11-28T10:00:00Z",
      startedAt: "2026-11-28T10:00:00.100000Z",
      endedAt: "2026-11-28T10:00:01Z",
      durationMs: 900,
    });
  });

  it("reads a run still going, and an error in another shape", () => {
    const running = { ...RUN_JSON, status: "running", ended_at: null, duration_ms: null, error: "boom" };
    const [run] = parseRunList({ data: [running], total: 1, next: null }).data;
    expect([run.endedAt, run.durationMs]).toEqual([null, null]);
    expect(run.error).toEqual({ code: "", message: "The run failed", details: {} });
  });

  it("names the field that is wrong", () => {
    expect(() => parseRunList({ data: [{ ...RUN_JSON, duration_ms: "1s" }], total: 1, next: null })).toThrow(
      "response.data[0].duration_ms should be a non-negative integer",
    );
  });
});

describe("parseRunStats", () => {
  it("reads each day's counts and durations", () => {
    const stats = parseRunStats({
      playbook_id: "pb-1",
      days: [
        {
          date: "2026-11-27",
          counts: { succeeded: 0, failed: 0, cancelled: 0, running: 0 },
          p50_ms: null,
          p95_ms: null,
        },
        {
          date: "2026-11-28",
          counts: { succeeded: 2, failed: 1, cancelled: 0, running: 1 },
          p50_ms: 850,
          p95_ms: 1200,
        },
      ],
    });
    expect(stats.playbookId).toBe("pb-1");
    expect(stats.days[1]).toEqual({
      date: "2026-11-28",
      counts: { succeeded: 2, failed: 1, cancelled: 0, running: 1 },
      p50Ms: 850,
      p95Ms: 1200,
    });
  });

  it("refuses counts that are missing", () => {
    expect(() =>
      parseRunStats({ playbook_id: "pb-1", days: [{ date: "2026-11-28", counts: {}, p50_ms: null, p95_ms: null }] }),
    ).toThrow("response.days[0].counts.succeeded");
  });
});
