// The page an approver's e-mail or Slack message links to. It needs no account: the signed token
// in the address is the credential, so whoever the playbook asked (perhaps on a phone, perhaps
// not a soarflow user at all) can read the request and answer it.

import { useState } from "react";
import type { ReactNode } from "react";
import { Brand } from "../Brand";
import { ErrorMessage } from "../ErrorMessage";
import { useLoad } from "../incidents/useLoad";
import { useSearch } from "../router";
import { answerApprovalLink, fetchApprovalLink } from "./api";
import type { ApprovalView } from "./api";
import {
  AnswerError,
  AnswerForm,
  ApprovalMessage,
  ApprovalMeta,
  IncidentFacts,
  OutcomePanel,
  useAnswer,
} from "./ApprovalParts";
import { outcomeOf, suggestedOption } from "./outcome";
import "./approvals.css";

export function ApprovalLinkPage({ token }: { token: string }) {
  const { state, retry, reload, set } = useLoad(token, (signal) => fetchApprovalLink(token, signal));
  return (
    <Card>
      {state.status === "loading" && (
        <p className="muted" role="status">
          Loading the request…
        </p>
      )}
      {state.status === "error" &&
        (state.error.code === "invalid_link" ? (
          <InvalidLink />
        ) : (
          <ErrorMessage
            title="Could not load the request"
            error={state.error}
            action={{ label: "Try again", onClick: retry }}
          />
        ))}
      {state.status === "ready" && <Request token={token} view={state.data} onAnswered={set} onRefused={reload} />}
    </Card>
  );
}

/** The sign-in card's frame, wider: a phone shows it edge to edge. */
function Card({ children }: { children: ReactNode }) {
  return (
    <div className="auth-page approval-page">
      <main className="auth-card approval-card" aria-label="Approval request">
        <div className="auth-card__brand">
          <Brand />
        </div>
        <div className="approval-card__body">{children}</div>
      </main>
    </div>
  );
}

function InvalidLink() {
  return (
    <>
      <h1 className="approval-title">Approval request</h1>
      <div className="approval-result approval-result--ended" role="alert" data-testid="approval-result">
        <p>This link is not valid. It may have been mistyped or tampered with.</p>
      </div>
      <p className="muted">Open the link from the message again, or ask whoever runs the playbook for a new one.</p>
    </>
  );
}

interface RequestProps {
  token: string;
  view: ApprovalView;
  onAnswered: (view: ApprovalView) => void;
  onRefused: () => void;
}

function Request({ token, view, onAnswered, onRefused }: RequestProps) {
  // Set once this page recorded the answer: the outcome then confirms it rather than calling it
  // an earlier one.
  const [answeredNow, setAnsweredNow] = useState(false);
  const answering = useAnswer(
    (body) => answerApprovalLink(token, body),
    (answered) => {
      setAnsweredNow(true);
      onAnswered(answered);
    },
    onRefused,
  );
  const search = useSearch();
  const now = new Date();
  const outcome = outcomeOf(view, answeredNow, now);
  return (
    <>
      <div className="approval-heading">
        <p className="approval-eyebrow">Approval requested</p>
        <h1 className="approval-title">{view.title}</h1>
        <p className="approval-for" data-testid="approval-approver">
          For {view.approver}
        </p>
        <ApprovalMeta view={view} now={now} />
      </div>
      <ApprovalMessage message={view.message} />
      {view.incident !== null && <IncidentFacts incident={view.incident} linked={false} />}
      {answering.error !== null && <AnswerError error={answering.error} />}
      {outcome === null ? (
        <AnswerForm view={view} state={answering} suggested={suggestedOption(search, view.options)} />
      ) : (
        <OutcomePanel outcome={outcome} view={view} />
      )}
    </>
  );
}
