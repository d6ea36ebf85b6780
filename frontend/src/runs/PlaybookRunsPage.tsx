import { fetchPlaybook } from "../designer/api";
import { ErrorMessage } from "../ErrorMessage";
import { useLoad } from "../incidents/useLoad";
import { Link } from "../Link";
import { PLAYBOOKS_PATH, designerPath, playbookRunsPath } from "../router";
import { STATS_DAYS, fetchRunStats } from "./api";
import { RunCharts } from "./RunCharts";
import { RunsPanel } from "./RunsTable";
import "./runs.css";

/** One playbook's runs: charts of its last days, then the list. */
export function PlaybookRunsPage({ playbookId }: { playbookId: string }) {
  const playbook = useLoad(`playbook:${playbookId}`, (signal) => fetchPlaybook(playbookId, signal));
  const stats = useLoad(`run-stats:${playbookId}`, (signal) => fetchRunStats(playbookId, signal));

  if (playbook.state.status === "error") {
    return (
      <div className="runs-page">
        <BackLink />
        <ErrorMessage
          title="Could not load the playbook"
          error={playbook.state.error}
          action={{ label: "Try again", onClick: playbook.retry }}
        />
      </div>
    );
  }
  const name = playbook.state.status === "ready" ? playbook.state.data.document.name : null;
  return (
    <div className="runs-page">
      <BackLink />
      <section className="panel" aria-labelledby="playbook-runs-heading">
        <div className="panel__header runs-page__header">
          <div className="runs-page__heading">
            <span className="runs-page__eyebrow">Playbook runs</span>
            <h1 id="playbook-runs-heading">{name ?? "Loading the playbook…"}</h1>
          </div>
          <div className="panel__actions">
            <Link to={designerPath(playbookId)} className="button button--link">
              Open in designer
            </Link>
          </div>
        </div>
        {stats.state.status === "loading" && (
          <p className="panel__message" role="status">
            Loading the last {STATS_DAYS} days…
          </p>
        )}
        {stats.state.status === "error" && (
          <ErrorMessage
            title="Could not load the charts"
            error={stats.state.error}
            action={{ label: "Try again", onClick: stats.retry }}
          />
        )}
        {stats.state.status === "ready" && <RunCharts days={stats.state.data.days} />}
      </section>
      <RunsPanel path={playbookRunsPath(playbookId)} playbookId={playbookId} title="Runs" headingLevel="h2" />
    </div>
  );
}

function BackLink() {
  return (
    <Link to={PLAYBOOKS_PATH} className="back-link">
      ← Playbooks
    </Link>
  );
}
