// The dialog that imports Sentinel playbooks (azuredeploy.json files) and Logic Apps workflows,
// and says for each file what carried over; each imported playbook opens in the designer.

import { useRef, useState } from "react";
import type { ChangeEvent } from "react";
import { Link } from "../Link";
import { Modal } from "../Modal";
import { designerPath } from "../router";
import { importSentinelFile, outcomeText, shownFindings } from "./sentinelImport";
import type { ImportOutcome } from "./sentinelImport";

const SHOWN_FINDINGS = 8;

function Outcome({ outcome }: { outcome: ImportOutcome }) {
  const findings = outcome.status === "failed" ? [] : shownFindings(outcome.findings);
  return (
    <li className={`import-result import-result--${outcome.status}`} data-testid="import-result" data-status={outcome.status}>
      <div className="import-result__head">
        <span className="import-result__file">{outcome.file}</span>
        {outcome.status !== "failed" && (
          <Link to={designerPath(outcome.playbookId)} className="text-link">
            Open {outcome.name}
          </Link>
        )}
      </div>
      <p className="import-result__summary">{outcomeText(outcome)}</p>
      {findings.length > 0 && (
        <ul className="import-result__findings">
          {findings.slice(0, SHOWN_FINDINGS).map(({ finding, times }, index) => (
            <li key={index}>
              <span className={`finding-kind finding-kind--${finding.kind}`}>
                {finding.kind === "defect" ? "Defect" : "Not carried over"}
              </span>{" "}
              {finding.message}
              {times > 1 && <span className="muted"> (×{times})</span>}
            </li>
          ))}
          {findings.length > SHOWN_FINDINGS && (
            <li className="muted">… and {findings.length - SHOWN_FINDINGS} more in the playbook's import report</li>
          )}
        </ul>
      )}
    </li>
  );
}

export function SentinelImport({ workspace, onClose }: { workspace: string | null; onClose: () => void }) {
  const fileInput = useRef<HTMLInputElement>(null);
  const [outcomes, setOutcomes] = useState<ImportOutcome[]>([]);
  const [working, setWorking] = useState<string | null>(null);

  const filesChosen = async (event: ChangeEvent<HTMLInputElement>) => {
    const files = [...(event.target.files ?? [])];
    event.target.value = "";
    for (const file of files) {
      setWorking(file.name);
      const outcome = await importSentinelFile(file, workspace);
      setOutcomes((done) => [...done, outcome]);
    }
    setWorking(null);
  };

  return (
    <Modal labelledBy="sentinel-import-title" busy={working !== null} onCancel={onClose} testId="sentinel-import" className="sentinel-import">
      <h2 id="sentinel-import-title">Import from Microsoft Sentinel</h2>
      <p className="muted">
        Choose playbook templates (<code>azuredeploy.json</code>) or Logic Apps workflow definitions. Each becomes a
        playbook; what soarflow cannot do is listed here and shown as problems on the canvas, and the playbook is saved
        as a draft until it is fixed.
      </p>
      <input
        ref={fileInput}
        type="file"
        multiple
        accept=".json,application/json"
        className="visually-hidden"
        tabIndex={-1}
        aria-hidden="true"
        data-testid="sentinel-import-files"
        onChange={(event) => void filesChosen(event)}
      />
      <button
        type="button"
        className="button button--primary"
        disabled={working !== null}
        onClick={() => fileInput.current?.click()}
      >
        Choose files…
      </button>
      {working !== null && (
        <p role="status" className="muted">
          Importing {working}…
        </p>
      )}
      {outcomes.length > 0 && (
        <ul className="import-results" data-testid="import-results">
          {outcomes.map((outcome, index) => (
            <Outcome key={index} outcome={outcome} />
          ))}
        </ul>
      )}
      <div className="dialog__actions">
        <button type="button" className="button" disabled={working !== null} onClick={onClose}>
          Close
        </button>
      </div>
    </Modal>
  );
}
