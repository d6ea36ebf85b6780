import { describe, expect, it } from "vitest";
import { ApiError } from "../api";
import { formatDateTime } from "../format";
import { parseApprovalView } from "./api";
import type { ApprovalView } from "./api";
import { expiryText, isFinalRefusal, outcomeOf, policyText, suggestedOption } from "./outcome";
import { VIEW_BODY } from "./testData";

const OPEN = parseApprovalView(VIEW_BODY);
const ANSWER = { option: "Block", comment: null, answers: {}, respondedAt: "2026-11-28T10:05:00Z" };
const AT = formatDateTime(ANSWER.respondedAt);

function view(changes: Partial<ApprovalView>): ApprovalView {
  return { ...OPEN, ...changes };
}

describe("outcomeOf", () => {
  const now = new Date("2026-11-28T11:00:00Z");

  it("shows the options while the request waits for this approver", () => {
    expect(outcomeOf(OPEN, false, now)).toBeNull();
  });

  it("confirms an answer just given, and what became of the request", () => {
    // The server says "answered" to whoever answered, decided or not.
    expect(outcomeOf(view({ state: "answered", decision: "Block", answer: ANSWER }), true, now)).toEqual({
      tone: "success",
      lines: [`You chose Block. Recorded at ${AT}.`, "The request is decided: Block; the playbook goes on."],
    });
    expect(outcomeOf(view({ state: "answered", answer: ANSWER, responsesCount: 2 }), true, now)).toEqual({
      tone: "success",
      lines: [
        `You chose Block. Recorded at ${AT}.`,
        "The playbook waits for the other approvers: 2 of 3 have answered.",
      ],
    });
  });

  it("reports an earlier answer of this approver, and the decision, which may be another", () => {
    expect(outcomeOf(view({ state: "answered", answer: ANSWER, responsesCount: 2 }), false, now)).toEqual({
      tone: "info",
      lines: [
        `You already answered: Block (at ${AT}).`,
        "The playbook waits for the other approvers: 2 of 3 have answered.",
      ],
    });
    expect(outcomeOf(view({ state: "answered", decision: "Ignore", answer: ANSWER }), false, now)?.lines).toEqual([
      `You already answered: Block (at ${AT}).`,
      "The request is decided: Ignore; the playbook goes on.",
    ]);
  });

  it("says an answered request expired when the others never answered", () => {
    const expired = view({ state: "answered", answer: ANSWER, expiresAt: "2026-11-28T10:30:00Z" });
    expect(outcomeOf(expired, false, now)?.lines).toEqual([
      `You already answered: Block (at ${AT}).`,
      `This request expired at ${formatDateTime("2026-11-28T10:30:00Z")} without a decision.`,
    ]);
  });

  it("says others decided when this approver never answered", () => {
    expect(outcomeOf(view({ state: "decided", decision: "Ignore" }), false, now)).toEqual({
      tone: "info",
      lines: ["This request was already decided by other approvers: Ignore."],
    });
  });

  it("says a request ended without a decision, and why", () => {
    expect(outcomeOf(view({ state: "expired" }), false, now)).toEqual({
      tone: "ended",
      lines: [`This request expired at ${formatDateTime(OPEN.expiresAt)} without a decision.`],
    });
    expect(outcomeOf(view({ state: "closed" }), false, now)?.lines).toEqual([
      "This request is closed: the playbook no longer waits for it.",
    ]);
    expect(outcomeOf(view({ state: "withdrawn" }), false, now)?.lines).toEqual([
      "This request can no longer be answered.",
    ]);
  });
});

describe("policyText", () => {
  it("says how several approvers decide", () => {
    expect(policyText({ kind: "first", quorum: null }, 3)).toBe("The first answer decides");
    expect(policyText({ kind: "all", quorum: null }, 3)).toBe("All 3 approvers must agree");
    expect(policyText({ kind: "quorum", quorum: 2 }, 3)).toBe("2 of 3 approvers must agree");
  });

  it("says nothing when there is nothing to explain", () => {
    expect(policyText({ kind: "all", quorum: null }, 1)).toBeNull();
    expect(policyText({ kind: "majority", quorum: null }, 3)).toBeNull();
  });
});

describe("expiryText", () => {
  const now = new Date("2026-11-28T11:00:00Z");

  it("counts down to the expiry, rounding down", () => {
    expect(expiryText("2026-11-29T10:59:00Z", now)).toBe("Expires in 23 h");
    expect(expiryText("2026-11-28T11:42:30Z", now)).toBe("Expires in 42 min");
    expect(expiryText("2026-11-28T11:00:30Z", now)).toBe("Expires in less than a minute");
    expect(expiryText("2026-12-01T10:00:00Z", now)).toBe("Expires in 2 days");
  });

  it("says how long ago it expired", () => {
    expect(expiryText("2026-11-28T09:00:00Z", now)).toBe("Expired 2 hours ago");
  });
});

describe("isFinalRefusal", () => {
  it("is final when the request is no longer this user's to answer", () => {
    expect(isFinalRefusal(new ApiError("approval_decided", "Decided by others", 409))).toBe(true);
    expect(isFinalRefusal(new ApiError("own_request", "Your own run", 403))).toBe(true);
    expect(isFinalRefusal(new ApiError("invalid_link", "Not valid", 404))).toBe(true);
  });

  it("lets the user try again after a bad comment or a network failure", () => {
    expect(isFinalRefusal(new ApiError("invalid_comment", "Too long", 422))).toBe(false);
    expect(isFinalRefusal(new ApiError("network_error", "Offline"))).toBe(false);
    expect(isFinalRefusal(new ApiError("http_502", "Bad gateway", 502))).toBe(false);
  });
});

describe("suggestedOption", () => {
  it("reads the option a link preselects", () => {
    expect(suggestedOption("?option=Block", ["Block", "Ignore"])).toBe("Block");
    expect(suggestedOption("?option=Block%20now%20%26%20tell", ["Block now & tell"])).toBe("Block now & tell");
  });

  it("suggests nothing the request does not offer", () => {
    expect(suggestedOption("", ["Block", "Ignore"])).toBeNull();
    expect(suggestedOption("?option=block", ["Block", "Ignore"])).toBeNull();
    expect(suggestedOption("?option=", ["Block", "Ignore"])).toBeNull();
  });
});
