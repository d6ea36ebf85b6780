import { describe, expect, it } from "vitest";
import { entityKindLabel, entityView, groupEntities } from "./entities";

describe("entityView", () => {
  it("names each kind by its key property, the rest as details", () => {
    expect(entityView({ kind: "ip", properties: { Address: "198.51.100.23" } })).toEqual({
      key: "198.51.100.23",
      details: [],
    });
    expect(
      entityView({ kind: "host", properties: { HostName: "FIN-WS-042", DnsDomain: "corp.example", OSFamily: "Windows" } }),
    ).toEqual({
      key: "FIN-WS-042",
      details: [
        { name: "DnsDomain", value: "corp.example" },
        { name: "OSFamily", value: "Windows" },
      ],
    });
    expect(entityView({ kind: "url", properties: { Url: "https://evil.example/a" } }).key).toBe("https://evil.example/a");
    expect(entityView({ kind: "filehash", properties: { Algorithm: "SHA256", Value: "03a3" } })).toEqual({
      key: "03a3",
      details: [{ name: "Algorithm", value: "SHA256" }],
    });
  });

  it("writes an account as Name@UPNSuffix, or domain\\name, or what it has", () => {
    const upn = entityView({
      kind: "account",
      properties: { Name: "svc-backup", UPNSuffix: "fabrikam.example", AadUserId: "8676" },
    });
    expect(upn).toEqual({ key: "svc-backup@fabrikam.example", details: [{ name: "AadUserId", value: "8676" }] });
    expect(entityView({ kind: "account", properties: { Name: "bob", NTDomain: "CORP" } }).key).toBe("CORP\\bob");
    expect(entityView({ kind: "account", properties: { AadUserId: "8676" } }).key).toBe("8676");
  });

  it("reads property names and kinds in any case, as the server does", () => {
    expect(entityView({ kind: "IP", properties: { address: "10.0.0.1" } }).key).toBe("10.0.0.1");
  });

  it("names an unknown kind by a usual property, else by its first one", () => {
    expect(entityView({ kind: "iotdevice", properties: { DeviceId: "d-1", Name: "cam" } }).key).toBe("cam");
    expect(entityView({ kind: "thing", properties: { Serial: 42, Colour: "red" } })).toEqual({
      key: "42",
      details: [{ name: "Colour", value: "red" }],
    });
    expect(entityView({ kind: "thing", properties: {} })).toEqual({ key: "", details: [] });
  });

  it("shows non-text values as JSON and leaves out empty ones", () => {
    expect(entityView({ kind: "ip", properties: { Address: "10.0.0.1", Location: { City: "Oslo" }, Empty: "" } })).toEqual({
      key: "10.0.0.1",
      details: [{ name: "Location", value: '{"City":"Oslo"}' }],
    });
  });
});

describe("groupEntities", () => {
  it("groups by kind, well-known kinds first, others in the order they came", () => {
    const groups = groupEntities([
      { kind: "filehash", properties: { Value: "aa" } },
      { kind: "gizmo", properties: { Name: "g" } },
      { kind: "ip", properties: { Address: "10.0.0.1" } },
      { kind: "account", properties: { Name: "bob" } },
      { kind: "IP", properties: { Address: "10.0.0.2" } },
    ]);
    expect(groups.map((group) => [group.label, group.entities.map((entity) => entity.key)])).toEqual([
      ["Accounts", ["bob"]],
      ["IP addresses", ["10.0.0.1", "10.0.0.2"]],
      ["File hashes", ["aa"]],
      ["gizmo", ["g"]],
    ]);
  });

  it("labels kinds it knows in words", () => {
    expect(entityKindLabel("cloud-application")).toBe("Cloud applications");
    expect(entityKindLabel("whatever")).toBe("whatever");
  });
});
