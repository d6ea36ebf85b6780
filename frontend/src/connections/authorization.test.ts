import { describe, expect, it } from "vitest";
import { KEEP_SECRET_HINT, authorizationFields, authorizationUiSchema, initialAuthorization } from "./authorization";

const EMAIL_FIELDS = {
  type: "object",
  required: ["host", "password"],
  properties: {
    host: { type: "string", title: "SMTP server" },
    port: { type: "integer", default: 587 },
    password: { type: "string", writeOnly: true },
    client_secret: { type: "string", writeOnly: true },
  },
};

describe("the edit-authorization form", () => {
  it("no longer requires a stored secret, since leaving it empty keeps it", () => {
    expect(authorizationFields(EMAIL_FIELDS, ["password"])["required"]).toEqual(["host"]);
    expect(authorizationFields(EMAIL_FIELDS, [])["required"]).toEqual(["host", "password"]);
    expect(authorizationFields({ type: "object" }, ["password"])).toEqual({ type: "object" });
  });

  it("shows secrets as password inputs, saying that empty keeps those stored", () => {
    expect(authorizationUiSchema(EMAIL_FIELDS, ["password"])).toEqual({
      "ui:submitButtonOptions": { norender: true },
      password: { "ui:widget": "password", "ui:help": KEEP_SECRET_HINT },
      client_secret: { "ui:widget": "password" },
    });
  });

  it("starts from the stored plain values, never a secret", () => {
    const stored = { host: "smtp.example.com", port: 25, password: "should never be here" };
    expect(initialAuthorization(EMAIL_FIELDS, stored)).toEqual({ host: "smtp.example.com", port: 25 });
  });
});
