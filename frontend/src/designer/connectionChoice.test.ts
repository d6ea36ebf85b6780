import { describe, expect, it } from "vitest";
import type { Connection } from "./api";
import {
  chosenConnection,
  connectionLabel,
  connectionOptional,
  connectionUiSchema,
  fieldProblems,
  listedWith,
  missingFields,
  secretFieldNames,
} from "./connectionChoice";

function connection(id: string, name: string, status = "untested"): Connection {
  return { id, name, connectorId: "virustotal", status, statusReason: "" };
}

const VIRUSTOTAL_FIELDS = {
  type: "object",
  required: ["api_key"],
  properties: { api_key: { type: "string", title: "API key", writeOnly: true, minLength: 1 } },
};

const EMAIL_FIELDS = {
  type: "object",
  required: ["host", "from_address"],
  properties: {
    host: { type: "string", title: "SMTP server" },
    port: { type: "integer", default: 587 },
    password: { type: "string", writeOnly: true },
    from_address: { type: "string", title: "From address" },
  },
};

describe("connection choice", () => {
  it("labels a connection with its name and test status", () => {
    expect(connectionLabel(connection("c1", "vt-main", "connected"))).toBe("vt-main · tested ok");
    expect(connectionLabel(connection("c1", "vt-main", "error"))).toBe("vt-main · test failed");
    expect(connectionLabel(connection("c1", "vt-main"))).toBe("vt-main · not tested");
    expect(connectionLabel(connection("c1", "vt-main", "expired"))).toBe("vt-main · expired");
  });

  it("finds the chosen connection by name, else by id", () => {
    const list = [connection("c1", "vt-main"), connection("c2", "c1")];
    expect(chosenConnection(list, "vt-main")?.id).toBe("c1");
    // A name wins over an id that happens to be spelt the same.
    expect(chosenConnection(list, "c1")?.id).toBe("c2");
    expect(chosenConnection([connection("c1", "vt-main")], "c1")?.name).toBe("vt-main");
    expect(chosenConnection(list, "")).toBeUndefined();
    expect(chosenConnection(list, "gone")).toBeUndefined();
  });

  it("keeps the list in name order when a connection is added or updated", () => {
    const list = [connection("c1", "b"), connection("c2", "d")];
    expect(listedWith(list, connection("c3", "c")).map((item) => item.name)).toEqual(["b", "c", "d"]);
    expect(listedWith(list, connection("c1", "b", "connected"))).toEqual([connection("c1", "b", "connected"), list[1]]);
  });

  it("calls a connection optional only when none of its fields is required", () => {
    expect(connectionOptional({ fields: VIRUSTOTAL_FIELDS, testable: true })).toBe(false);
    expect(connectionOptional({ fields: { type: "object", properties: { token: { type: "string" } } }, testable: false })).toBe(true);
  });

  it("types secrets into password inputs and draws no submit button", () => {
    expect(secretFieldNames(EMAIL_FIELDS)).toEqual(["password"]);
    expect(connectionUiSchema(EMAIL_FIELDS)).toEqual({
      "ui:submitButtonOptions": { norender: true },
      password: { "ui:widget": "password" },
    });
  });

  it("names the required fields still blank", () => {
    expect(missingFields(EMAIL_FIELDS, { host: "  ", port: 587 })).toEqual(["SMTP server", "From address"]);
    expect(missingFields(VIRUSTOTAL_FIELDS, { api_key: "k" })).toEqual([]);
  });

  it("words the server's field problems with the fields' titles", () => {
    const details = {
      problems: [
        { path: "$.fields.api_key", message: "breaks the 'minLength' rule of the field" },
        { path: "$.fields", message: "breaks the 'required' rule of the field" },
      ],
    };
    expect(fieldProblems(VIRUSTOTAL_FIELDS, details)).toEqual([
      "API key: breaks the 'minLength' rule of the field",
      "Fields: breaks the 'required' rule of the field",
    ]);
    expect(fieldProblems(VIRUSTOTAL_FIELDS, { field: "name" })).toEqual([]);
  });
});
