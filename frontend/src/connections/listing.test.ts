import { describe, expect, it } from "vitest";
import type { Workspace } from "../auth";
import type { CatalogueConnector } from "../designer/api";
import type { ListedConnection } from "./api";
import {
  NO_FILTER,
  connectionFilterQuery,
  connectorOptions,
  deletionName,
  disabledUsers,
  filterConnections,
  inUseConnections,
  isFiltered,
  readConnectionFilter,
  renameNotice,
  renameProblem,
  selectAllState,
  selectedShown,
  statusView,
  toggled,
  toggledAll,
} from "./listing";

function connection(id: string, name: string, change: Partial<ListedConnection> = {}): ListedConnection {
  return {
    id,
    workspaceId: "ws1",
    connectorId: "virustotal",
    name,
    fields: {},
    secretFieldsSet: ["api_key"],
    status: "untested",
    statusReason: "",
    lastTestedAt: null,
    usedBy: [],
    ...change,
  };
}

const WORKSPACES: Workspace[] = [
  { id: "ws1", name: "default", role: "owner", permissions: ["connection.write"] },
  { id: "ws2", name: "soc", role: "reader", permissions: [] },
];

function connector(id: string, name: string): CatalogueConnector {
  return { id, name, description: "", iconUrl: `/icons/${id}`, categories: [], actions: [], triggers: [] };
}

describe("the filter in the address", () => {
  it("reads what it writes", () => {
    const filter = { q: "vt main", connector: "virustotal", workspace: "soc" };
    expect(connectionFilterQuery(filter)).toBe("?q=vt+main&connector=virustotal&workspace=soc");
    expect(readConnectionFilter(connectionFilterQuery(filter))).toEqual(filter);
  });

  it("is empty when nothing is filtered, blanks included", () => {
    expect(connectionFilterQuery(NO_FILTER)).toBe("");
    expect(readConnectionFilter("?q=%20%20&connector=")).toEqual(NO_FILTER);
    expect(isFiltered(NO_FILTER)).toBe(false);
    expect(isFiltered({ ...NO_FILTER, connector: "email" })).toBe(true);
  });
});

describe("filterConnections", () => {
  const list = [
    connection("a", "VT main"),
    connection("b", "mail relay", { connectorId: "email" }),
    connection("c", "vt-soc", { workspaceId: "ws2" }),
  ];
  const names = (filter: Partial<typeof NO_FILTER>) =>
    filterConnections(list, { ...NO_FILTER, ...filter }, WORKSPACES).map((found) => found.name);

  it("finds part of a name in any case", () => {
    expect(names({ q: "vt" })).toEqual(["VT main", "vt-soc"]);
  });

  it("keeps one connector's", () => {
    expect(names({ connector: "email" })).toEqual(["mail relay"]);
  });

  it("keeps one workspace's, named or by id", () => {
    expect(names({ workspace: "soc" })).toEqual(["vt-soc"]);
    expect(names({ workspace: "ws1" })).toEqual(["VT main", "mail relay"]);
    expect(names({ workspace: "nowhere" })).toEqual([]);
  });

  it("combines the filters", () => {
    expect(names({ q: "vt", workspace: "default" })).toEqual(["VT main"]);
  });
});

describe("connectorOptions", () => {
  it("offers each connector listed once, by name, and an unknown one by its id", () => {
    const list = [
      connection("a", "a"),
      connection("b", "b", { connectorId: "email" }),
      connection("c", "c"),
      connection("d", "d", { connectorId: "gone" }),
    ];
    const catalogue = [connector("virustotal", "VirusTotal"), connector("email", "Email (SMTP)")];
    expect(connectorOptions(list, catalogue)).toEqual([
      { value: "email", label: "Email (SMTP)" },
      { value: "gone", label: "gone" },
      { value: "virustotal", label: "VirusTotal" },
    ]);
  });
});

describe("statusView", () => {
  it("says connected, the error with its reason, or never tested", () => {
    expect(statusView(connection("a", "a", { status: "connected" }))).toEqual({ tone: "ok", label: "Connected", reason: "" });
    expect(statusView(connection("a", "a", { status: "error", statusReason: "http_401: bad key" }))).toEqual({
      tone: "error",
      label: "Error",
      reason: "http_401: bad key",
    });
    expect(statusView(connection("a", "a")).label).toBe("Never tested");
  });

  it("tells a connection changed since its test from one never tested", () => {
    const changed = connection("a", "a", { lastTestedAt: "2026-03-01T10:00:00Z" });
    expect(statusView(changed)).toEqual({ tone: "untested", label: "Not tested since changed", reason: "" });
  });

  it("gives an error without a reason one, and an unknown status its own word", () => {
    expect(statusView(connection("a", "a", { status: "error" })).reason).toBe("no reason given");
    expect(statusView(connection("a", "a", { status: "expired" })).label).toBe("expired");
  });
});

describe("selection", () => {
  it("toggles one row", () => {
    expect([...toggled(new Set(["a"]), "b")]).toEqual(["a", "b"]);
    expect([...toggled(new Set(["a", "b"]), "a")]).toEqual(["b"]);
  });

  it("selects all the selectable rows, or clears them when all are", () => {
    const selectable = ["a", "b"];
    expect(selectAllState(new Set(), selectable)).toBe("none");
    expect(selectAllState(new Set(["a", "hidden"]), selectable)).toBe("some");
    expect([...toggledAll(new Set(["a", "hidden"]), selectable)].sort()).toEqual(["a", "b", "hidden"]);
    expect(selectAllState(new Set(["a", "b"]), selectable)).toBe("all");
    expect([...toggledAll(new Set(["a", "b", "hidden"]), selectable)]).toEqual(["hidden"]);
  });

  it("selects nothing when no row may be", () => {
    expect(selectAllState(new Set(["a"]), [])).toBe("none");
    expect([...toggledAll(new Set(), [])]).toEqual([]);
  });

  it("deletes only the selected rows shown", () => {
    const shown = [connection("a", "a"), connection("b", "b")];
    expect(selectedShown(new Set(["b", "hidden"]), shown).map((row) => row.id)).toEqual(["b"]);
  });
});

describe("deleting", () => {
  it("names one or two connections, and counts more", () => {
    expect(deletionName([connection("a", "vt")])).toBe("“vt”");
    expect(deletionName([connection("a", "vt"), connection("b", "smtp")])).toBe("“vt” and “smtp”");
    expect(deletionName([connection("a", "a"), connection("b", "b"), connection("c", "c")])).toBe("3 connections");
  });

  it("lists the disabled playbooks that would be left without their connection", () => {
    const selected = [
      connection("a", "a", {
        usedBy: [
          { id: "p2", name: "Triage", enabled: false },
          { id: "p1", name: "Enrich", enabled: true },
        ],
      }),
      connection("b", "b", { usedBy: [{ id: "p2", name: "Triage", enabled: false }] }),
      connection("c", "c", { usedBy: [{ id: "p3", name: "Block", enabled: false }] }),
    ];
    expect(disabledUsers(selected)).toEqual(["Block", "Triage"]);
  });

  it("reads the connections a refusal names, skipping what it cannot read", () => {
    const details = {
      connections: [
        { id: "c1", name: "vt-main", playbooks: [{ id: "p1", name: "Enrich" }, { id: 5 }] },
        { id: "c2" },
        "junk",
      ],
    };
    expect(inUseConnections(details)).toEqual([{ id: "c1", name: "vt-main", playbooks: [{ id: "p1", name: "Enrich" }] }]);
    expect(inUseConnections({})).toEqual([]);
  });
});

describe("renaming", () => {
  const list = [connection("a", "vt-main"), connection("b", "vt-spare"), connection("c", "vt-soc", { workspaceId: "ws2" })];
  const first = list[0]!;

  it("wants a name of 1 to 200 characters", () => {
    expect(renameProblem("   ", first, list)).toBe("Type a name.");
    expect(renameProblem("x".repeat(201), first, list)).toBe("A name has at most 200 characters.");
    expect(renameProblem(" VirusTotal ", first, list)).toBeNull();
  });

  it("refuses another connection's name in the same workspace only", () => {
    expect(renameProblem("vt-spare", first, list)).toBe("Another connection in this workspace is named “vt-spare”.");
    expect(renameProblem("vt-soc", first, list)).toBeNull();
    expect(renameProblem("vt-main", first, list)).toBeNull();
  });

  it("says what happens to the playbooks using it", () => {
    expect(renameNotice(connection("a", "a"))).toBeNull();
    const used = connection("a", "a", { usedBy: [{ id: "p", name: "Enrich", enabled: true }] });
    expect(renameNotice(used)).toMatch(/^The playbook using it is changed/);
    const twice = { usedBy: [...used.usedBy, { id: "q", name: "Block", enabled: false }] };
    expect(renameNotice(twice)).toMatch(/^The 2 playbooks using it are changed/);
  });
});
