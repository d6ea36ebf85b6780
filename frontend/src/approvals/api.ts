// Approval requests as the API returns them, read from untrusted JSON, and the four calls that
// show and answer them: by a signed link (no account needed, the token is the credential) and
// from the signed-in user's inbox.

import { apiRequest } from "../api";
import {
  fail,
  isObject,
  readArray,
  readBoolean,
  readCount,
  readNullableString,
  readObject,
  readString,
  readStringArray,
  readTimestamp,
} from "../json";
import type { JsonObject } from "../json";
import { parsePage } from "../incidents/model";
import type { Page } from "../incidents/model";
import { INBOX_PAGE_SIZE } from "./inbox";
import type { InboxFilter } from "./inbox";

export const APPROVAL_LINKS_URL = "/api/v1/approval-links";
export const APPROVALS_URL = "/api/v1/approvals";
/** The longest comment the server accepts; the text box stops there rather than fail on send. */
export const MAX_COMMENT_LENGTH = 2000;

// States and policy kinds are plain strings, not unions: a newer server may add one, and one
// unknown word must not turn the page into an error. Only "open" may be answered.

export interface ApprovalIncident {
  id: string;
  number: number;
  title: string;
  severity: string;
  status: string;
  entities: { kind: string; name: string }[];
}

/** An answer to a question: a choice's value, several (a question with several answers), or none. */
export type AnswerValue = string | string[] | null;
/** Answers by question id. */
export type Answers = Record<string, AnswerValue>;

/** One approver's answer. */
export interface ApprovalAnswer {
  option: string;
  comment: string | null;
  answers: Answers;
  respondedAt: string;
}

export interface ApprovalChoice {
  title: string;
  value: string;
}

/** A question asked besides the options: a choice among values. */
export interface ApprovalQuestion {
  id: string;
  label: string;
  choices: ApprovalChoice[];
  /** Several values may be chosen. */
  multiple: boolean;
  /** Must be answered with the options it is asked with. */
  required: boolean;
  /** The values chosen when the page opens. */
  default: string[];
  /** The options it is asked with; null: every option. */
  forOptions: string[] | null;
}

export interface ApprovalPolicy {
  /** first, all or quorum. */
  kind: string;
  /** How many answers decide, for a quorum. */
  quorum: number | null;
}

/** A request as one approver sees it. */
export interface ApprovalView {
  id: string;
  title: string;
  /** Plain text with line breaks. */
  message: string;
  options: string[];
  questions: ApprovalQuestion[];
  allowComment: boolean;
  /** open, answered (by this approver, not decided yet), decided, expired or closed. */
  state: string;
  /** The option that won, once decided. */
  decision: string | null;
  policy: ApprovalPolicy;
  /** Whom the link or inbox entry is for: an e-mail address or a user name. */
  approver: string;
  /** This approver's own answer. */
  answer: ApprovalAnswer | null;
  responsesCount: number;
  approversCount: number;
  createdAt: string;
  expiresAt: string;
  incident: ApprovalIncident | null;
}

export interface ApprovalResponse extends ApprovalAnswer {
  approver: string;
}

/** A request in the inbox: the view, plus the run that asks and everyone's answers so far. */
export interface InboxApproval extends ApprovalView {
  runId: string;
  playbookId: string;
  /** Null when the playbook is gone. */
  playbookName: string | null;
  responses: ApprovalResponse[];
}

function readNullableCount(obj: JsonObject, key: string, path: string): number | null {
  return obj[key] === null ? null : readCount(obj, key, path);
}

function parseIncident(value: unknown, path: string): ApprovalIncident | null {
  if (value === null) return null;
  if (!isObject(value)) fail(path, "an object or null", value);
  return {
    id: readString(value, "id", path),
    number: readCount(value, "number", path),
    title: readString(value, "title", path),
    severity: readString(value, "severity", path),
    status: readString(value, "status", path),
    entities: readArray(value, "entities", path).map((entity, index) => {
      const entityPath = `${path}.entities[${index}]`;
      if (!isObject(entity)) fail(entityPath, "an object", entity);
      return { kind: readString(entity, "kind", entityPath), name: readString(entity, "name", entityPath) };
    }),
  };
}

function parseAnswers(obj: JsonObject, path: string): Answers {
  const answers = readObject(obj, "answers", path);
  const found: Answers = {};
  for (const [id, value] of Object.entries(answers)) {
    const valuePath = `${path}.answers.${id}`;
    if (value === null || typeof value === "string") found[id] = value;
    else if (Array.isArray(value)) found[id] = readStringArray(answers, id, `${path}.answers`);
    else fail(valuePath, "a string, a list of strings or null", value);
  }
  return found;
}

function parseAnswer(value: unknown, path: string): ApprovalAnswer {
  if (!isObject(value)) fail(path, "an object", value);
  return {
    option: readString(value, "option", path),
    comment: readNullableString(value, "comment", path),
    answers: parseAnswers(value, path),
    respondedAt: readTimestamp(value, "responded_at", path),
  };
}

function parseQuestion(value: unknown, path: string): ApprovalQuestion {
  if (!isObject(value)) fail(path, "an object", value);
  return {
    id: readString(value, "id", path),
    label: readString(value, "label", path),
    choices: readArray(value, "choices", path).map((choice, index) => {
      const choicePath = `${path}.choices[${index}]`;
      if (!isObject(choice)) fail(choicePath, "an object", choice);
      return { title: readString(choice, "title", choicePath), value: readString(choice, "value", choicePath) };
    }),
    multiple: readBoolean(value, "multiple", path),
    required: readBoolean(value, "required", path),
    default: readStringArray(value, "default", path),
    forOptions: value["for_options"] === null ? null : readStringArray(value, "for_options", path),
  };
}

function parsePolicy(obj: JsonObject, path: string): ApprovalPolicy {
  const policy = readObject(obj, "policy", path);
  const policyPath = `${path}.policy`;
  return { kind: readString(policy, "kind", policyPath), quorum: readNullableCount(policy, "quorum", policyPath) };
}

function viewFields(value: JsonObject, path: string): ApprovalView {
  return {
    id: readString(value, "id", path),
    title: readString(value, "title", path),
    message: readString(value, "message", path),
    options: readStringArray(value, "options", path),
    questions: readArray(value, "questions", path).map((item, index) =>
      parseQuestion(item, `${path}.questions[${index}]`),
    ),
    allowComment: readBoolean(value, "allow_comment", path),
    state: readString(value, "state", path),
    decision: readNullableString(value, "decision", path),
    policy: parsePolicy(value, path),
    approver: readString(value, "approver", path),
    answer: value["answer"] === null ? null : parseAnswer(value["answer"], `${path}.answer`),
    responsesCount: readCount(value, "responses_count", path),
    approversCount: readCount(value, "approvers_count", path),
    createdAt: readTimestamp(value, "created_at", path),
    expiresAt: readTimestamp(value, "expires_at", path),
    incident: parseIncident(value["incident"], `${path}.incident`),
  };
}

export function parseApprovalView(body: unknown): ApprovalView {
  if (!isObject(body)) fail("response", "an object", body);
  return viewFields(body, "response");
}

function parseResponse(value: unknown, path: string): ApprovalResponse {
  if (!isObject(value)) fail(path, "an object", value);
  return { approver: readString(value, "approver", path), ...parseAnswer(value, path) };
}

function parseInboxItem(value: unknown, path: string): InboxApproval {
  if (!isObject(value)) fail(path, "an object", value);
  return {
    ...viewFields(value, path),
    runId: readString(value, "run_id", path),
    playbookId: readString(value, "playbook_id", path),
    playbookName: readNullableString(value, "playbook_name", path),
    responses: readArray(value, "responses", path).map((item, index) =>
      parseResponse(item, `${path}.responses[${index}]`),
    ),
  };
}

export const parseInboxApproval = (body: unknown): InboxApproval => parseInboxItem(body, "response");

export const parseInboxPage = (body: unknown): Page<InboxApproval> => parsePage(body, parseInboxItem);

/**
 * What answering sends; a blank comment is no comment (the server refuses one where comments are
 * off), and answers go only where there are questions.
 */
export function answerBody(option: string, comment: string, answers: Answers = {}): JsonObject {
  const body: JsonObject = { option };
  if (comment.trim() !== "") body["comment"] = comment;
  if (Object.keys(answers).length > 0) body["answers"] = answers;
  return body;
}

function linkUrl(token: string): string {
  return `${APPROVAL_LINKS_URL}/${encodeURIComponent(token)}`;
}

// The link calls need no session: a 401 from them must not sign out a tab that has one.

export function fetchApprovalLink(token: string, signal?: AbortSignal): Promise<ApprovalView> {
  return apiRequest(linkUrl(token), { parse: parseApprovalView, signal, sessionRequired: false });
}

export function answerApprovalLink(token: string, body: JsonObject): Promise<ApprovalView> {
  return apiRequest(linkUrl(token), { method: "POST", body, parse: parseApprovalView, sessionRequired: false });
}

export function fetchInbox(filter: InboxFilter, signal?: AbortSignal): Promise<Page<InboxApproval>> {
  const params = new URLSearchParams({
    state: filter.state,
    offset: String(filter.offset),
    limit: String(INBOX_PAGE_SIZE),
  });
  return apiRequest(`${APPROVALS_URL}?${params}`, { parse: parseInboxPage, signal });
}

export function answerInboxApproval(id: string, body: JsonObject): Promise<InboxApproval> {
  const url = `${APPROVALS_URL}/${encodeURIComponent(id)}/respond`;
  return apiRequest(url, { method: "POST", body, parse: parseInboxApproval });
}
