import { describe, expect, it } from "vitest";
import { answerBody, parseApprovalView, parseInboxApproval, parseInboxPage } from "./api";
import { INBOX_BODY, VIEW_BODY } from "./testData";

describe("parseApprovalView", () => {
  it("reads a request waiting for an answer", () => {
    expect(parseApprovalView(VIEW_BODY)).toEqual({
      id: "apr-1",
      title: "Block 198.51.100.23?",
      message: "The host talked to a known C2 address.\nBlock it at the firewall?",
      options: ["Block", "Ignore"],
      questions: [
        {
          id: "severity",
          label: "Change the severity?",
          choices: [
            { title: "High", value: "High" },
            { title: "Don't change", value: "same" },
          ],
          multiple: false,
          required: false,
          default: ["same"],
          forOptions: null,
        },
        {
          id: "collections",
          label: "Add to which rule collections?",
          choices: [
            { title: "fw-prod  Deny-Inbound", value: "rg::fw-prod::Deny-Inbound" },
            { title: "fw-prod  Deny-Outbound", value: "rg::fw-prod::Deny-Outbound" },
          ],
          multiple: true,
          required: true,
          default: [],
          forOptions: ["Block"],
        },
      ],
      allowComment: true,
      state: "open",
      decision: null,
      policy: { kind: "quorum", quorum: 2 },
      approver: "alice@example.com",
      answer: null,
      responsesCount: 1,
      approversCount: 3,
      createdAt: "2026-11-28T10:00:00Z",
      expiresAt: "2026-11-29T10:00:00Z",
      incident: {
        id: "inc-1",
        number: 7,
        title: "Service account ran a known-malicious binary",
        severity: "high",
        status: "active",
        entities: [
          { kind: "ip", name: "198.51.100.23" },
          { kind: "host", name: "web-01" },
        ],
      },
    });
  });

  it("reads a decided request without an incident, and states it does not know", () => {
    const view = parseApprovalView({
      ...VIEW_BODY,
      state: "withdrawn",
      decision: "Block",
      policy: { kind: "first", quorum: null },
      answer: { option: "Block", comment: null, answers: {}, responded_at: "2026-11-28T10:05:00Z" },
      incident: null,
    });
    expect(view.state).toBe("withdrawn");
    expect(view.policy).toEqual({ kind: "first", quorum: null });
    expect(view.answer).toEqual({ option: "Block", comment: null, answers: {}, respondedAt: "2026-11-28T10:05:00Z" });
    expect(view.incident).toBeNull();
  });

  it("names the field that is wrong", () => {
    expect(() => parseApprovalView({ ...VIEW_BODY, options: ["Block", 2] })).toThrow(
      "response.options[1] should be a string",
    );
    expect(() => parseApprovalView({ ...VIEW_BODY, answer: { option: "Block", comment: null, answers: {} } })).toThrow(
      "response.answer.responded_at should be a string",
    );
    const entities = [{ kind: "ip" }];
    expect(() => parseApprovalView({ ...VIEW_BODY, incident: { ...VIEW_BODY.incident, entities } })).toThrow(
      "response.incident.entities[0].name should be a string",
    );
    expect(() => parseApprovalView({ ...VIEW_BODY, policy: { kind: "quorum", quorum: -1 } })).toThrow(
      "response.policy.quorum should be a non-negative integer",
    );
    const [severity] = VIEW_BODY.questions;
    expect(() => parseApprovalView({ ...VIEW_BODY, questions: [{ ...severity, choices: ["High"] }] })).toThrow(
      "response.questions[0].choices[0] should be an object",
    );
    const answer = { option: "Block", comment: null, answers: { severity: 3 }, responded_at: "2026-11-28T10:05:00Z" };
    expect(() => parseApprovalView({ ...VIEW_BODY, answer })).toThrow(
      "response.answer.answers.severity should be a string, a list of strings or null",
    );
  });
});

describe("parseInboxPage", () => {
  it("reads the run, the playbook and everyone's answers", () => {
    const page = parseInboxPage({ data: [INBOX_BODY], total: 1, next: null });
    expect(page.total).toBe(1);
    const [approval] = page.data;
    expect(approval.title).toBe("Block 198.51.100.23?");
    expect([approval.runId, approval.playbookId, approval.playbookName]).toEqual(["run-1", "pb-1", "Contain a host"]);
    expect(approval.responses).toEqual([
      {
        approver: "bob",
        option: "Block",
        comment: "<b>seen it</b>",
        answers: { severity: "same", collections: ["rg::fw-prod::Deny-Outbound"] },
        respondedAt: "2026-11-28T10:05:00Z",
      },
    ]);
  });

  it("reads one answered approval, of a playbook that is gone", () => {
    expect(parseInboxApproval({ ...INBOX_BODY, playbook_name: null }).playbookName).toBeNull();
    expect(() => parseInboxApproval({ ...INBOX_BODY, responses: [{ option: "Block" }] })).toThrow(
      "response.responses[0].approver should be a string",
    );
  });
});

describe("answerBody", () => {
  it("sends the comment as typed, and none when it is blank", () => {
    expect(answerBody("Block", "  seen it ")).toEqual({ option: "Block", comment: "  seen it " });
    expect(answerBody("Block", "  \n")).toEqual({ option: "Block" });
    expect(answerBody("Block", "")).toEqual({ option: "Block" });
  });

  it("sends the answers where there are questions", () => {
    const answers = { severity: null, collections: ["rg::fw::Deny"] };
    expect(answerBody("Block", "", answers)).toEqual({ option: "Block", answers });
    expect(answerBody("Ignore", "", {})).toEqual({ option: "Ignore" });
  });
});
