import { describe, expect, it } from "vitest";
import { cardConnectors, filterTemplates, galleryQuery, readGalleryFilter, scenarioCounts, scenarioLabel } from "./gallery";
import { ALL, JIRA, NAMES, SEED, VT_IP } from "./testData";

const NONE = { scenario: null, text: "", workspace: null };

describe("the gallery's filter", () => {
  it("lives in the address and reads back what it wrote", () => {
    const filter = { scenario: "sync", text: "jira link", workspace: "soc" };
    expect(readGalleryFilter(galleryQuery(filter))).toEqual(filter);
    expect(galleryQuery(NONE)).toBe("");
    expect(readGalleryFilter("?q=%20%20&scenario=")).toEqual(NONE);
  });

  it("shows a scenario's templates", () => {
    expect(filterTemplates(ALL, { ...NONE, scenario: "sync" }, NAMES)).toEqual([JIRA]);
    expect(filterTemplates(ALL, NONE, NAMES)).toEqual(ALL);
  });

  it("finds every word anywhere on the card, connector names included, in any case", () => {
    expect(filterTemplates(ALL, { ...NONE, text: "IP virustotal" }, NAMES)).toEqual([VT_IP]);
    expect(filterTemplates(ALL, { ...NONE, text: "palo alto" }, NAMES)).toEqual([SEED]);
    expect(filterTemplates(ALL, { ...NONE, text: "LINK back" }, NAMES)).toEqual([JIRA]);
    expect(filterTemplates(ALL, { ...NONE, text: "jira", scenario: "response" }, NAMES)).toEqual([]);
  });

  it("counts what each scenario chip would show with the text typed", () => {
    const counts = scenarioCounts(ALL, "incident", NAMES);
    expect(counts.get(null)).toBe(2);
    expect(counts.get("orchestration")).toBe(0);
    expect(counts.get("enrichment")).toBe(1);
    expect(counts.get("response")).toBe(0);
    expect(scenarioCounts(ALL, "jira", NAMES).get(null)).toBe(1);
  });
});

describe("cards", () => {
  it("name the scenarios as people say them, and unknown ones as sent", () => {
    expect(scenarioLabel("sync")).toBe("Ticket sync");
    expect(scenarioLabel("hunting")).toBe("hunting");
  });

  it("show the connectors needing a connection first, and not soarflow's own steps", () => {
    expect(cardConnectors(SEED)).toEqual(["email", "paloalto_panos", "microsoft_graph", "approvals"]);
    expect(cardConnectors(VT_IP)).toEqual(["virustotal"]);
  });
});
