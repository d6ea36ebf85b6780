import { describe, expect, it } from "vitest";
import {
  APPROVALS_PATH,
  CONNECTIONS_PATH,
  TEMPLATES_PATH,
  approvalLinkPath,
  automationRulePath,
  designerPath,
  incidentPath,
  parseRoute,
  playbookRunsPath,
  runPath,
} from "./router";

describe("parseRoute", () => {
  it("knows the playbooks list and the designer of a playbook", () => {
    expect(parseRoute("/")).toEqual({ page: "playbooks" });
    expect(parseRoute("/playbooks/pb_1")).toEqual({ page: "designer", playbookId: "pb_1" });
    expect(parseRoute("/playbooks/pb_1/")).toEqual({ page: "designer", playbookId: "pb_1" });
  });

  it("reads back the ids designerPath writes", () => {
    const id = "a b/c";
    expect(parseRoute(designerPath(id))).toEqual({ page: "designer", playbookId: id });
  });

  it("says not found for anything else", () => {
    expect(parseRoute("/playbooks")).toEqual({ page: "not-found" });
    expect(parseRoute("/nope/1/2")).toEqual({ page: "not-found" });
    expect(parseRoute("/playbooks/%E0%A4%A")).toEqual({ page: "not-found" });
  });

  it("knows the incidents, alerts and automation pages", () => {
    expect(parseRoute("/incidents")).toEqual({ page: "incidents" });
    expect(parseRoute("/incidents/")).toEqual({ page: "incidents" });
    expect(parseRoute("/incidents/inc_1")).toEqual({ page: "incident", incidentId: "inc_1" });
    expect(parseRoute("/alerts")).toEqual({ page: "alerts" });
    expect(parseRoute("/automation")).toEqual({ page: "automation" });
    expect(parseRoute("/automation/new")).toEqual({ page: "automation-rule", ruleId: null });
    expect(parseRoute("/automation/r_1")).toEqual({ page: "automation-rule", ruleId: "r_1" });
    expect(parseRoute("/incidents/a/b")).toEqual({ page: "not-found" });
  });

  it("reads back the ids incidentPath and automationRulePath write", () => {
    expect(parseRoute(incidentPath("a b/c"))).toEqual({ page: "incident", incidentId: "a b/c" });
    expect(parseRoute(automationRulePath("x/y"))).toEqual({ page: "automation-rule", ruleId: "x/y" });
  });

  it("knows the runs, a run and a playbook's runs", () => {
    expect(parseRoute("/runs")).toEqual({ page: "runs" });
    expect(parseRoute(runPath("r/1"))).toEqual({ page: "run", runId: "r/1" });
    expect(parseRoute(playbookRunsPath("p 1"))).toEqual({ page: "playbook-runs", playbookId: "p 1" });
    expect(parseRoute("/playbooks/runs")).toEqual({ page: "designer", playbookId: "runs" });
    expect(parseRoute("/runs/a/b")).toEqual({ page: "not-found" });
  });

  it("knows the approvals inbox and an approval link", () => {
    expect(parseRoute(APPROVALS_PATH)).toEqual({ page: "approvals" });
    expect(parseRoute("/approvals/")).toEqual({ page: "approvals" });
    expect(parseRoute("/approve/eyJhIjoxfQ.Zx-_9")).toEqual({ page: "approval-link", token: "eyJhIjoxfQ.Zx-_9" });
    expect(parseRoute("/approve")).toEqual({ page: "not-found" });
    expect(parseRoute("/approve/a/b")).toEqual({ page: "not-found" });
  });

  it("knows the connections page", () => {
    expect(parseRoute(CONNECTIONS_PATH)).toEqual({ page: "connections" });
    expect(parseRoute("/connections/")).toEqual({ page: "connections" });
    expect(parseRoute("/connections/c1")).toEqual({ page: "not-found" });
  });

  it("knows the templates gallery", () => {
    expect(parseRoute(TEMPLATES_PATH)).toEqual({ page: "templates" });
    expect(parseRoute("/templates/")).toEqual({ page: "templates" });
    expect(parseRoute("/templates/virustotal_ip_enrichment")).toEqual({ page: "not-found" });
  });

  it("reads back the token approvalLinkPath writes", () => {
    expect(parseRoute(approvalLinkPath("a b/c="))).toEqual({ page: "approval-link", token: "a b/c=" });
  });
});
