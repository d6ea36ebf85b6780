// A list of runs with its filters and pages, shared by the runs page (every playbook's) and a
// playbook's runs page (its own, without the playbook filter or column).

import { useEffect, useMemo } from "react";
import { fetchAllPlaybooks } from "../incidents/api";
import { Count } from "../incidents/IncidentsPage";
import { FilterBar, FilterSelect, PagedList } from "../incidents/ListControls";
import { PAGE_SIZE } from "../incidents/listing";
import { ACTIVE_RUN_STATUSES, runStatusLabel } from "../incidents/model";
import type { Page } from "../incidents/model";
import { RunStatusPill } from "../incidents/Pills";
import { useLoad } from "../incidents/useLoad";
import { formatDateTime, relativeTime, versionText } from "../format";
import { Link } from "../Link";
import { designerPath, incidentPath, navigate, runPath, useSearch } from "../router";
import { fetchRuns } from "./api";
import type { RunSummary } from "./api";
import { runDurationText, triggerText } from "./labels";
import { NO_RUN_FILTER, RUN_STATUSES, TIME_RANGES, isFiltered, readRunFilter, runFilterQuery } from "./listing";
import type { RunFilter } from "./listing";
import "./runs.css";

/** Runs not ended yet are asked about again this often, so the list shows how they end. */
const POLL_MS = 3000;

const STATUS_OPTIONS = RUN_STATUSES.map((value) => ({ value, label: runStatusLabel(value) }));
const RANGE_OPTIONS = TIME_RANGES.map(({ value, label }) => ({ value, label }));

interface ListProps {
  /** The page's path: the filter is written into its query. */
  path: string;
  /** The playbook whose runs these are; null lists every playbook's, with a filter to pick one. */
  playbookId: string | null;
  title: string;
  headingLevel: "h1" | "h2";
}

export function RunsPanel({ path, playbookId, title, headingLevel: Heading }: ListProps) {
  const search = useSearch();
  // What the address says; a playbook's page names its playbook in the path, not the query.
  const inAddress = useMemo(() => {
    const read = readRunFilter(search);
    return playbookId === null ? read : { ...read, playbook: null };
  }, [search, playbookId]);
  const filter = playbookId === null ? inAddress : { ...inAddress, playbook: playbookId };
  // Replaced rather than pushed: Back leaves the page rather than replaying every change. Another
  // filter starts again at the first page.
  const changeFilter = (change: Partial<RunFilter>) =>
    navigate(`${path}${runFilterQuery({ ...inAddress, offset: 0, ...change })}`, { replace: true });
  const key = `runs:${playbookId ?? ""}${runFilterQuery(inAddress)}`;
  const { state, retry, reload } = useLoad(key, (signal) => fetchRuns(filter, new Date(), signal));
  usePollWhileActive(state.status === "ready" ? state.data : null, reload);
  const headingId = `${Heading}-runs-heading`;

  return (
    <section className="panel" aria-labelledby={headingId}>
      <div className="panel__header">
        <Heading id={headingId} className="runs-panel__title">
          {title}
        </Heading>
        {state.status === "ready" && <Count page={state.data} noun="run" />}
      </div>
      <FilterBar>
        <FilterSelect
          label="Status"
          value={filter.status}
          anyLabel="Any status"
          options={STATUS_OPTIONS}
          onChange={(status) => changeFilter({ status })}
        />
        {playbookId === null && (
          <PlaybookSelect value={filter.playbook} onChange={(playbook) => changeFilter({ playbook })} />
        )}
        <FilterSelect
          label="Started"
          value={filter.range}
          anyLabel="All time"
          options={RANGE_OPTIONS}
          onChange={(range) => changeFilter({ range })}
        />
      </FilterBar>
      {(filter.incident !== null || filter.alert !== null) && (
        <p className="runs-panel__subject" role="note">
          {filter.incident !== null ? "Runs about one incident" : "Runs about one alert"}
          {filter.incident !== null && (
            <>
              {" · "}
              <Link to={incidentPath(filter.incident)} className="text-link">
                Open the incident
              </Link>
            </>
          )}
          {" · "}
          <button
            type="button"
            className="button button--small"
            onClick={() => changeFilter({ incident: null, alert: null })}
          >
            Show every run
          </button>
        </p>
      )}
      <PagedList
        state={state}
        noun="runs"
        retry={retry}
        offset={filter.offset}
        pageSize={PAGE_SIZE}
        onOffset={(offset) => changeFilter({ offset })}
        empty={
          isFiltered(inAddress) ? (
            <div className="empty">
              <p className="empty__title">No runs match these filters.</p>
              <button type="button" className="button" onClick={() => changeFilter(NO_RUN_FILTER)}>
                Clear the filters
              </button>
            </div>
          ) : filter.offset > 0 ? (
            <div className="empty">
              <p className="empty__title">No more runs.</p>
              <button type="button" className="button" onClick={() => changeFilter({})}>
                Back to the newest
              </button>
            </div>
          ) : (
            <NoRuns ofPlaybook={playbookId !== null} />
          )
        }
      >
        {(runs) => <RunsTable runs={runs} showPlaybook={playbookId === null} />}
      </PagedList>
    </section>
  );
}

function NoRuns({ ofPlaybook }: { ofPlaybook: boolean }) {
  return (
    <div className="empty">
      <p className="empty__title">{ofPlaybook ? "This playbook has not run yet." : "No runs yet."}</p>
      <p className="muted">
        A playbook runs when it is started by hand, by an automation rule, a webhook or a schedule. Its runs are
        listed here, newest first.
      </p>
    </div>
  );
}

/** The playbooks to filter by. Without them (not loaded, or refused) the select offers only "any". */
function PlaybookSelect({ value, onChange }: { value: string | null; onChange: (value: string | null) => void }) {
  const { state } = useLoad("playbooks", fetchAllPlaybooks);
  const options = useMemo(
    () =>
      state.status === "ready"
        ? state.data.data
            .map((playbook) => ({ value: playbook.id, label: playbook.name }))
            .sort((a, b) => a.label.localeCompare(b.label))
        : [],
    [state],
  );
  return <FilterSelect label="Playbook" value={value} anyLabel="Any playbook" options={options} onChange={onChange} />;
}

/** Asks again, after every answer, while some run shown has not ended. */
function usePollWhileActive(page: Page<RunSummary> | null, reload: () => void): void {
  const active = page !== null && page.data.some((run) => ACTIVE_RUN_STATUSES.has(run.status));
  useEffect(() => {
    if (!active) return undefined;
    const timer = window.setTimeout(reload, POLL_MS);
    return () => window.clearTimeout(timer);
  }, [page, active, reload]);
}

export function RunsTable({ runs, showPlaybook }: { runs: RunSummary[]; showPlaybook: boolean }) {
  const now = new Date();
  return (
    <div className="table-wrap">
      <table className="table runs-list" data-testid="runs-table">
        <thead>
          <tr>
            <th scope="col">Status</th>
            {showPlaybook && <th scope="col">Playbook</th>}
            <th scope="col">Trigger</th>
            <th scope="col">Started</th>
            <th scope="col" className="num">
              Duration
            </th>
            <th scope="col">Version</th>
            <th scope="col">Incident</th>
            <th scope="col">
              <span className="visually-hidden">Run</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {runs.map((run) => (
            <RunRow key={run.id} run={run} showPlaybook={showPlaybook} now={now} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RunRow({ run, showPlaybook, now }: { run: RunSummary; showPlaybook: boolean; now: Date }) {
  const startedAt = run.startedAt ?? run.createdAt;
  const duration = runDurationText(run, now);
  return (
    <tr data-testid="run-row" data-run-id={run.id}>
      <td>
        <RunStatusPill status={run.status} />
        {run.error !== null && <div className="runs-list__error">{run.error.message}</div>}
      </td>
      {showPlaybook && (
        <td>
          {run.playbookName === null ? (
            <span className="muted" title={run.playbookId}>
              Deleted playbook
            </span>
          ) : (
            <Link to={designerPath(run.playbookId)} className="cell-name">
              {run.playbookName}
            </Link>
          )}
        </td>
      )}
      <td className="runs-list__trigger">{triggerText(run)}</td>
      <td className="cell-updated">
        <time dateTime={startedAt} title={formatDateTime(startedAt)}>
          {relativeTime(startedAt, now)}
        </time>
      </td>
      <td className="num runs-list__duration">{duration ?? <span className="muted">—</span>}</td>
      <td className="muted">{versionText(run.playbookVersion)}</td>
      <td className="runs-list__incident">
        {run.incidentId !== null && (
          <Link to={incidentPath(run.incidentId)} className="text-link">
            View incident
          </Link>
        )}
      </td>
      <td className="runs-list__open">
        <Link to={runPath(run.id)} className="text-link">
          Open run
        </Link>
      </td>
    </tr>
  );
}
