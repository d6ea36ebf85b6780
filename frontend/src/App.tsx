import { useEffect, useState } from "react";
import { PLAYBOOKS_URL, fetchPlaybooks, toApiError } from "./api";
import type { ApiError, PlaybookList, PlaybookSummary } from "./api";
import {
  formatDateTime,
  playbookCountText,
  relativeTime,
  triggerLabel,
  validationText,
  versionText,
} from "./format";

type LoadState =
  | { status: "loading" }
  | { status: "error"; error: ApiError }
  | { status: "ready"; list: PlaybookList };

export function App() {
  return (
    <div className="app">
      <header className="app-header">
        <div className="app-header__inner">
          <svg className="brand-mark" viewBox="0 0 32 32" aria-hidden="true">
            <rect width="32" height="32" rx="7" />
            <path d="M9 21l5-6 4 4 5-8" />
          </svg>
          <div>
            <div className="brand-name">soarflow</div>
            <div className="brand-subtitle">Security playbooks</div>
          </div>
        </div>
      </header>
      <main className="app-main">
        <PlaybooksSection />
      </main>
    </div>
  );
}

function PlaybooksSection() {
  const [state, setState] = useState<LoadState>({ status: "loading" });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    fetchPlaybooks(controller.signal).then(
      (list) => setState({ status: "ready", list }),
      (error: unknown) => {
        if (!controller.signal.aborted) setState({ status: "error", error: toApiError(error) });
      },
    );
    return () => controller.abort();
  }, [attempt]);

  const retry = () => {
    setState({ status: "loading" });
    setAttempt((n) => n + 1);
  };

  return (
    <section className="panel" aria-labelledby="playbooks-heading">
      <div className="panel__header">
        <h1 id="playbooks-heading">Playbooks</h1>
        {state.status === "ready" && <CountSummary list={state.list} />}
      </div>
      {state.status === "loading" && (
        <p className="panel__message" role="status">
          Loading playbooks…
        </p>
      )}
      {state.status === "error" && <ErrorMessage error={state.error} onRetry={retry} />}
      {state.status === "ready" &&
        (state.list.data.length === 0 ? <EmptyState /> : <PlaybookTable playbooks={state.list.data} />)}
    </section>
  );
}

function CountSummary({ list }: { list: PlaybookList }) {
  const shown = list.data.length;
  return (
    <p className="panel__count">
      {playbookCountText(list.total)}
      {shown < list.total && <span className="muted"> · showing first {shown}</span>}
    </p>
  );
}

function ErrorMessage({ error, onRetry }: { error: ApiError; onRetry: () => void }) {
  return (
    <div className="notice notice--error" role="alert">
      <p className="notice__title">Could not load playbooks</p>
      <p>{error.message}</p>
      <p className="notice__meta">
        Code <code>{error.code}</code>
        {error.status !== null && <> · HTTP {error.status}</>}
      </p>
      <button type="button" className="button" onClick={onRetry}>
        Try again
      </button>
    </div>
  );
}

function EmptyState() {
  return (
    <div className="empty">
      <p className="empty__title">No playbooks yet.</p>
      <p className="muted">
        The visual designer is coming. Until then, playbooks can be created through the API with{" "}
        <code>POST {PLAYBOOKS_URL}</code>.
      </p>
    </div>
  );
}

function PlaybookTable({ playbooks }: { playbooks: PlaybookSummary[] }) {
  const now = new Date();
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Trigger</th>
            <th scope="col">Status</th>
            <th scope="col">Validation</th>
            <th scope="col" className="num">
              Runs
            </th>
            <th scope="col">Updated</th>
            <th scope="col" className="num">
              Version
            </th>
          </tr>
        </thead>
        <tbody>
          {playbooks.map((playbook) => (
            <PlaybookRow key={playbook.id} playbook={playbook} now={now} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function PlaybookRow({ playbook, now }: { playbook: PlaybookSummary; now: Date }) {
  return (
    <tr data-testid="playbook-row">
      <td>
        <div className="cell-name">{playbook.name}</div>
        {playbook.description && <div className="cell-description">{playbook.description}</div>}
      </td>
      <td>{triggerLabel(playbook.triggerKind)}</td>
      <td>
        <span className={playbook.enabled ? "pill pill--on" : "pill pill--off"}>
          {playbook.enabled ? "Enabled" : "Disabled"}
        </span>
      </td>
      <td className={playbook.valid ? "validation validation--ok" : "validation validation--warn"}>
        {validationText(playbook.valid, playbook.problemCount)}
      </td>
      <td className="num">{playbook.runsCount.toLocaleString()}</td>
      <td className="cell-updated">
        <time dateTime={playbook.updatedAt} title={formatDateTime(playbook.updatedAt)}>
          {relativeTime(playbook.updatedAt, now)}
        </time>
      </td>
      <td className="num">{versionText(playbook.version)}</td>
    </tr>
  );
}
