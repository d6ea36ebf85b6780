// Pure rules of the templates gallery: the scenarios, the filter the page's address holds, and
// which templates a filter shows.

import type { TemplateSummary } from "./api";

export interface Scenario {
  id: string;
  label: string;
}

/** In the order a SOC meets them: learn more, keep tickets in step, involve people, act. */
export const SCENARIOS: readonly Scenario[] = [
  { id: "enrichment", label: "Enrichment" },
  { id: "sync", label: "Ticket sync" },
  { id: "orchestration", label: "Orchestration" },
  { id: "response", label: "Response" },
];

export function scenarioLabel(id: string): string {
  return SCENARIOS.find((scenario) => scenario.id === id)?.label ?? id;
}

export interface GalleryFilter {
  /** null for every scenario. */
  scenario: string | null;
  /** Words that must all appear in the title, description or a connector's name. */
  text: string;
  /** The workspace new playbooks go to, when the playbooks list was filtered to one. */
  workspace: string | null;
}

export function readGalleryFilter(search: string): GalleryFilter {
  const params = new URLSearchParams(search);
  return {
    scenario: params.get("scenario") || null,
    text: (params.get("q") ?? "").trim(),
    workspace: params.get("workspace") || null,
  };
}

/** The filter as the address's query, "" when it filters nothing. */
export function galleryQuery(filter: GalleryFilter): string {
  const params = new URLSearchParams();
  if (filter.scenario !== null) params.set("scenario", filter.scenario);
  if (filter.text !== "") params.set("q", filter.text);
  if (filter.workspace !== null) params.set("workspace", filter.workspace);
  const query = params.toString();
  return query === "" ? "" : `?${query}`;
}

function words(text: string): string[] {
  return text.toLowerCase().split(/\s+/).filter((word) => word !== "");
}

/** Whether every word of the text appears somewhere in what the card shows. */
export function matchesText(template: TemplateSummary, text: string, connectorNames: ReadonlyMap<string, string>): boolean {
  const haystack = [
    template.title,
    template.description,
    ...template.connectors.map((id) => `${id} ${connectorNames.get(id) ?? ""}`),
  ]
    .join(" ")
    .toLowerCase();
  return words(text).every((word) => haystack.includes(word));
}

export function filterTemplates(
  templates: readonly TemplateSummary[],
  filter: GalleryFilter,
  connectorNames: ReadonlyMap<string, string>,
): TemplateSummary[] {
  return templates.filter(
    (template) =>
      (filter.scenario === null || template.scenario === filter.scenario) &&
      matchesText(template, filter.text, connectorNames),
  );
}

/** How many templates each scenario chip would show with the current text, and all of them. */
export function scenarioCounts(
  templates: readonly TemplateSummary[],
  text: string,
  connectorNames: ReadonlyMap<string, string>,
): Map<string | null, number> {
  const counts = new Map<string | null, number>([[null, 0], ...SCENARIOS.map((s): [string, number] => [s.id, 0])]);
  for (const template of templates) {
    if (!matchesText(template, text, connectorNames)) continue;
    counts.set(null, (counts.get(null) ?? 0) + 1);
    counts.set(template.scenario, (counts.get(template.scenario) ?? 0) + 1);
  }
  return counts;
}

/** The connectors worth an icon on a card: those needing a connection, then the rest; not
 * soarflow's own incident steps, which every incident playbook has. */
export function cardConnectors(template: TemplateSummary): string[] {
  const connected = template.connections.map((connection) => connection.connectorId);
  const others = template.connectors.filter((id) => id !== "soarflow" && !connected.includes(id));
  return [...new Set([...connected, ...others])];
}
