// The details of the node clicked in the run view: its step in the iteration shown, with the
// error, each attempt, and the resolved inputs and outputs (secrets arrive masked from the server).

import { formatDateTime } from "../format";
import { nodeLabel } from "../graph/document";
import { indexDocument, stepById } from "../graph/graph";
import { durationText } from "../format";
import { runStatusLabel } from "../incidents/model";
import { JsonView } from "./JsonView";
import { StatusIcon } from "./StatusIcon";
import { enclosingLoops, nodeStatus, stepDuration } from "./trace";
import type { Attempt, StepTrace } from "./trace";
import { traceStore, useTrace } from "./traceStore";

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <section className="node-details__section">
      <h3>{title}</h3>
      {children}
    </section>
  );
}

function attemptTime(attempt: Attempt): string {
  if (attempt.startedAt === null) return "";
  const start = formatDateTime(attempt.startedAt);
  if (attempt.endedAt === null) return start;
  return `${start} · ${durationText(Date.parse(attempt.endedAt) - Date.parse(attempt.startedAt))}`;
}

function Attempts({ log }: { log: readonly Attempt[] }) {
  return (
    <ol className="attempts">
      {log.map((attempt) => (
        <li key={attempt.attempt} data-status={attempt.status}>
          <StatusIcon status={attempt.status} />
          <span className="attempts__label">
            Attempt {attempt.attempt}: {runStatusLabel(attempt.status)}
          </span>
          <span className="muted">{attemptTime(attempt)}</span>
          {attempt.error !== null && <span className="attempts__error">{attempt.error.message}</span>}
        </li>
      ))}
    </ol>
  );
}

function WhereShown({ nodeId }: { nodeId: string }) {
  const text = useTrace((state) => {
    if (state.document === null) return "";
    const loops = enclosingLoops(state.document, nodeId);
    return loops.map((loop) => `iteration ${(state.selections.get(loop) ?? 0) + 1} of ${loop}`).join(", ");
  });
  return text === "" ? null : <p className="node-details__where muted">Shown for {text}.</p>;
}

function StepFacts({ step, now }: { step: StepTrace; now: number }) {
  const duration = stepDuration(step, now);
  return (
    <dl className="node-details__facts">
      {step.startedAt !== null && (
        <>
          <dt>Started</dt>
          <dd>{formatDateTime(step.startedAt)}</dd>
        </>
      )}
      {duration !== null && (
        <>
          <dt>Duration</dt>
          <dd>{durationText(duration)}</dd>
        </>
      )}
      {step.iterations !== null && (
        <>
          <dt>Iterations</dt>
          <dd>{step.iterations}</dd>
        </>
      )}
    </dl>
  );
}

export function NodeDetails({ nodeId }: { nodeId: string }) {
  const step = useTrace((state) => state.steps.get(nodeId));
  const now = useTrace((state) => state.now);
  const title = useTrace((state) => {
    if (state.document === null) return nodeId;
    const index = indexDocument(state.document);
    const node = index.trigger?.id === nodeId ? index.trigger : stepById(index, nodeId);
    return node === undefined ? nodeId : nodeLabel(node);
  });
  const status = nodeStatus(step);
  return (
    <aside className="node-details" data-testid="node-details" aria-label={`Details of ${title}`}>
      <header className="node-details__header">
        <h2>{title}</h2>
        <button
          type="button"
          className="button button--small"
          aria-label="Close the details"
          onClick={() => traceStore.getState().openDetails(null)}
        >
          ×
        </button>
      </header>
      <p className={`run-pill run-pill--${status}`} data-status={status}>
        <StatusIcon status={status} />
        {runStatusLabel(status)}
      </p>
      <WhereShown nodeId={nodeId} />
      {step === undefined ? (
        <p className="muted">The run did not reach this step.</p>
      ) : (
        <>
          <StepFacts step={step} now={now} />
          {step.error !== null && (
            <Section title="Error">
              <p className="node-details__error">
                <code>{step.error.code}</code> {step.error.message}
              </p>
              {Object.keys(step.error.details).length > 0 && <JsonView value={step.error.details} />}
            </Section>
          )}
          {step.attemptLog.length > 0 && (
            <Section title={step.attemptLog.length === 1 ? "Attempt" : `Attempts (${step.attemptLog.length})`}>
              <Attempts log={step.attemptLog} />
            </Section>
          )}
          <Section title="Inputs">
            {step.inputs === null || step.inputs === undefined ? <p className="muted">None</p> : <JsonView value={step.inputs} />}
          </Section>
          <Section title="Output">
            {step.output === null || step.output === undefined ? <p className="muted">None</p> : <JsonView value={step.output} />}
          </Section>
        </>
      )}
    </aside>
  );
}
