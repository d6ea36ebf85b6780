// The signed-in user's inbox: the approval requests that name them, answered in place.

import { useId, useMemo, useState } from "react";
import { formatDateTime, relativeTime } from "../format";
import { Count } from "../incidents/IncidentsPage";
import { PagedList } from "../incidents/ListControls";
import { useLoad } from "../incidents/useLoad";
import { Link } from "../Link";
import { APPROVALS_PATH, designerPath, navigate, runPath, useSearch } from "../router";
import { answerInboxApproval, fetchInbox } from "./api";
import type { ApprovalQuestion, ApprovalResponse, InboxApproval } from "./api";
import {
  AnswerError,
  AnswerForm,
  AnswersList,
  ApprovalMessage,
  ApprovalMeta,
  IncidentFacts,
  OutcomePanel,
  useAnswer,
} from "./ApprovalParts";
import { INBOX_PAGE_SIZE, inboxQuery, readInboxFilter } from "./inbox";
import type { InboxFilter, InboxState } from "./inbox";
import { isFinalRefusal, outcomeOf } from "./outcome";
import "./approvals.css";

const STATE_CHOICES: { state: InboxState; label: string }[] = [
  { state: "open", label: "Open" },
  { state: "all", label: "All" },
];

// Replaced rather than pushed, like the other lists' filters: Back leaves the page.
function changeFilter(filter: InboxFilter): void {
  navigate(`${APPROVALS_PATH}${inboxQuery(filter)}`, { replace: true });
}

export function ApprovalsPage() {
  const search = useSearch();
  const filter = useMemo(() => readInboxFilter(search), [search]);
  const { state, retry } = useLoad(`approvals${inboxQuery(filter)}`, (signal) => fetchInbox(filter, signal));

  return (
    <section className="panel" aria-labelledby="approvals-heading">
      <div className="panel__header">
        <h1 id="approvals-heading">Approvals</h1>
        {state.status === "ready" && <Count page={state.data} noun="approval" />}
        <div className="panel__actions">
          <StateToggle current={filter.state} />
        </div>
      </div>
      <PagedList
        state={state}
        noun="approvals"
        retry={retry}
        offset={filter.offset}
        pageSize={INBOX_PAGE_SIZE}
        onOffset={(offset) => changeFilter({ ...filter, offset })}
        empty={<EmptyInbox filter={filter} />}
      >
        {(approvals) => (
          <ol className="approval-list">
            {/* Each card keeps its own answer: answering one never moves the others under the pointer. */}
            {approvals.map((approval) => (
              <ApprovalCard key={approval.id} approval={approval} />
            ))}
          </ol>
        )}
      </PagedList>
    </section>
  );
}

function StateToggle({ current }: { current: InboxState }) {
  return (
    <div className="approval-toggle" role="group" aria-label="Which approvals">
      {STATE_CHOICES.map(({ state, label }) => (
        <button
          key={state}
          type="button"
          className="button button--small approval-toggle__choice"
          aria-pressed={state === current}
          onClick={() => changeFilter({ state, offset: 0 })}
        >
          {label}
        </button>
      ))}
    </div>
  );
}

function EmptyInbox({ filter }: { filter: InboxFilter }) {
  if (filter.offset > 0) {
    return (
      <div className="empty">
        <p className="empty__title">No more approvals.</p>
        <button type="button" className="button" onClick={() => changeFilter({ ...filter, offset: 0 })}>
          Back to the newest
        </button>
      </div>
    );
  }
  return (
    <div className="empty">
      <p className="empty__title">
        {filter.state === "open" ? "No approvals wait for you." : "No approval has asked you yet."}
      </p>
      <p className="muted">Playbooks that ask you to approve a step list their requests here.</p>
    </div>
  );
}

function ApprovalCard({ approval }: { approval: InboxApproval }) {
  // The server's answer to this card's own answer, newer than the list's copy.
  const [answered, setAnswered] = useState<InboxApproval | null>(null);
  const shown = answered ?? approval;
  const answering = useAnswer((body) => answerInboxApproval(approval.id, body), (done) => setAnswered(done));
  const headingId = useId();
  const now = new Date();
  const outcome = outcomeOf(shown, answered !== null, now);
  const refusedForGood = answering.error !== null && isFinalRefusal(answering.error);
  return (
    <li className="approval-item" data-testid="approval-card" aria-labelledby={headingId}>
      <div className="approval-heading">
        <h2 id={headingId} className="approval-title approval-title--card">
          {shown.title}
        </h2>
        <ApprovalMeta view={shown} now={now} />
        <Origin approval={shown} />
      </div>
      <ApprovalMessage message={shown.message} />
      {shown.incident !== null && <IncidentFacts incident={shown.incident} linked />}
      <Responses responses={shown.responses} questions={shown.questions} />
      {answering.error !== null && <AnswerError error={answering.error} />}
      {outcome !== null ? (
        <OutcomePanel outcome={outcome} view={shown} />
      ) : (
        !refusedForGood && <AnswerForm view={shown} state={answering} />
      )}
    </li>
  );
}

/** The playbook and the run that ask. */
function Origin({ approval }: { approval: InboxApproval }) {
  return (
    <p className="approval-origin">
      {approval.playbookName === null ? (
        "Asked by a deleted playbook"
      ) : (
        <>
          Asked by the playbook{" "}
          <Link to={designerPath(approval.playbookId)} className="text-link">
            {approval.playbookName}
          </Link>
        </>
      )}{" "}
      ·{" "}
      <Link to={runPath(approval.runId)} className="text-link">
        Open run
      </Link>
    </p>
  );
}

function Responses({ responses, questions }: { responses: ApprovalResponse[]; questions: ApprovalQuestion[] }) {
  const now = new Date();
  if (responses.length === 0) return null;
  return (
    <section className="approval-responses" aria-label="Answers so far">
      <h3 className="approval-responses__title">Answers so far</h3>
      <ul className="approval-responses__list">
        {responses.map((response) => (
          <li key={response.approver} className="approval-response" data-testid="approval-response">
            <span className="approval-response__who">{response.approver}</span> chose{" "}
            <strong>{response.option}</strong>{" "}
            <time className="muted" dateTime={response.respondedAt} title={formatDateTime(response.respondedAt)}>
              {relativeTime(response.respondedAt, now)}
            </time>
            <AnswersList questions={questions} answers={response.answers} />
            {response.comment !== null && <p className="approval-response__comment">{response.comment}</p>}
          </li>
        ))}
      </ul>
    </section>
  );
}
