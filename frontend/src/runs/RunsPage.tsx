import { RUNS_PATH } from "../router";
import { RunsPanel } from "./RunsTable";

/** Every run of the workspaces the user can read. */
export function RunsPage() {
  return <RunsPanel path={RUNS_PATH} playbookId={null} title="Runs" headingLevel="h1" />;
}
