// One small icon per status, so a status reads without its colour too.

import { runStatusLabel } from "../incidents/model";
import type { NodeStatus } from "./trace";

const PATHS: Readonly<Record<string, string>> = {
  succeeded: "M3.5 8.5l3 3 6-7",
  failed: "M4.5 4.5l7 7M11.5 4.5l-7 7",
  timed_out: "M8 4v4l3 2M8 1.5a6.5 6.5 0 1 0 0 13a6.5 6.5 0 0 0 0-13",
  cancelled: "M3.5 12.5l9-9M8 1.5a6.5 6.5 0 1 0 0 13a6.5 6.5 0 0 0 0-13",
  waiting: "M5.5 3.5v9M10.5 3.5v9",
  queued: "M3 8h10",
  skipped: "M3 4l5 4-5 4M8 4l5 4-5 4",
  not_reached: "M4 8h.01M8 8h.01M12 8h.01",
};

export function StatusIcon({ status }: { status: NodeStatus | string }) {
  if (status === "running") {
    return <span className="status-icon status-icon--running" role="img" aria-label={runStatusLabel(status)} />;
  }
  return (
    <svg className={`status-icon status-icon--${status}`} viewBox="0 0 16 16" role="img" aria-label={runStatusLabel(status)}>
      <path d={PATHS[status] ?? PATHS["not_reached"]} />
    </svg>
  );
}
