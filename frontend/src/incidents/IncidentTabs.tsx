// The incident page's tabs: its alerts, entities, comments, timeline and runs.

import { useState } from "react";
import type { FormEvent } from "react";
import { toApiError } from "../api";
import type { ApiError } from "../api";
import { ErrorMessage } from "../ErrorMessage";
import { formatDateTime, relativeTime } from "../format";
import { Link } from "../Link";
import { designerPath, runPath } from "../router";
import { addComment } from "./api";
import { groupEntities } from "./entities";
import type { AlertSummary, Comment, Entity, Incident, Page, RunSummary } from "./model";
import { ACTIVE_RUN_STATUSES, runDuration, runTriggerLabel } from "./model";
import { RunStatusPill, SeverityPill } from "./Pills";
import { buildTimeline } from "./timeline";
import type { TimelineKind } from "./timeline";
import type { LoadState } from "./useLoad";

function When({ at, now }: { at: string; now: Date }) {
  return (
    <time dateTime={at} title={formatDateTime(at)}>
      {relativeTime(at, now)}
    </time>
  );
}

export function AlertsTab({ alerts }: { alerts: AlertSummary[] }) {
  const now = new Date();
  if (alerts.length === 0) return <p className="panel__message">No alerts belong to this incident any more.</p>;
  return (
    <div className="table-wrap">
      <table className="table incident-alerts">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Title</th>
            <th scope="col">Severity</th>
            <th scope="col">Product</th>
            <th scope="col">Rule</th>
          </tr>
        </thead>
        <tbody>
          {alerts.map((alert) => (
            <tr key={alert.id} data-testid="alert-row">
              <td className="cell-updated">
                <When at={alert.time} now={now} />
              </td>
              <td>
                <span className="cell-name">{alert.title}</span>
                {alert.description && <div className="cell-description">{alert.description}</div>}
              </td>
              <td>
                <SeverityPill severity={alert.severity} />
              </td>
              <td>{alert.sourceProduct}</td>
              <td>{alert.ruleName}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function EntitiesTab({ entities }: { entities: Entity[] }) {
  if (entities.length === 0) return <p className="panel__message">The alerts named no entities.</p>;
  return (
    <div className="entity-groups">
      {groupEntities(entities).map((group) => (
        <section key={group.kind} className="entity-group" aria-label={group.label} data-testid="entity-group">
          <h3 className="entity-group__title">
            {group.label} <span className="muted">{group.entities.length}</span>
          </h3>
          <ul className="entity-list">
            {group.entities.map((entity, index) => (
              <li key={index} className="entity">
                <span className="entity__key" data-testid="entity-key">
                  {entity.key || <span className="muted">(no properties)</span>}
                </span>
                {entity.details.length > 0 && (
                  <dl className="entity__details">
                    {entity.details.map((detail) => (
                      <div key={detail.name}>
                        <dt>{detail.name}</dt>
                        <dd>{detail.value}</dd>
                      </div>
                    ))}
                  </dl>
                )}
              </li>
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}

interface CommentsProps {
  incident: Incident;
  onAdded: (comment: Comment) => void;
}

export function CommentsTab({ incident, onAdded }: CommentsProps) {
  const now = new Date();
  const [text, setText] = useState("");
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (text.trim() === "") return;
    setSending(true);
    setError(null);
    addComment(incident.id, text).then(
      (comment) => {
        setSending(false);
        setText("");
        onAdded(comment);
      },
      (reason: unknown) => {
        setSending(false);
        setError(toApiError(reason));
      },
    );
  };

  return (
    <div className="comments">
      {incident.comments.length === 0 ? (
        <p className="comments__empty muted">No comments yet.</p>
      ) : (
        <ol className="comment-list">
          {incident.comments.map((comment) => (
            <li key={comment.id} className="comment" data-testid="comment">
              <div className="comment__meta">
                <span className="comment__author">{comment.authorName}</span>
                <span className="muted">
                  {" · "}
                  <When at={comment.createdAt} now={now} />
                </span>
              </div>
              {/* Text, never markup: React escapes it, and pre-wrap keeps its lines. */}
              <p className="comment__text">{comment.text}</p>
            </li>
          ))}
        </ol>
      )}
      <form className="comment-form" onSubmit={submit}>
        <label htmlFor="new-comment" className="setting__label">
          Add a comment
        </label>
        <textarea
          id="new-comment"
          className="input"
          rows={3}
          maxLength={30000}
          value={text}
          placeholder="What you found, what you did. Plain text."
          onChange={(event) => setText(event.target.value)}
          disabled={sending}
        />
        {error !== null && (
          <ErrorMessage
            title="Could not add the comment"
            error={error}
            action={{ label: "Dismiss", onClick: () => setError(null) }}
          />
        )}
        <div>
          <button type="submit" className="button button--primary" disabled={sending || text.trim() === ""}>
            {sending ? "Adding…" : "Add comment"}
          </button>
        </div>
      </form>
    </div>
  );
}

const TIMELINE_MARKS: Record<TimelineKind, string> = {
  created: "timeline__mark--created",
  alert: "timeline__mark--alert",
  comment: "timeline__mark--comment",
  run: "timeline__mark--run",
  closed: "timeline__mark--closed",
};

interface TimelineProps {
  incident: Incident;
  runs: LoadState<Page<RunSummary>>;
  playbookName: (id: string) => string;
}

export function TimelineTab({ incident, runs, playbookName }: TimelineProps) {
  const now = new Date();
  const entries = buildTimeline(incident, runs.status === "ready" ? runs.data.data : [], playbookName);
  return (
    <div className="timeline-wrap">
      {runs.status === "error" && <p className="muted timeline__note">The runs could not be loaded; they are not shown.</p>}
      <ol className="timeline">
        {entries.map((entry) => (
          <li key={entry.key} className="timeline__entry" data-testid="timeline-entry">
            <span className={`timeline__mark ${TIMELINE_MARKS[entry.kind]}`} aria-hidden="true" />
            <div className="timeline__body">
              <div className="timeline__head">
                <span className="timeline__title">{entry.title}</span>
                <span className="timeline__time muted">
                  <When at={entry.at} now={now} />
                </span>
              </div>
              {entry.detail && <p className="timeline__detail">{entry.detail}</p>}
              {entry.runId !== undefined && (
                <Link to={runPath(entry.runId)} className="text-link timeline__link">
                  Open the run
                </Link>
              )}
            </div>
          </li>
        ))}
      </ol>
    </div>
  );
}

interface RunsProps {
  runs: LoadState<Page<RunSummary>>;
  playbookName: (id: string) => string;
  onRetry: () => void;
  /** A run just started here, marked so the eye finds it. */
  highlightedId: string | null;
}

export function RunsTab({ runs, playbookName, onRetry, highlightedId }: RunsProps) {
  const now = new Date();
  if (runs.status === "loading") {
    return (
      <p className="panel__message" role="status">
        Loading runs…
      </p>
    );
  }
  if (runs.status === "error") {
    return <ErrorMessage title="Could not load the runs" error={runs.error} action={{ label: "Try again", onClick: onRetry }} />;
  }
  if (runs.data.data.length === 0) {
    return (
      <div className="empty">
        <p className="empty__title">No playbook has run on this incident.</p>
        <p className="muted">Runs started by hand with Run playbook, and by automation rules, are listed here.</p>
      </div>
    );
  }
  return (
    <div className="table-wrap">
      <table className="table runs-table">
        <thead>
          <tr>
            <th scope="col">Status</th>
            <th scope="col">Playbook</th>
            <th scope="col">Trigger</th>
            <th scope="col">Started</th>
            <th scope="col" className="num">
              Duration
            </th>
            <th scope="col">
              <span className="visually-hidden">Run</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {runs.data.data.map((run) => (
            <tr
              key={run.id}
              data-testid="run-row"
              className={run.id === highlightedId ? "runs-table__row--new" : undefined}
            >
              <td>
                <RunStatusPill status={run.status} />
                {run.errorMessage !== null && <div className="runs-table__error">{run.errorMessage}</div>}
              </td>
              <td>
                <Link to={designerPath(run.playbookId)} className="cell-name">
                  {playbookName(run.playbookId)}
                </Link>
                <span className="muted"> · v{run.playbookVersion}</span>
              </td>
              <td>{runTriggerLabel(run.triggerType)}</td>
              <td className="cell-updated">
                <When at={run.startedAt ?? run.createdAt} now={now} />
              </td>
              <td className="num">
                {runDuration(run.startedAt, run.endedAt, now) || <span className="muted">—</span>}
                {ACTIVE_RUN_STATUSES.has(run.status) && run.startedAt !== null && <span className="muted"> so far</span>}
              </td>
              <td className="runs-table__open">
                <Link to={runPath(run.id)} className="text-link">Open run</Link>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
