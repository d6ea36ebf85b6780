import { describe, expect, it } from "vitest";
import {
  parseIncident,
  parseIncidentPage,
  parseRunPage,
  runDuration,
  runTriggerLabel,
  severityLabel,
  statusLabel,
} from "./model";
import { INCIDENT_BODY } from "./testData";

describe("parseIncident", () => {
  it("reads an incident with its alerts, entities and comments", () => {
    const incident = parseIncident(INCIDENT_BODY);
    expect(incident).toMatchObject({
      id: "inc-1",
      number: 7,
      severity: "high",
      owner: null,
      labels: ["vip"],
      ruleName: "Malicious binary",
      alertCount: 1,
    });
    expect(incident.entities).toEqual([{ kind: "ip", properties: { Address: "198.51.100.23" } }]);
    expect(incident.alerts[0]).toMatchObject({ id: "al-1", sourceProduct: "Azure Sentinel", incidentId: "inc-1" });
    expect(incident.comments[0]).toMatchObject({ id: 1, authorName: "Playbook: Comment", text: "<b>not markup</b>" });
  });

  it("names the field that is wrong", () => {
    expect(() => parseIncident({ ...INCIDENT_BODY, number: "7" })).toThrow("response.number");
    expect(() => parseIncident({ ...INCIDENT_BODY, entities: [{ kind: "ip", properties: [] }] })).toThrow(
      "response.entities[0].properties",
    );
  });

  it("keeps severities and statuses it does not know", () => {
    const incident = parseIncident({ ...INCIDENT_BODY, severity: "critical", status: "snoozed" });
    expect([incident.severity, incident.status]).toEqual(["critical", "snoozed"]);
    expect(severityLabel("critical")).toBe("Critical");
    expect(statusLabel("on_hold")).toBe("On hold");
  });
});

describe("pages", () => {
  it("reads a page of incidents and of runs", () => {
    const { alerts: _alerts, comments: _comments, entities: _entities, ...summary } = INCIDENT_BODY;
    const page = parseIncidentPage({ data: [summary], total: 120, next: "/api/v1/incidents?offset=50" });
    expect(page.total).toBe(120);
    expect(page.next).toBe("/api/v1/incidents?offset=50");
    expect(page.data[0]?.title).toBe(INCIDENT_BODY.title);

    const runs = parseRunPage({
      data: [
        {
          id: "run-1",
          playbook_id: "pb-1",
          playbook_version: 2,
          workspace_id: "ws-1",
          status: "failed",
          trigger_type: "automation",
          error: { code: "action_failed", message: "VirusTotal answered 429" },
          resubmitted_from: null,
          started_by: null,
          incident_id: "inc-1",
          alert_id: null,
          created_at: "2025-03-05T13:05:00Z",
          started_at: "2025-03-05T13:05:00.100000Z",
          ended_at: null,
        },
      ],
      total: 1,
      next: null,
    });
    expect(runs.data[0]).toMatchObject({
      playbookId: "pb-1",
      playbookVersion: 2,
      triggerType: "automation",
      errorMessage: "VirusTotal answered 429",
      endedAt: null,
    });
  });

  it("refuses a page without data", () => {
    expect(() => parseIncidentPage({ total: 0, next: null })).toThrow("response.data");
  });
});

describe("runDuration", () => {
  const start = "2025-03-05T13:00:00.000Z";
  const at = (ms: number) => new Date(Date.parse(start) + ms).toISOString();

  it("says how long a run took, in the unit that fits", () => {
    expect(runDuration(start, at(32), new Date())).toBe("32 ms");
    expect(runDuration(start, at(4_250), new Date())).toBe("4.2 s");
    expect(runDuration(start, at(42_000), new Date())).toBe("42 s");
    expect(runDuration(start, at(184_000), new Date())).toBe("3 min 4 s");
    expect(runDuration(start, at(2 * 3600_000 + 5 * 60_000), new Date())).toBe("2 h 5 min");
  });

  it("counts to now for a run still going, and says nothing before it started", () => {
    expect(runDuration(start, null, new Date(at(1_500)))).toBe("1.5 s");
    expect(runDuration(null, null, new Date())).toBe("");
  });
});

describe("runTriggerLabel", () => {
  it("names how a run started", () => {
    expect(runTriggerLabel("manual")).toBe("Manual");
    expect(runTriggerLabel("automation")).toBe("Automation");
    expect(runTriggerLabel("playbook")).toBe("Another playbook");
    expect(runTriggerLabel("")).toBe("Unknown");
    expect(runTriggerLabel("chat_ops")).toBe("Chat ops");
  });
});
