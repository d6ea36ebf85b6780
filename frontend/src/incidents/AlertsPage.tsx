import { useMemo } from "react";
import { formatDateTime, relativeTime } from "../format";
import { Link } from "../Link";
import { ALERTS_PATH, alertRunsPath, incidentPath, navigate, useSearch } from "../router";
import { fetchAlerts, fetchRecentIncidents } from "./api";
import { Count } from "./IncidentsPage";
import { FilterBar, FilterSelect, PagedList } from "./ListControls";
import { PAGE_SIZE, filterQuery, readAlertFilter } from "./listing";
import type { AlertFilter } from "./listing";
import { SEVERITIES, severityLabel } from "./model";
import type { AlertSummary } from "./model";
import { SeverityPill } from "./Pills";
import { useLoad } from "./useLoad";
import "./incidents.css";

const SEVERITY_OPTIONS = SEVERITIES.map((value) => ({ value, label: severityLabel(value) }));

function changeFilter(change: Partial<AlertFilter>): void {
  const filter = { ...readAlertFilter(window.location.search), offset: 0, ...change };
  navigate(`${ALERTS_PATH}${filterQuery(filter)}`, { replace: true });
}

const changeSeverity = (severity: string | null) => changeFilter({ severity });

export function AlertsPage() {
  const search = useSearch();
  const filter = useMemo(() => readAlertFilter(search), [search]);
  const { state, retry } = useLoad(`alerts${filterQuery(filter)}`, (signal) => fetchAlerts(filter, signal));
  // Alerts name their incident by id; the latest incidents give the numbers people use.
  const incidents = useLoad("recent-incidents", fetchRecentIncidents);
  const numbers = useMemo(() => {
    const found = new Map<string, number>();
    if (incidents.state.status === "ready") {
      for (const incident of incidents.state.data.data) found.set(incident.id, incident.number);
    }
    return found;
  }, [incidents.state]);

  return (
    <section className="panel" aria-labelledby="alerts-heading">
      <div className="panel__header">
        <h1 id="alerts-heading">Alerts</h1>
        {state.status === "ready" && <Count page={state.data} noun="alert" />}
      </div>
      <FilterBar>
        <FilterSelect
          label="Severity"
          value={filter.severity}
          anyLabel="Any severity"
          options={SEVERITY_OPTIONS}
          onChange={changeSeverity}
        />
      </FilterBar>
      <PagedList
        state={state}
        noun="alerts"
        retry={retry}
        offset={filter.offset}
        pageSize={PAGE_SIZE}
        onOffset={(offset) => changeFilter({ ...filter, offset })}
        empty={
          filter.severity !== null ? (
            <div className="empty">
              <p className="empty__title">No {severityLabel(filter.severity).toLowerCase()} severity alerts.</p>
              <button type="button" className="button" onClick={() => changeFilter({ severity: null })}>
                Show every severity
              </button>
            </div>
          ) : (
            <div className="empty">
              <p className="empty__title">No alerts yet.</p>
              <p className="muted">
                Detection products send them to <code>POST /api/v1/alerts</code>; each opens or joins an incident.
              </p>
            </div>
          )
        }
      >
        {(alerts) => <AlertTable alerts={alerts} numbers={numbers} />}
      </PagedList>
    </section>
  );
}

function AlertTable({ alerts, numbers }: { alerts: AlertSummary[]; numbers: ReadonlyMap<string, number> }) {
  const now = new Date();
  return (
    <div className="table-wrap">
      <table className="table alert-table">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Title</th>
            <th scope="col">Severity</th>
            <th scope="col">Product</th>
            <th scope="col">Rule</th>
            <th scope="col">Incident</th>
            <th scope="col">
              <span className="visually-hidden">Runs</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {alerts.map((alert) => {
            const number = alert.incidentId === null ? undefined : numbers.get(alert.incidentId);
            return (
              <tr key={alert.id} data-testid="alert-row">
                <td className="cell-updated">
                  <time dateTime={alert.time} title={formatDateTime(alert.time)}>
                    {relativeTime(alert.time, now)}
                  </time>
                </td>
                <td className="cell-name">{alert.title}</td>
                <td>
                  <SeverityPill severity={alert.severity} />
                </td>
                <td>{alert.sourceProduct}</td>
                <td>{alert.ruleName}</td>
                <td className="cell-updated">
                  {alert.incidentId === null ? (
                    <span className="muted">None</span>
                  ) : (
                    <Link to={incidentPath(alert.incidentId)} className="text-link">{number === undefined ? "Open incident" : `#${number}`}</Link>
                  )}
                </td>
                <td>
                  <Link to={alertRunsPath(alert.id)} className="text-link">
                    Runs
                  </Link>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
