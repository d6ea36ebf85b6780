// A run at /runs/<id>: the playbook version that ran, on the canvas, each node in its status, live
// while the run goes on; a node's details on click; cancel, restart and resubmit for those allowed.

import { ReactFlowProvider } from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { useEffect, useState } from "react";
import { toApiError } from "../api";
import type { ApiError } from "../api";
import { fetchMe } from "../auth";
import { loadCatalogue } from "../designer/controller";
import { designerStore } from "../designer/store";
import { formatDateTime } from "../format";
import { runStatusLabel } from "../incidents/model";
import { Link } from "../Link";
import { RUNS_PATH, designerPath, incidentPath, navigate, runPath } from "../router";
import { runDurationText, triggerText } from "./labels";
import { NodeDetails } from "./NodeDetails";
import { RunCanvas } from "./RunCanvas";
import { StatusIcon } from "./StatusIcon";
import { isUnfinished } from "./trace";
import { actOnRun, fetchRun, fetchVersionDocument } from "./traceApi";
import type { RunAction, RunDetail } from "./traceApi";
import { refreshTrace, traceStore, useTrace } from "./traceStore";
import "./trace.css";
import { ErrorMessage } from "../ErrorMessage";

/** How often a run that has not ended is asked for again: well within the second the reviewer
 * should wait to see a change. */
const POLL_MS = 500;
const PLAYBOOK_RUN = "playbook.run";

type LoadState = { status: "loading" } | { status: "error"; error: ApiError } | { status: "ready" };

async function openRun(runId: string, signal: AbortSignal): Promise<void> {
  const run = await fetchRun(runId, signal);
  const document = await fetchVersionDocument(run.playbookId, run.playbookVersion, signal);
  designerStore.getState().load({ id: run.playbookId, enabled: false, version: run.playbookVersion, document, problems: [] });
  loadCatalogue();
  traceStore.getState().start(runId, document, run);
  await refreshTrace(signal);
}

export function RunPage({ runId }: { runId: string }) {
  const [state, setState] = useState<LoadState>({ status: "loading" });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    openRun(runId, controller.signal).then(
      () => setState({ status: "ready" }),
      (error: unknown) => {
        if (!controller.signal.aborted) setState({ status: "error", error: toApiError(error) });
      },
    );
    return () => controller.abort();
  }, [runId, attempt]);

  if (state.status === "loading") {
    return (
      <p className="designer-message muted" role="status">
        Loading the run…
      </p>
    );
  }
  if (state.status === "error") {
    return (
      <div className="designer-message">
        <ErrorMessage
          title="Could not open this run"
          error={state.error}
          action={{
            label: "Try again",
            onClick: () => {
              setState({ status: "loading" });
              setAttempt((n) => n + 1);
            },
          }}
          back={{ label: "Back to runs", to: RUNS_PATH }}
        />
      </div>
    );
  }
  return <RunView />;
}

/** Refreshes while the run goes on, and at once when the reviewer picks another iteration. */
function useLiveTrace(): void {
  const wanted = useTrace((state) => state.wanted);
  const status = useTrace((state) => state.run?.status ?? "");
  const [ticks, setTicks] = useState(0);
  const live = isUnfinished(status);

  useEffect(() => {
    const controller = new AbortController();
    refreshTrace(controller.signal).catch(() => undefined);
    return () => controller.abort();
  }, [wanted, ticks]);

  useEffect(() => {
    if (!live) return;
    const timer = window.setInterval(() => setTicks((n) => n + 1), POLL_MS);
    return () => window.clearInterval(timer);
  }, [live]);
}

function RunView() {
  const openNode = useTrace((state) => state.openNode);
  useLiveTrace();
  return (
    <div className="run-view">
      <RunHeader />
      <div className="run-view__body">
        <ReactFlowProvider>
          <RunCanvas />
        </ReactFlowProvider>
        {openNode !== null && <NodeDetails key={openNode} nodeId={openNode} />}
      </div>
    </div>
  );
}

function useCanRun(workspaceId: string | undefined): boolean {
  const [allowed, setAllowed] = useState(false);
  useEffect(() => {
    const controller = new AbortController();
    fetchMe(controller.signal).then(
      (me) => setAllowed(me.workspaces.some((w) => w.id === workspaceId && w.permissions.includes(PLAYBOOK_RUN))),
      () => setAllowed(false),
    );
    return () => controller.abort();
  }, [workspaceId]);
  return allowed;
}

function RunFacts({ run }: { run: RunDetail }) {
  const now = useTrace((state) => state.now);
  const duration = runDurationText(run, new Date(now));
  return (
    <dl className="run-facts">
      <div>
        <dt>Trigger</dt>
        <dd>{triggerText(run)}</dd>
      </div>
      {run.startedAt !== null && (
        <div>
          <dt>Started</dt>
          <dd>{formatDateTime(run.startedAt)}</dd>
        </div>
      )}
      {duration !== null && (
        <div>
          <dt>Duration</dt>
          <dd>{duration}</dd>
        </div>
      )}
      <div>
        <dt>Steps</dt>
        <dd>{run.stepsTotal.toLocaleString("en-US")}</dd>
      </div>
      {run.incidentId !== null && (
        <div>
          <dt>Incident</dt>
          <dd>
            <Link to={incidentPath(run.incidentId)} className="text-link">
              Open incident
            </Link>
          </dd>
        </div>
      )}
      {run.resubmittedFrom !== null && (
        <div>
          <dt>Resubmitted from</dt>
          <dd>
            <Link to={runPath(run.resubmittedFrom)} className="text-link">
              Earlier run
            </Link>
          </dd>
        </div>
      )}
    </dl>
  );
}

function RunHeader() {
  const run = useTrace((state) => state.run);
  const canRun = useCanRun(run?.workspaceId);
  const [busy, setBusy] = useState<RunAction | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  if (run === null) return null;

  const act = (action: RunAction) => {
    setBusy(action);
    setError(null);
    actOnRun(run.id, action).then(
      (id) => {
        setBusy(null);
        if (id !== run.id) navigate(runPath(id));
        else void refreshTrace(new AbortController().signal);
      },
      (failure: unknown) => {
        setBusy(null);
        setError(toApiError(failure));
      },
    );
  };
  const why = canRun ? undefined : "Your role in this workspace does not allow running playbooks";
  const unfinished = isUnfinished(run.status);

  return (
    <header className="run-header">
      <div className="run-header__title">
        <Link to={RUNS_PATH} className="text-link run-header__back">
          ← Runs
        </Link>
        <h1>
          <Link to={designerPath(run.playbookId)} className="text-link">
            {run.playbookName ?? "Deleted playbook"}
          </Link>{" "}
          <span className="muted">v{run.playbookVersion}</span>
        </h1>
        <span className={`run-pill run-pill--${run.status}`} data-testid="run-status" data-status={run.status}>
          <StatusIcon status={run.status} />
          {runStatusLabel(run.status)}
        </span>
      </div>
      <RunFacts run={run} />
      {run.error !== null && !unfinished && (
        <p className="run-header__error" role="note">
          {run.error.message}
        </p>
      )}
      <div className="run-header__actions">
        {unfinished && (
          <button
            type="button"
            className="button"
            data-testid="cancel-button"
            disabled={!canRun || busy !== null}
            title={why}
            onClick={() => act("cancel")}
          >
            {busy === "cancel" ? "Cancelling…" : "Cancel run"}
          </button>
        )}
        {(run.status === "failed" || run.status === "cancelled") && (
          <button
            type="button"
            className="button button--primary"
            data-testid="restart-button"
            disabled={!canRun || busy !== null}
            title={why ?? "Run again what failed, timed out or was cancelled, and what follows it"}
            onClick={() => act("restart")}
          >
            {busy === "restart" ? "Restarting…" : "Restart failed steps"}
          </button>
        )}
        <button
          type="button"
          className="button"
          data-testid="resubmit-button"
          disabled={!canRun || busy !== null}
          title={why ?? "Start a new run of the playbook's current version with this run's trigger data"}
          onClick={() => act("resubmit")}
        >
          {busy === "resubmit" ? "Resubmitting…" : "Resubmit"}
        </button>
      </div>
      {error !== null && (
        <p className="run-header__error" role="alert">
          {error.message}
        </p>
      )}
    </header>
  );
}

