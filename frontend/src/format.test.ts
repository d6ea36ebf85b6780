import { describe, expect, it } from "vitest";
import {
  durationText,
  formatDateTime,
  playbookCountText,
  problemCountText,
  relativeTime,
  triggerLabel,
  validationText,
  versionText,
} from "./format";

describe("triggerLabel", () => {
  it.each([
    ["incident", "Incident"],
    ["alert", "Alert"],
    ["uses_incident_action", "Uses incident action"],
    ["other", "Other"],
    ["not_initialized", "Not initialized"],
  ] as const)("labels %s as %s", (kind, label) => {
    expect(triggerLabel(kind)).toBe(label);
  });

  it.each(["webhook", "constructor", "__proto__"])("shows the unknown kind %s as sent", (kind) => {
    expect(triggerLabel(kind)).toBe(kind);
  });
});

describe("counts", () => {
  it("uses the singular only for exactly one", () => {
    expect(problemCountText(1)).toBe("1 problem");
    expect(problemCountText(0)).toBe("0 problems");
    expect(problemCountText(4)).toBe("4 problems");
    expect(playbookCountText(1)).toBe("1 playbook");
    expect(playbookCountText(3)).toBe("3 playbooks");
  });
});

describe("validationText", () => {
  it("says Valid for a valid playbook", () => {
    expect(validationText(true, 0)).toBe("Valid");
  });

  it("counts problems of an invalid playbook", () => {
    expect(validationText(false, 1)).toBe("1 problem");
    expect(validationText(false, 5)).toBe("5 problems");
  });

  it("says Invalid when an invalid playbook reports no problems", () => {
    expect(validationText(false, 0)).toBe("Invalid");
  });
});

describe("versionText", () => {
  it("prefixes the number with v", () => {
    expect(versionText(3)).toBe("v3");
    expect(versionText(12)).toBe("v12");
  });
});

describe("relativeTime", () => {
  const now = new Date("2026-03-10T12:00:00Z");
  const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000).toISOString();

  it("says just now within 45 seconds either way", () => {
    expect(relativeTime(ago(0), now)).toBe("just now");
    expect(relativeTime(ago(44), now)).toBe("just now");
    expect(relativeTime(ago(-30), now)).toBe("just now");
  });

  it("uses minutes, hours and days", () => {
    expect(relativeTime(ago(60), now)).toBe("1 minute ago");
    expect(relativeTime(ago(5 * 60), now)).toBe("5 minutes ago");
    expect(relativeTime(ago(60 * 60), now)).toBe("1 hour ago");
    expect(relativeTime(ago(3 * 3600), now)).toBe("3 hours ago");
    expect(relativeTime(ago(26 * 3600), now)).toBe("yesterday");
    expect(relativeTime(ago(3 * 86400), now)).toBe("3 days ago");
  });

  it("describes a slightly future time as upcoming", () => {
    expect(relativeTime(ago(-10 * 60), now)).toBe("in 10 minutes");
  });

  it("falls back to an absolute date after a week", () => {
    const iso = ago(30 * 86400);
    expect(relativeTime(iso, now)).toBe(formatDateTime(iso));
    expect(formatDateTime(iso)).not.toMatch(/ago/);
  });
});

describe("durationText", () => {
  it.each([
    [0, "0 ms"],
    [850.6, "850 ms"],
    [999, "999 ms"],
    [1000, "1.0 s"],
    [3249, "3.2 s"],
    [9999, "9.9 s"],
    [42_900, "42 s"],
    [60_000, "1 min"],
    [125_000, "2 min 5 s"],
    [3_600_000, "1 h"],
    [3_900_000, "1 h 5 min"],
    [26 * 3_600_000, "26 h"],
  ])("says %d ms is %s", (ms, text) => {
    expect(durationText(ms)).toBe(text);
  });
});
