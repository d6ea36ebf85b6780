// What an approval page says about a request: how it is decided, when it expires, and, once it
// can no longer be answered, why (so that a second click on a link is told what happened instead
// of seeing buttons that would only fail).

import type { ApiError } from "../api";
import { formatDateTime, relativeTime } from "../format";
import type { ApprovalAnswer, ApprovalPolicy, ApprovalView } from "./api";

/** success: the answer just given; info: the request went on without this page; ended: too late. */
export type OutcomeTone = "success" | "info" | "ended";

export interface Outcome {
  tone: OutcomeTone;
  /** Sentences, each its own line. */
  lines: string[];
}

function decidedLine(decision: string): string {
  return `The request is decided: ${decision}; the playbook goes on.`;
}

function decidedByOthersLine(decision: string | null): string {
  return decision === null
    ? "This request was already decided by other approvers."
    : `This request was already decided by other approvers: ${decision}.`;
}

function expiredLine(expiresAt: string): string {
  return `This request expired at ${formatDateTime(expiresAt)} without a decision.`;
}

function waitingLine(view: ApprovalView): string {
  return `The playbook waits for the other approvers: ${view.responsesCount} of ${view.approversCount} have answered.`;
}

function ownAnswerLine(answer: ApprovalAnswer, answeredNow: boolean): string {
  const at = formatDateTime(answer.respondedAt);
  return answeredNow
    ? `You chose ${answer.option}. Recorded at ${at}.`
    : `You already answered: ${answer.option} (at ${at}).`;
}

// The server keeps calling the request "answered" for an approver who answered, whatever became
// of it since; the decision and the expiry tell the rest.
function afterAnswerLine(view: ApprovalView, now: Date): string {
  if (view.decision !== null) return decidedLine(view.decision);
  if (Date.parse(view.expiresAt) <= now.getTime()) return expiredLine(view.expiresAt);
  return waitingLine(view);
}

/**
 * What to show instead of the options; null while the request waits for this approver's answer.
 * `answeredNow` is true right after this page recorded the answer, to confirm it rather than
 * report it as an earlier one.
 */
export function outcomeOf(view: ApprovalView, answeredNow: boolean, now: Date): Outcome | null {
  if (view.answer !== null) {
    return {
      tone: answeredNow ? "success" : "info",
      lines: [ownAnswerLine(view.answer, answeredNow), afterAnswerLine(view, now)],
    };
  }
  switch (view.state) {
    case "open":
      return null;
    case "decided":
      return { tone: "info", lines: [decidedByOthersLine(view.decision)] };
    case "expired":
      return { tone: "ended", lines: [expiredLine(view.expiresAt)] };
    case "closed":
      return { tone: "ended", lines: ["This request is closed: the playbook no longer waits for it."] };
    default:
      return { tone: "ended", lines: ["This request can no longer be answered."] };
  }
}

/**
 * The option a link preselects (`?option=Block`: the message has one link per option). Only a
 * suggestion: mail scanners open links too, so the page still waits for a click.
 */
export function suggestedOption(search: string, options: string[]): string | null {
  const option = new URLSearchParams(search).get("option");
  return option !== null && options.includes(option) ? option : null;
}

/** How the answers decide, e.g. "2 of 3 approvers must agree"; null when one approver decides. */
export function policyText(policy: ApprovalPolicy, approversCount: number): string | null {
  if (approversCount <= 1) return null;
  switch (policy.kind) {
    case "first":
      return "The first answer decides";
    case "all":
      return `All ${approversCount} approvers must agree`;
    case "quorum":
      return policy.quorum === null ? null : `${policy.quorum} of ${approversCount} approvers must agree`;
    default:
      return null;
  }
}

const MINUTE_MS = 60_000;

/**
 * "Expires in 23 h", counted down and rounded down: a deadline must never seem further off than
 * it is (relativeTime would round 23 hours to "tomorrow"). Once past, "Expired 2 hours ago".
 */
export function expiryText(expiresAt: string, now: Date): string {
  const minutesLeft = Math.floor((Date.parse(expiresAt) - now.getTime()) / MINUTE_MS);
  if (minutesLeft < 0) return `Expired ${relativeTime(expiresAt, now)}`;
  if (minutesLeft < 1) return "Expires in less than a minute";
  if (minutesLeft < 60) return `Expires in ${minutesLeft} min`;
  const hoursLeft = Math.floor(minutesLeft / 60);
  if (hoursLeft < 48) return `Expires in ${hoursLeft} h`;
  return `Expires in ${Math.floor(hoursLeft / 24)} days`;
}

/**
 * Whether a refused answer means the request cannot be answered here at all (someone decided,
 * it expired, the user may not approve it...), rather than that this attempt failed (a comment
 * too long, the network) and another may succeed.
 */
export function isFinalRefusal(error: ApiError): boolean {
  return error.status === 403 || error.status === 404 || error.status === 409;
}
