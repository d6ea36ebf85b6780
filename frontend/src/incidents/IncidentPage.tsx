import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { PlaybookSummary } from "../api";
import { ErrorMessage } from "../ErrorMessage";
import { formatDateTime, relativeTime } from "../format";
import { Link } from "../Link";
import { INCIDENTS_PATH, incidentPath, navigate, useSearch } from "../router";
import { fetchAllPlaybooks, fetchIncident, fetchIncidentRuns } from "./api";
import { AlertsTab, CommentsTab, EntitiesTab, RunsTab, TimelineTab } from "./IncidentTabs";
import { INCIDENT_TABS, readTab, tabQuery } from "./listing";
import type { IncidentTab } from "./listing";
import { ACTIVE_RUN_STATUSES, classificationLabel } from "./model";
import type { Comment, Incident, Page, RunStarted, RunSummary } from "./model";
import { SeverityPill, StatusPill } from "./Pills";
import { RunPlaybookDialog } from "./RunPlaybookDialog";
import { TriageBar } from "./Triage";
import type { TriageFailure } from "./Triage";
import { useLoad } from "./useLoad";
import type { LoadState } from "./useLoad";
import "./incidents.css";

/** How often runs that have not ended are asked about again. */
const POLL_MS = 1500;

const TAB_LABELS: Record<IncidentTab, string> = {
  alerts: "Alerts",
  entities: "Entities",
  comments: "Comments",
  timeline: "Timeline",
  runs: "Runs",
};

interface Props {
  incidentId: string;
  /** The signed-in user's name, for "Assign to me". */
  userName: string;
}

export function IncidentPage({ incidentId, userName }: Props) {
  const tab = readTab(useSearch());
  const incident = useLoad(`incident:${incidentId}`, (signal) => fetchIncident(incidentId, signal));
  const runs = useLoad(`runs:${incidentId}`, (signal) => fetchIncidentRuns(incidentId, signal));
  const playbooks = useLoad("playbooks", fetchAllPlaybooks);
  const [choosing, setChoosing] = useState(false);
  const [started, setStarted] = useState<{ name: string; runId: string } | null>(null);
  const [failure, setFailure] = useState<TriageFailure | null>(null);

  const names = useMemo(() => {
    const found = new Map<string, string>();
    if (playbooks.state.status === "ready") {
      for (const playbook of playbooks.state.data.data) found.set(playbook.id, playbook.name);
    }
    return found;
  }, [playbooks.state]);
  const playbookName = useCallback((id: string) => names.get(id) ?? id, [names]);

  useRunPolling(runs.state, runs.reload, incident.reload);

  const showTab = (next: IncidentTab) => navigate(`${incidentPath(incidentId)}${tabQuery(next)}`, { replace: true });

  const runStarted = (playbook: PlaybookSummary, run: RunStarted) => {
    setChoosing(false);
    setStarted({ name: playbook.name, runId: run.id });
    runs.reload();
    // The playbook is new to the names when it was created since the page loaded.
    if (!names.has(playbook.id)) playbooks.reload();
  };

  if (incident.state.status === "loading") {
    return (
      <p className="panel__message" role="status">
        Loading the incident…
      </p>
    );
  }
  if (incident.state.status === "error") {
    const error = incident.state.error;
    return (
      <div className="incident-page">
        <BackLink />
        <section className="panel">
          {error.status === 404 ? (
            <div className="empty">
              <p className="empty__title">There is no such incident, or you may not see it.</p>
              <Link to={INCIDENTS_PATH}>Go to the incidents</Link>
            </div>
          ) : (
            <ErrorMessage title="Could not load the incident" error={error} action={{ label: "Try again", onClick: incident.retry }} />
          )}
        </section>
      </div>
    );
  }

  const current = incident.state.data;
  const commentAdded = (comment: Comment) => incident.set({ ...current, comments: [...current.comments, comment] });

  return (
    <div className="incident-page">
      <BackLink />
      <section className="panel incident-header" aria-labelledby="incident-title">
        <div className="incident-header__top">
          <div className="incident-header__heading">
            <p className="incident-header__eyebrow">
              Incident <span className="incident-header__number">#{current.number}</span>
            </p>
            <h1 id="incident-title" className="incident-header__title">
              {current.title}
            </h1>
            <HeaderFacts incident={current} />
          </div>
          <div className="panel__actions incident-header__actions">
            <button
              type="button"
              className="button button--primary button--header"
              data-testid="run-playbook-button"
              onClick={() => setChoosing(true)}
            >
              Run playbook
            </button>
          </div>
        </div>
        {current.description && <p className="incident-header__description">{current.description}</p>}
        <TriageBar incident={current} userName={userName} onChanged={incident.set} onFailed={setFailure} />
      </section>
      {failure !== null && (
        <ErrorMessage title={failure.title} error={failure.error} action={{ label: "Dismiss", onClick: () => setFailure(null) }} />
      )}
      {started !== null && (
        <div className="notice notice--info notice--page incident-notice" role="status" data-testid="run-started">
          <p>
            <strong>Started {started.name}</strong>
            {tab !== "runs" && (
              <>
                {" · "}
                <button type="button" className="link-button" onClick={() => showTab("runs")}>
                  See it in the runs
                </button>
              </>
            )}
          </p>
          <button type="button" className="notice__dismiss" aria-label="Dismiss" onClick={() => setStarted(null)}>
            ×
          </button>
        </div>
      )}
      <section className="panel incident-tabs">
        <div className="tabs" role="tablist" aria-label="Incident details">
          {INCIDENT_TABS.map((name) => (
            <button
              key={name}
              type="button"
              role="tab"
              id={`tab-${name}`}
              aria-selected={tab === name}
              aria-controls="incident-tab-panel"
              className={tab === name ? "tabs__tab tabs__tab--current" : "tabs__tab"}
              data-testid={`${name}-tab`}
              onClick={() => showTab(name)}
            >
              {TAB_LABELS[name]}
              <TabCount tab={name} incident={current} runs={runs.state} />
            </button>
          ))}
        </div>
        <div id="incident-tab-panel" role="tabpanel" aria-labelledby={`tab-${tab}`} className="tabs__panel">
          {tab === "alerts" && <AlertsTab alerts={current.alerts} />}
          {tab === "entities" && <EntitiesTab entities={current.entities} />}
          {tab === "comments" && <CommentsTab incident={current} onAdded={commentAdded} />}
          {tab === "timeline" && <TimelineTab incident={current} runs={runs.state} playbookName={playbookName} />}
          {tab === "runs" && (
            <RunsTab
              runs={runs.state}
              playbookName={playbookName}
              onRetry={runs.retry}
              highlightedId={started?.runId ?? null}
            />
          )}
        </div>
      </section>
      {choosing && (
        <RunPlaybookDialog
          incidentId={current.id}
          incidentNumber={current.number}
          onCancel={() => setChoosing(false)}
          onStarted={runStarted}
        />
      )}
    </div>
  );
}

function BackLink() {
  return (
    <Link to={INCIDENTS_PATH} className="back-link">
      ← Incidents
    </Link>
  );
}

function HeaderFacts({ incident }: { incident: Incident }) {
  const now = new Date();
  return (
    <div className="incident-header__facts">
      <SeverityPill severity={incident.severity} />
      <StatusPill status={incident.status} />
      {incident.status === "closed" && incident.classification !== null && (
        <span className="incident-header__fact">{classificationLabel(incident.classification)}</span>
      )}
      <span className="incident-header__fact" data-testid="incident-owner">
        {incident.owner === null ? <span className="muted">Unassigned</span> : <>Owner {incident.owner}</>}
      </span>
      <span className="incident-header__fact muted">
        Created{" "}
        <time dateTime={incident.createdAt} title={formatDateTime(incident.createdAt)}>
          {relativeTime(incident.createdAt, now)}
        </time>
        {" · "}Rule: {incident.ruleName}
      </span>
    </div>
  );
}

function TabCount({ tab, incident, runs }: { tab: IncidentTab; incident: Incident; runs: LoadState<Page<RunSummary>> }) {
  let count: number | null = null;
  if (tab === "alerts") count = incident.alerts.length;
  else if (tab === "entities") count = incident.entities.length;
  else if (tab === "comments") count = incident.comments.length;
  else if (tab === "runs" && runs.status === "ready") count = runs.data.total;
  return count === null ? null : <span className="tabs__count">{count}</span>;
}

/**
 * Asks again about runs that have not ended, until they have. When one ends, the incident is
 * read again too: a playbook may have commented on it or changed it.
 */
function useRunPolling(runs: LoadState<Page<RunSummary>>, reloadRuns: () => void, reloadIncident: () => void): void {
  const active = runs.status === "ready" ? runs.data.data.filter((run) => ACTIVE_RUN_STATUSES.has(run.status)) : [];
  const activeIds = active.map((run) => run.id).join(",");
  const previous = useRef<string[]>([]);

  useEffect(() => {
    if (runs.status !== "ready") return;
    const now = activeIds === "" ? [] : activeIds.split(",");
    if (previous.current.some((id) => !now.includes(id))) reloadIncident();
    previous.current = now;
  }, [runs, activeIds, reloadIncident]);

  useEffect(() => {
    if (activeIds === "") return undefined;
    const timer = window.setTimeout(reloadRuns, POLL_MS);
    return () => window.clearTimeout(timer);
    // Armed again after every answer (runs changes), while some run has not ended.
  }, [runs, activeIds, reloadRuns]);
}
