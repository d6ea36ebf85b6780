import { describe, expect, it } from "vitest";
import { filterQuery } from "../api";
import type { Workspace } from "../auth";
import {
  MAX_NAME_LENGTH,
  PLAYBOOK_ENABLE,
  PLAYBOOK_WRITE,
  allows,
  copyName,
  exportFileName,
  isFiltered,
  mayCreate,
  parseImportedJson,
  readFilter,
} from "./listing";

const contributorIn: Workspace = {
  id: "ws_1",
  name: "default",
  role: "playbook_contributor",
  permissions: ["playbook.read", PLAYBOOK_WRITE],
};
const readerIn: Workspace = { id: "ws_2", name: "secops", role: "reader", permissions: ["playbook.read"] };

describe("readFilter", () => {
  it("reads no filter from an address without a query", () => {
    expect(readFilter("")).toEqual({ nameContains: "", workspace: null });
    expect(readFilter("?q=&workspace=")).toEqual({ nameContains: "", workspace: null });
  });

  it("reads the name filter, trimmed, and the workspace", () => {
    expect(readFilter("?q=%20block%20ip%20&workspace=secops")).toEqual({
      nameContains: "block ip",
      workspace: "secops",
    });
    expect(readFilter("?q=a+%26+b")).toEqual({ nameContains: "a & b", workspace: null });
  });

  it("reads back what filterQuery writes", () => {
    const filter = { nameContains: "Phishing? #1 / 100%", workspace: "sec ops" };
    expect(readFilter(filterQuery(filter))).toEqual(filter);
  });

  it("ignores parameters it does not know", () => {
    expect(readFilter("?page=2&q=vt")).toEqual({ nameContains: "vt", workspace: null });
  });
});

describe("isFiltered", () => {
  it("is true when either the name or the workspace narrows the list", () => {
    expect(isFiltered({ nameContains: "", workspace: null })).toBe(false);
    expect(isFiltered({ nameContains: "vt", workspace: null })).toBe(true);
    expect(isFiltered({ nameContains: "", workspace: "secops" })).toBe(true);
  });
});

describe("allows", () => {
  const workspaces = [contributorIn, readerIn];

  it("follows the role's permissions in the playbook's workspace, by id or name", () => {
    expect(allows(workspaces, "ws_1", PLAYBOOK_WRITE)).toBe(true);
    expect(allows(workspaces, "default", PLAYBOOK_WRITE)).toBe(true);
    expect(allows(workspaces, "ws_1", PLAYBOOK_ENABLE)).toBe(false);
    expect(allows(workspaces, "ws_2", PLAYBOOK_WRITE)).toBe(false);
  });

  it("refuses in a workspace the caller holds no role in", () => {
    expect(allows(workspaces, "ws_9", PLAYBOOK_WRITE)).toBe(false);
  });

  it("leaves the decision to the server when the roles are unknown", () => {
    expect(allows(null, "ws_1", PLAYBOOK_WRITE)).toBe(true);
  });
});

describe("mayCreate", () => {
  it("needs the write permission in the chosen workspace", () => {
    expect(mayCreate([contributorIn, readerIn], "default")).toBe(true);
    expect(mayCreate([contributorIn, readerIn], "secops")).toBe(false);
  });

  it("needs it in some workspace when none is chosen", () => {
    expect(mayCreate([contributorIn, readerIn], null)).toBe(true);
    expect(mayCreate([readerIn], null)).toBe(false);
    expect(mayCreate([], null)).toBe(false);
  });

  it("leaves the decision to the server when the roles are unknown", () => {
    expect(mayCreate(null, "secops")).toBe(true);
  });
});

describe("copyName", () => {
  it("adds (copy)", () => {
    expect(copyName("Block risky IPs")).toBe("Block risky IPs (copy)");
    expect(copyName("Block risky IPs (copy)")).toBe("Block risky IPs (copy) (copy)");
  });

  it("cuts a long name so the copy stays within the server's limit", () => {
    const name = copyName("x".repeat(MAX_NAME_LENGTH));
    expect(name).toHaveLength(MAX_NAME_LENGTH);
    expect(name.endsWith(" (copy)")).toBe(true);
  });
});

describe("exportFileName", () => {
  it.each([
    ["Block risky IPs", "block-risky-ips.json"],
    ["  Enrich: VirusTotal / AbuseIPDB!  ", "enrich-virustotal-abuseipdb.json"],
    ["Réponse à l'incident", "reponse-a-l-incident.json"],
    ["Phishing_triage v2.1", "phishing-triage-v2-1.json"],
    ["フィッシング", "playbook.json"],
    ["", "playbook.json"],
  ])("names %j as %j", (name, expected) => {
    expect(exportFileName(name)).toBe(expected);
  });

  it("keeps a long name's file name short, without a trailing dash", () => {
    const fileName = exportFileName(`${"a".repeat(79)} tail of the name`);
    expect(fileName).toBe(`${"a".repeat(79)}.json`);
  });
});

describe("parseImportedJson", () => {
  it("returns the parsed content", () => {
    expect(parseImportedJson("p.json", '{"format": "soarflow.playbook/v1", "name": "x"}')).toEqual({
      format: "soarflow.playbook/v1",
      name: "x",
    });
  });

  it("names the file when it is not JSON", () => {
    expect(() => parseImportedJson("notes.json", "name: x")).toThrow(/^notes\.json is not a JSON file \(.+\)\.$/);
    expect(() => parseImportedJson("notes.json", "")).toThrow(expect.objectContaining({ code: "invalid_json" }));
  });
});
