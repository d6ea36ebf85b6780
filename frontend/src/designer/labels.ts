// What the designer calls things: connector and action names from the catalogue, branch titles.

import type { PlaybookNode } from "../graph/document";
import type { CatalogueConnector } from "./api";

export interface ActionInfo {
  connectorName: string;
  actionTitle: string;
  iconUrl: string | null;
}

/** The connector and title of `<connector>.<action>`; the raw names when the catalogue lacks it. */
export function actionInfo(catalogue: readonly CatalogueConnector[] | null, action: string): ActionInfo {
  const connectorId = action.split(".", 1)[0] ?? "";
  const connector = catalogue?.find((candidate) => candidate.id === connectorId);
  const found = connector?.actions.find((candidate) => candidate.action === action);
  return {
    connectorName: connector?.name ?? connectorId,
    actionTitle: found?.title ?? action.slice(connectorId.length + 1),
    iconUrl: connector?.iconUrl ?? null,
  };
}

export function triggerTitle(catalogue: readonly CatalogueConnector[] | null, type: string): string {
  for (const connector of catalogue ?? []) {
    const found = connector.triggers.find((trigger) => trigger.type === type);
    if (found !== undefined) return found.title;
  }
  return type;
}

const BRANCH_TITLES: Readonly<Record<string, string>> = { true: "True", false: "False", body: "Body" };

/** How a lane is labelled: True / False, Body, a switch's case value or Default. */
export function branchTitle(container: PlaybookNode, branch: string): string {
  if (container.kind === "switch") return branch === "default" ? "Default" : `Case ${branch}`;
  return BRANCH_TITLES[branch] ?? branch;
}

export interface PaletteGroup {
  category: string;
  connectors: CatalogueConnector[];
}

const CATEGORY_TITLES: Readonly<Record<string, string>> = {
  core: "Core",
  "threat-intelligence": "Threat intelligence",
  notification: "Notification",
  ticketing: "Ticketing",
  endpoint: "Endpoint",
  identity: "Identity",
  siem: "SIEM",
  firewall: "Firewall",
  itsm: "IT service management",
};

export function categoryTitle(category: string): string {
  const known = CATEGORY_TITLES[category];
  if (known !== undefined) return known;
  const words = category.replace(/[-_]+/g, " ");
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Connectors with actions whose connector or action matches `query`, grouped by their first
 * category (so each action appears once), categories in alphabetical order with Core first. */
export function paletteGroups(catalogue: readonly CatalogueConnector[], query: string): PaletteGroup[] {
  const needle = query.trim().toLowerCase();
  const groups = new Map<string, CatalogueConnector[]>();
  for (const connector of catalogue) {
    const connectorMatches = needle === "" || connector.name.toLowerCase().includes(needle) || connector.id.includes(needle);
    const actions = connectorMatches
      ? connector.actions
      : connector.actions.filter(
          (action) => action.title.toLowerCase().includes(needle) || action.action.toLowerCase().includes(needle),
        );
    if (actions.length === 0) continue;
    const category = connector.categories[0] ?? "other";
    groups.set(category, [...(groups.get(category) ?? []), { ...connector, actions }]);
  }
  return [...groups.entries()]
    .map(([category, connectors]) => ({ category, connectors }))
    .sort((left, right) =>
      left.category === "core" ? -1 : right.category === "core" ? 1 : categoryTitle(left.category).localeCompare(categoryTitle(right.category)),
    );
}
