// A Map rather than an object literal so that kinds like "constructor" do not hit the prototype.
const TRIGGER_LABELS: ReadonlyMap<string, string> = new Map([
  ["incident", "Incident"],
  ["alert", "Alert"],
  ["uses_incident_action", "Uses incident action"],
  ["other", "Other"],
  ["not_initialized", "Not initialized"],
]);

/** Kinds this build does not know yet are shown as the server sent them. */
export function triggerLabel(kind: string): string {
  return TRIGGER_LABELS.get(kind) ?? kind;
}

function countText(count: number, singular: string, plural: string): string {
  return `${count} ${count === 1 ? singular : plural}`;
}

export function problemCountText(count: number): string {
  return countText(count, "problem", "problems");
}

export function playbookCountText(count: number): string {
  return countText(count, "playbook", "playbooks");
}

export function validationText(valid: boolean, problemCount: number): string {
  if (valid) return "Valid";
  return problemCount > 0 ? problemCountText(problemCount) : "Invalid";
}

export function versionText(version: number): string {
  return `v${version}`;
}

const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const relativeFormat = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

export function formatDateTime(iso: string): string {
  return dateTimeFormat.format(new Date(iso));
}

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export function relativeTime(iso: string, now: Date): string {
  const seconds = (now.getTime() - new Date(iso).getTime()) / 1000;
  const magnitude = Math.abs(seconds);
  if (magnitude < 45) return "just now";
  if (magnitude < 45 * MINUTE) return relativeFormat.format(-Math.round(seconds / MINUTE), "minute");
  if (magnitude < 22 * HOUR) return relativeFormat.format(-Math.round(seconds / HOUR), "hour");
  if (magnitude < 7 * DAY) return relativeFormat.format(-Math.round(seconds / DAY), "day");
  return formatDateTime(iso);
}

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;

/**
 * A duration as a person reads it: "850 ms", "3.2 s", "42 s", "2 min 5 s", "1 h 5 min". Rounded
 * down, so that a run is never said to have taken longer than it did.
 */
export function durationText(ms: number): string {
  if (ms < SECOND_MS) return `${Math.floor(ms)} ms`;
  if (ms < 10 * SECOND_MS) return `${(Math.floor(ms / 100) / 10).toFixed(1)} s`;
  if (ms < MINUTE_MS) return `${Math.floor(ms / SECOND_MS)} s`;
  if (ms < HOUR_MS) return joined(Math.floor(ms / MINUTE_MS), "min", Math.floor((ms % MINUTE_MS) / SECOND_MS), "s");
  return joined(Math.floor(ms / HOUR_MS), "h", Math.floor((ms % HOUR_MS) / MINUTE_MS), "min");
}

// "2 min", not "2 min 0 s".
function joined(major: number, majorUnit: string, minor: number, minorUnit: string): string {
  return minor === 0 ? `${major} ${majorUnit}` : `${major} ${majorUnit} ${minor} ${minorUnit}`;
}
