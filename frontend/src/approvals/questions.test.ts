import { describe, expect, it } from "vitest";
import { parseApprovalView } from "./api";
import { answeredQuestions, answersFor, askedWith, initialChoices, missingAnswer } from "./questions";
import { VIEW_BODY } from "./testData";

const { questions } = parseApprovalView(VIEW_BODY);
const [severity, collections] = questions;

describe("the questions of a request", () => {
  it("are asked with every option, or only with theirs", () => {
    expect([askedWith(severity, "Block"), askedWith(severity, "Ignore")]).toEqual([true, true]);
    expect([askedWith(collections, "Block"), askedWith(collections, "Ignore")]).toEqual([true, false]);
  });

  it("open with their defaults, each its own list", () => {
    const chosen = initialChoices(questions);
    expect(chosen).toEqual({ severity: ["same"], collections: [] });
    chosen["severity"].push("High");
    expect(severity.default).toEqual(["same"]);
  });

  it("hold an option back while a required question asked with it has no answer", () => {
    const chosen = initialChoices(questions);
    expect(missingAnswer(questions, "Block", chosen)).toBe(collections);
    expect(missingAnswer(questions, "Ignore", chosen)).toBeNull();
    expect(missingAnswer(questions, "Block", { ...chosen, collections: ["rg::fw-prod::Deny-Inbound"] })).toBeNull();
  });

  it("send the answers asked with the option: one value, or a list", () => {
    const chosen = { severity: [], collections: ["rg::fw-prod::Deny-Outbound"] };
    expect(answersFor(questions, "Block", chosen)).toEqual({
      severity: null,
      collections: ["rg::fw-prod::Deny-Outbound"],
    });
    expect(answersFor(questions, "Ignore", chosen)).toEqual({ severity: null });
  });

  it("read answers by the choices' titles", () => {
    const answers = { severity: "same", collections: ["rg::fw-prod::Deny-Inbound", "gone"] };
    expect(answeredQuestions(questions, answers).map((given) => given.text)).toEqual([
      "Don't change",
      "fw-prod  Deny-Inbound, gone",
    ]);
    expect(answeredQuestions(questions, { severity: null }).map((given) => given.text)).toEqual(["no answer"]);
  });
});
