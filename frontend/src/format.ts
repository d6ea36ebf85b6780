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
