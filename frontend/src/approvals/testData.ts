// Answers of the API for the approvals tests.

// A request as GET /api/v1/approval-links/<token> answers, still waiting for this approver.
export const VIEW_BODY = {
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
      for_options: null,
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
      for_options: ["Block"],
    },
  ],
  allow_comment: true,
  state: "open",
  decision: null,
  policy: { kind: "quorum", quorum: 2 },
  approver: "alice@example.com",
  answer: null,
  responses_count: 1,
  approvers_count: 3,
  created_at: "2026-11-28T10:00:00Z",
  expires_at: "2026-11-29T10:00:00Z",
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
};

// The same request in GET /api/v1/approvals, after bob answered.
export const INBOX_BODY = {
  ...VIEW_BODY,
  approver: "alice",
  run_id: "run-1",
  playbook_id: "pb-1",
  playbook_name: "Contain a host",
  responses: [
    {
      approver: "bob",
      option: "Block",
      comment: "<b>seen it</b>",
      answers: { severity: "same", collections: ["rg::fw-prod::Deny-Outbound"] },
      responded_at: "2026-11-28T10:05:00Z",
    },
  ],
};
