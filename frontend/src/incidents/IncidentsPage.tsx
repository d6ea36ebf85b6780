import { useMemo } from "react";
import { formatDateTime, relativeTime } from "../format";
import { Link } from "../Link";
import { INCIDENTS_PATH, incidentPath, navigate, useSearch } from "../router";
import { fetchIncidents } from "./api";
import { FilterBar, FilterSelect, FilterText, PagedList } from "./ListControls";
import { NO_INCIDENT_FILTER, PAGE_SIZE, filterQuery, isFiltered, readIncidentFilter } from "./listing";
import type { IncidentFilter } from "./listing";
import { SEVERITIES, STATUSES, severityLabel, statusLabel } from "./model";
import type { IncidentSummary, Page } from "./model";
import { SeverityPill, StatusPill } from "./Pills";
import { useLoad } from "./useLoad";
import "./incidents.css";

const STATUS_OPTIONS = STATUSES.map((value) => ({ value, label: statusLabel(value) }));
const SEVERITY_OPTIONS = SEVERITIES.map((value) => ({ value, label: severityLabel(value) }));

// The filter lives in the address, replaced rather than pushed: Back leaves the page rather than
// replaying every change. Another filter starts again at the first page.
function changeFilter(change: Partial<IncidentFilter>): void {
  const filter = { ...readIncidentFilter(window.location.search), offset: 0, ...change };
  navigate(`${INCIDENTS_PATH}${filterQuery(filter)}`, { replace: true });
}

const changeStatus = (status: string | null) => changeFilter({ status });
const changeSeverity = (severity: string | null) => changeFilter({ severity });
const changeOwner = (owner: string | null) => changeFilter({ owner });
const changeTitle = (q: string | null) => changeFilter({ q });

export function IncidentsPage() {
  const search = useSearch();
  const filter = useMemo(() => readIncidentFilter(search), [search]);
  const { state, retry } = useLoad(`incidents${filterQuery(filter)}`, (signal) => fetchIncidents(filter, signal));

  return (
    <section className="panel" aria-labelledby="incidents-heading">
      <div className="panel__header">
        <h1 id="incidents-heading">Incidents</h1>
        {state.status === "ready" && <Count page={state.data} noun="incident" />}
      </div>
      <FilterBar>
        <FilterText label="Title" value={filter.q} placeholder="Search titles" onChange={changeTitle} />
        <FilterSelect
          label="Status"
          value={filter.status}
          anyLabel="Any status"
          options={STATUS_OPTIONS}
          onChange={changeStatus}
        />
        <FilterSelect
          label="Severity"
          value={filter.severity}
          anyLabel="Any severity"
          options={SEVERITY_OPTIONS}
          onChange={changeSeverity}
        />
        <FilterText label="Owner" value={filter.owner} placeholder="User name" onChange={changeOwner} type="text" />
      </FilterBar>
      <PagedList
        state={state}
        noun="incidents"
        retry={retry}
        offset={filter.offset}
        pageSize={PAGE_SIZE}
        onOffset={(offset) => changeFilter({ ...filter, offset })}
        empty={
          isFiltered(filter) ? (
            <div className="empty">
              <p className="empty__title">No incidents match these filters.</p>
              <button type="button" className="button" onClick={() => changeFilter(NO_INCIDENT_FILTER)}>
                Clear the filters
              </button>
            </div>
          ) : filter.offset > 0 ? (
            <div className="empty">
              <p className="empty__title">No more incidents.</p>
              <button type="button" className="button" onClick={() => changeFilter({ offset: 0 })}>
                Back to the newest
              </button>
            </div>
          ) : (
            <div className="empty">
              <p className="empty__title">No incidents yet.</p>
              <p className="muted">
                Alerts sent to <code>POST /api/v1/alerts</code> open incidents; they will be listed here, newest first.
              </p>
            </div>
          )
        }
      >
        {(incidents) => <IncidentTable incidents={incidents} />}
      </PagedList>
    </section>
  );
}

export function Count({ page, noun }: { page: Page<unknown>; noun: string }) {
  return (
    <p className="panel__count">
      {page.total.toLocaleString()} {page.total === 1 ? noun : `${noun}s`}
    </p>
  );
}

function IncidentTable({ incidents }: { incidents: IncidentSummary[] }) {
  const now = new Date();
  return (
    <div className="table-wrap">
      <table className="table incident-table">
        <thead>
          <tr>
            <th scope="col" className="num">
              #
            </th>
            <th scope="col">Title</th>
            <th scope="col">Severity</th>
            <th scope="col">Status</th>
            <th scope="col">Owner</th>
            <th scope="col" className="num">
              Alerts
            </th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {incidents.map((incident) => (
            <tr key={incident.id} data-testid="incident-row">
              <td className="num incident-table__number">{incident.number}</td>
              <td>
                <Link to={incidentPath(incident.id)} className="cell-name">
                  {incident.title}
                </Link>
                {incident.labels.length > 0 && (
                  <div className="label-list label-list--compact">
                    {incident.labels.map((label) => (
                      <span key={label} className="label-chip">
                        {label}
                      </span>
                    ))}
                  </div>
                )}
              </td>
              <td>
                <SeverityPill severity={incident.severity} />
              </td>
              <td>
                <StatusPill status={incident.status} />
              </td>
              <td className="cell-owner">
                {incident.owner ?? <span className="muted">Unassigned</span>}
              </td>
              <td className="num">{incident.alertCount.toLocaleString()}</td>
              <td className="cell-updated">
                <time dateTime={incident.createdAt} title={formatDateTime(incident.createdAt)}>
                  {relativeTime(incident.createdAt, now)}
                </time>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
