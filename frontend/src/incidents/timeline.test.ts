import { describe, expect, it } from "vitest";
import { parseIncident } from "./model";
import type { RunSummary } from "./model";
import { INCIDENT_BODY } from "./testData";
import { buildTimeline, preview } from "./timeline";

const run: RunSummary = {
  id: "run-1",
  playbookId: "pb-1",
  playbookVersion: 1,
  status: "succeeded",
  triggerType: "manual",
  errorMessage: null,
  startedBy: "u-1",
  createdAt: "2025-03-05T13:06:30Z",
  startedAt: "2025-03-05T13:06:30.100Z",
  endedAt: "2025-03-05T13:06:31Z",
};

describe("buildTimeline", () => {
  it("puts creation, alerts, comments and runs in time order", () => {
    const incident = parseIncident(INCIDENT_BODY);
    const entries = buildTimeline(incident, [run], (id) => (id === "pb-1" ? "Block IP" : id));
    expect(entries.map((entry) => [entry.kind, entry.title])).toEqual([
      ["alert", "Alert: Service account ran a known-malicious binary"],
      ["created", "Incident created"],
      ["run", "Playbook “Block IP” started by hand"],
      ["comment", "Comment by Playbook: Comment"],
    ]);
    expect(entries[2]).toMatchObject({ detail: "Succeeded", runId: "run-1" });
    expect(entries[3]?.detail).toBe("<b>not markup</b>");
  });

  it("keeps the listed order for entries at the same moment", () => {
    const incident = parseIncident({
      ...INCIDENT_BODY,
      comments: [{ ...INCIDENT_BODY.comments[0], created_at: INCIDENT_BODY.created_at }],
    });
    const kinds = buildTimeline(incident, [{ ...run, createdAt: INCIDENT_BODY.created_at, triggerType: "automation" }], (id) => id).map(
      (entry) => entry.kind,
    );
    expect(kinds).toEqual(["alert", "created", "comment", "run"]);
  });

  it("ends with the closing of a closed incident, and says a failed run's error", () => {
    const incident = parseIncident({
      ...INCIDENT_BODY,
      status: "closed",
      classification: "false_positive",
      classification_comment: "A test",
      updated_at: "2025-03-06T00:00:00Z",
    });
    const entries = buildTimeline(incident, [{ ...run, status: "failed", errorMessage: "boom", triggerType: "automation" }], (id) => id);
    expect(entries.at(-1)).toMatchObject({ kind: "closed", title: "Closed as False positive", detail: "A test" });
    expect(entries.find((entry) => entry.kind === "run")).toMatchObject({
      title: "Playbook “pb-1” started by an automation rule",
      detail: "Failed: boom",
    });
  });
});

describe("preview", () => {
  it("keeps short text on one line and cuts long text", () => {
    expect(preview("two\n lines")).toBe("two lines");
    expect(preview("abcdefghij", 5)).toBe("abcd…");
  });
});
