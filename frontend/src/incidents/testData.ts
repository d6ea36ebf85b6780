// Answers of the API for the incidents tests.

// An incident as GET /api/v1/incidents/{id} answers (trimmed to one of each).
export const INCIDENT_BODY = {
  number: 7,
  title: "Service account ran a known-malicious binary",
  description: "The host then connected to a known C2 address.",
  severity: "high",
  status: "new",
  classification: null,
  classification_comment: "",
  owner: null,
  rule_name: "Malicious binary",
  alert_count: 1,
  id: "inc-1",
  workspace_id: "ws-1",
  labels: ["vip"],
  first_alert_at: "2025-03-05T13:02:11.207000Z",
  last_alert_at: "2025-03-05T13:02:11.207000Z",
  created_at: "2025-03-05T13:05:00.000000Z",
  updated_at: "2025-03-05T13:06:00.000000Z",
  entities: [{ kind: "ip", properties: { Address: "198.51.100.23" } }],
  alerts: [
    {
      source_product: "Azure Sentinel",
      source_alert_id: "a-1",
      rule_name: "Malicious binary",
      title: "Service account ran a known-malicious binary",
      description: "",
      severity: "medium",
      id: "al-1",
      workspace_id: "ws-1",
      incident_id: "inc-1",
      grouping: "created",
      time: "2025-03-05T13:02:11.207000Z",
      created_at: "2025-03-05T13:05:00.000000Z",
    },
  ],
  comments: [
    {
      id: 1,
      incident_id: "inc-1",
      author_id: null,
      author_name: "Playbook: Comment",
      text: "<b>not markup</b>",
      created_at: "2025-03-05T13:07:00Z",
    },
  ],
};
