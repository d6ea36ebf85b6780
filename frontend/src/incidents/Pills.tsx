// Coloured labels for coded values, on the shared .pill class: a severity, an incident's status,
// a run's status. Unknown values get the neutral colour and their own word.

import { runStatusLabel, severityLabel, statusLabel } from "./model";
import "./incidents.css";

const KNOWN_SEVERITIES = new Set(["high", "medium", "low", "informational"]);
const KNOWN_STATUSES = new Set(["new", "active", "closed"]);
const RUN_COLOURS: ReadonlyMap<string, string> = new Map([
  ["succeeded", "pill--on"],
  ["failed", "pill--failed"],
  ["queued", "pill--progress"],
  ["running", "pill--progress"],
  ["waiting", "pill--progress"],
  ["cancelled", "pill--off"],
]);

export function SeverityPill({ severity }: { severity: string }) {
  const modifier = KNOWN_SEVERITIES.has(severity) ? `pill--severity-${severity}` : "pill--off";
  return (
    <span className={`pill pill--severity ${modifier}`} data-testid="severity">
      {severityLabel(severity)}
    </span>
  );
}

export function StatusPill({ status }: { status: string }) {
  const modifier = KNOWN_STATUSES.has(status) ? `pill--status-${status}` : "pill--off";
  return (
    <span className={`pill ${modifier}`} data-testid="status">
      {statusLabel(status)}
    </span>
  );
}

export function RunStatusPill({ status }: { status: string }) {
  return (
    <span className={`pill ${RUN_COLOURS.get(status) ?? "pill--off"}`} data-testid="run-status">
      {runStatusLabel(status)}
    </span>
  );
}
