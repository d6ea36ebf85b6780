// An incident's timeline, from what the incident carries (its creation, alerts, comments, closing)
// and its runs: the API has no timeline of its own yet.

import type { Incident, RunSummary } from "./model";
import { classificationLabel, runStatusLabel, runTriggerLabel, severityLabel } from "./model";

export type TimelineKind = "created" | "alert" | "comment" | "run" | "closed";

export interface TimelineEntry {
  /** Unique within the timeline, for React keys. */
  key: string;
  kind: TimelineKind;
  at: string;
  title: string;
  /** A second line: who, what severity, the comment itself. Plain text. */
  detail: string;
  /** The run an entry is about, for a link. */
  runId?: string;
}

/** Up to this many characters of a comment are shown in the timeline; the Comments tab has it all. */
export const COMMENT_PREVIEW_LENGTH = 160;

export function preview(text: string, length = COMMENT_PREVIEW_LENGTH): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length <= length ? oneLine : `${oneLine.slice(0, length - 1).trimEnd()}…`;
}

function startedHow(triggerType: string): string {
  if (triggerType === "manual") return "by hand";
  if (triggerType === "automation") return "by an automation rule";
  return `by ${runTriggerLabel(triggerType).toLowerCase()}`;
}

/**
 * Everything that happened to an incident, oldest first. Entries at the same moment keep the
 * order in which they are listed here (created, alerts, comments, runs, closed), so the incident's
 * creation comes before the alert that opened it.
 */
export function buildTimeline(
  incident: Incident,
  runs: readonly RunSummary[],
  playbookName: (id: string) => string,
): TimelineEntry[] {
  const entries: TimelineEntry[] = [
    {
      key: "created",
      kind: "created",
      at: incident.createdAt,
      title: "Incident created",
      detail: `${severityLabel(incident.severity)} severity · rule ${incident.ruleName}`,
    },
  ];
  for (const alert of incident.alerts) {
    entries.push({
      key: `alert:${alert.id}`,
      kind: "alert",
      at: alert.time,
      title: `Alert: ${alert.title}`,
      detail: `${severityLabel(alert.severity)} · ${alert.sourceProduct}`,
    });
  }
  for (const comment of incident.comments) {
    entries.push({
      key: `comment:${comment.id}`,
      kind: "comment",
      at: comment.createdAt,
      title: `Comment by ${comment.authorName}`,
      detail: preview(comment.text),
    });
  }
  for (const run of runs) {
    entries.push({
      key: `run:${run.id}`,
      kind: "run",
      at: run.createdAt,
      title: `Playbook “${playbookName(run.playbookId)}” started ${startedHow(run.triggerType)}`,
      detail: runStatusLabel(run.status) + (run.errorMessage === null ? "" : `: ${run.errorMessage}`),
      runId: run.id,
    });
  }
  if (incident.status === "closed") {
    // The API keeps no time of closing; the last change is the nearest it says.
    const classification = incident.classification === null ? "" : classificationLabel(incident.classification);
    entries.push({
      key: "closed",
      kind: "closed",
      at: incident.updatedAt,
      title: classification === "" ? "Closed" : `Closed as ${classification}`,
      detail: incident.classificationComment === "" ? "" : preview(incident.classificationComment),
    });
  }
  return entries
    .map((entry, index) => ({ entry, index, time: Date.parse(entry.at) }))
    .sort((a, b) => a.time - b.time || a.index - b.index)
    .map(({ entry }) => entry);
}
