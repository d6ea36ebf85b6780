// The pieces both approval pages show: the request's facts, its message and incident, its
// questions and the options to answer with, and what became of it. Every text the playbook or an approver wrote is
// rendered as React text, so markup or expression syntax in it shows as typed and never runs.

import { useId, useState } from "react";
import { toApiError } from "../api";
import type { ApiError } from "../api";
import { formatDateTime, relativeTime } from "../format";
import type { JsonObject } from "../json";
import { SeverityPill, StatusPill } from "../incidents/Pills";
import { Link } from "../Link";
import { incidentPath } from "../router";
import { MAX_COMMENT_LENGTH, answerBody } from "./api";
import type { Answers, ApprovalIncident, ApprovalQuestion, ApprovalView } from "./api";
import { expiryText, policyText } from "./outcome";
import type { Outcome } from "./outcome";
import { answeredQuestions, answersFor, initialChoices, missingAnswer } from "./questions";
import type { Chosen } from "./questions";
import "./approvals.css";

/** When it was asked, how long it stays open, and how the approvers decide. */
export function ApprovalMeta({ view, now }: { view: ApprovalView; now: Date }) {
  const policy = policyText(view.policy, view.approversCount);
  // Answered but undecided, it still waits for the others until it expires.
  const undecided = view.decision === null && (view.state === "open" || view.state === "answered");
  return (
    <p className="approval-meta muted">
      <span>
        Asked{" "}
        <time dateTime={view.createdAt} title={formatDateTime(view.createdAt)}>
          {relativeTime(view.createdAt, now)}
        </time>
      </span>
      {undecided && (
        <time dateTime={view.expiresAt} title={formatDateTime(view.expiresAt)}>
          {expiryText(view.expiresAt, now)}
        </time>
      )}
      {policy !== null && <span>{policy}</span>}
      {view.approversCount > 1 && (
        <span>
          {view.responsesCount} of {view.approversCount} answered
        </span>
      )}
    </p>
  );
}

export function ApprovalMessage({ message }: { message: string }) {
  if (message.trim() === "") return null;
  return <p className="approval-message">{message}</p>;
}

/** The incident the playbook runs on; `linked` where the reader is signed in and may open it. */
export function IncidentFacts({ incident, linked }: { incident: ApprovalIncident; linked: boolean }) {
  return (
    <section className="approval-incident" aria-label="Incident" data-testid="approval-incident">
      <p className="approval-incident__head">
        <span className="approval-incident__number">Incident #{incident.number}</span>
        <SeverityPill severity={incident.severity} />
        <StatusPill status={incident.status} />
      </p>
      <p className="approval-incident__title">
        {linked ? (
          <Link to={incidentPath(incident.id)} className="text-link">
            {incident.title}
          </Link>
        ) : (
          incident.title
        )}
      </p>
      {incident.entities.length > 0 && (
        <ul className="approval-entities" aria-label="Entities">
          {incident.entities.map((entity, index) => (
            <li key={index}>
              <span className="approval-entities__kind">{entity.kind}:</span> {entity.name}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** What became of the request, in place of the options, with the approver's own answers. */
export function OutcomePanel({ outcome, view }: { outcome: Outcome; view: ApprovalView }) {
  const comment = view.answer?.comment ?? null;
  return (
    <div className={`approval-result approval-result--${outcome.tone}`} role="status" data-testid="approval-result">
      {outcome.lines.map((line) => (
        <p key={line}>{line}</p>
      ))}
      {view.answer !== null && <AnswersList questions={view.questions} answers={view.answer.answers} />}
      {comment !== null && <p className="approval-result__comment">Your comment: {comment}</p>}
    </div>
  );
}

/** Answers to the request's questions, each after its question. */
export function AnswersList({ questions, answers }: { questions: ApprovalQuestion[]; answers: Answers }) {
  const given = answeredQuestions(questions, answers);
  if (given.length === 0) return null;
  return (
    <dl className="approval-answers" data-testid="approval-answers">
      {given.map(({ question, text }) => (
        <div key={question.id}>
          <dt>{question.label}</dt>
          <dd>{text}</dd>
        </div>
      ))}
    </dl>
  );
}

export interface AnswerState {
  /** The option being sent, until the server answers. */
  sending: string | null;
  /** Why the last answer was not recorded. */
  error: ApiError | null;
  answer: (option: string, comment: string, answers: Answers) => void;
}

/**
 * Sends an answer with `send`. A refusal (already answered, decided meanwhile, expired...) is
 * kept to be shown, and `onRefused` may fetch the request again: the refusal means the page shows
 * it out of date.
 */
export function useAnswer<T extends ApprovalView>(
  send: (body: JsonObject) => Promise<T>,
  onAnswered: (answered: T) => void,
  onRefused?: () => void,
): AnswerState {
  const [sending, setSending] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const answer = (option: string, comment: string, answers: Answers) => {
    setSending(option);
    setError(null);
    send(answerBody(option, comment, answers)).then(
      (answered) => {
        setSending(null);
        onAnswered(answered);
      },
      (reason: unknown) => {
        setSending(null);
        setError(toApiError(reason));
        onRefused?.();
      },
    );
  };
  return { sending, error, answer };
}

export function AnswerError({ error }: { error: ApiError }) {
  return (
    <div className="notice notice--error approval-error" role="alert" data-testid="approval-error">
      <p className="notice__title">Your answer was not recorded</p>
      <p>{error.message}</p>
    </div>
  );
}

interface AnswerFormProps {
  view: ApprovalView;
  state: AnswerState;
  /** The option the approver picked in the message, to confirm with a click. */
  suggested?: string | null;
}

/**
 * The request's questions, then the options as buttons (one click answers, once the required
 * questions that go with that option are answered) and, where the request takes one, a comment.
 */
export function AnswerForm({ view, state, suggested = null }: AnswerFormProps) {
  const [comment, setComment] = useState("");
  const [chosen, setChosen] = useState<Chosen>(() => initialChoices(view.questions));
  const [missing, setMissing] = useState<string | null>(null);
  const commentId = useId();
  const choose = (option: string) => {
    const unanswered = missingAnswer(view.questions, option, chosen);
    setMissing(unanswered === null ? null : `Answer "${unanswered.label}" to choose ${option}.`);
    if (unanswered === null) state.answer(option, comment, answersFor(view.questions, option, chosen));
  };
  return (
    <div className="approval-answer">
      {view.questions.map((question) => (
        <QuestionField
          key={question.id}
          question={question}
          values={chosen[question.id] ?? []}
          disabled={state.sending !== null}
          onChange={(values) => {
            setChosen((before) => ({ ...before, [question.id]: values }));
            setMissing(null);
          }}
        />
      ))}
      {view.allowComment && (
        <div className="field">
          <label htmlFor={commentId}>Comment (optional)</label>
          <textarea
            id={commentId}
            className="input"
            rows={3}
            maxLength={MAX_COMMENT_LENGTH}
            value={comment}
            placeholder="Why you chose so. Plain text."
            onChange={(event) => setComment(event.target.value)}
            disabled={state.sending !== null}
          />
        </div>
      )}
      {suggested !== null && (
        <p className="approval-suggested" data-testid="approval-suggested">
          You picked <strong>{suggested}</strong> in the message. Click it again to confirm, or choose another option.
        </p>
      )}
      <div className="approval-options" role="group" aria-label="Your answer">
        {view.options.map((option) => (
          <button
            key={option}
            type="button"
            className={option === suggested ? "button button--primary approval-option" : "button approval-option"}
            data-testid="approval-option"
            disabled={state.sending !== null}
            aria-busy={state.sending === option}
            onClick={() => choose(option)}
          >
            {option}
          </button>
        ))}
      </div>
      {missing !== null && (
        <p className="approval-missing" role="alert" data-testid="approval-missing">
          {missing}
        </p>
      )}
      {state.sending !== null && (
        <p className="muted" role="status">
          Recording your answer: {state.sending}…
        </p>
      )}
    </div>
  );
}

interface QuestionFieldProps {
  question: ApprovalQuestion;
  values: string[];
  disabled: boolean;
  onChange: (values: string[]) => void;
}

/** One question: a list to pick from, or boxes to tick where several values may be chosen. */
function QuestionField({ question, values, disabled, onChange }: QuestionFieldProps) {
  const id = useId();
  const only = question.forOptions === null ? null : `Only with ${question.forOptions.join(" or ")}`;
  const hint = [question.required ? "Required" : null, only].filter((part) => part !== null).join(" · ");
  if (question.multiple) {
    return (
      <fieldset className="field approval-question" data-testid="approval-question">
        <legend>{question.label}</legend>
        {hint !== "" && <p className="muted approval-question__hint">{hint}</p>}
        <div className="approval-question__choices">
          {question.choices.map((choice) => (
            <label key={choice.value} className="approval-question__choice">
              <input
                type="checkbox"
                checked={values.includes(choice.value)}
                disabled={disabled}
                onChange={(event) =>
                  onChange(
                    event.target.checked
                      ? [...values, choice.value]
                      : values.filter((value) => value !== choice.value),
                  )
                }
              />{" "}
              {choice.title}
            </label>
          ))}
        </div>
      </fieldset>
    );
  }
  return (
    <div className="field approval-question" data-testid="approval-question">
      <label htmlFor={id}>{question.label}</label>
      {hint !== "" && <p className="muted approval-question__hint">{hint}</p>}
      <select
        id={id}
        className="input"
        value={values[0] ?? ""}
        disabled={disabled}
        onChange={(event) => onChange(event.target.value === "" ? [] : [event.target.value])}
      >
        <option value="">No answer</option>
        {question.choices.map((choice) => (
          <option key={choice.value} value={choice.value}>
            {choice.title}
          </option>
        ))}
      </select>
    </div>
  );
}
