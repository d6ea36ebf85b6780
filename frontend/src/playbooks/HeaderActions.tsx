import { useRef, useState } from "react";
import type { ChangeEvent } from "react";
import { toApiError } from "../api";
import type { ApiError } from "../api";
import { createPlaybook, newPlaybookDocument } from "../designer/api";
import type { Playbook } from "../designer/api";
import { TEMPLATES_PATH, designerPath, navigate } from "../router";
import { galleryQuery } from "../templates/gallery";
import { importPlaybook } from "./actions";
import { SentinelImport } from "./SentinelImport";

export interface ActionFailure {
  title: string;
  error: ApiError;
}

interface Props {
  /** Where new playbooks go: the workspace the list is filtered to, else the server's choice. */
  workspace: string | null;
  allowed: boolean;
  onFailed: (failure: ActionFailure | null) => void;
}

const NOT_ALLOWED = "Your role does not allow creating playbooks here";

/**
 * Import and New playbook. Both open the new playbook in the designer, as n8n does with an
 * imported workflow: a draft with problems is next fixed there.
 */
export function HeaderActions({ workspace, allowed, onFailed }: Props) {
  const fileInput = useRef<HTMLInputElement>(null);
  const [working, setWorking] = useState(false);
  const [importingSentinel, setImportingSentinel] = useState(false);

  const openWhenCreated = (title: string, creating: Promise<Playbook>) => {
    setWorking(true);
    onFailed(null);
    creating.then(
      (playbook) => navigate(designerPath(playbook.id)),
      (reason: unknown) => {
        setWorking(false);
        onFailed({ title, error: toApiError(reason) });
      },
    );
  };
  const createNew = () =>
    openWhenCreated("Could not create a playbook", createPlaybook(newPlaybookDocument("Untitled playbook"), workspace));
  const fileChosen = (event: ChangeEvent<HTMLInputElement>) => {
    const file = event.target.files?.[0];
    // Emptied so that choosing the same file again, once fixed, is a change too.
    event.target.value = "";
    if (file !== undefined) openWhenCreated(`Could not import ${file.name}`, importPlaybook(file, workspace));
  };

  return (
    <div className="panel__actions">
      <input
        ref={fileInput}
        type="file"
        accept=".json,application/json"
        className="visually-hidden"
        // The Import button stands for it, for the keyboard and screen readers alike.
        tabIndex={-1}
        aria-hidden="true"
        data-testid="import-file"
        onChange={fileChosen}
      />
      <button
        type="button"
        className="button button--header"
        disabled={working || !allowed}
        title={allowed ? "Create a playbook from an exported JSON file" : NOT_ALLOWED}
        onClick={() => fileInput.current?.click()}
      >
        Import…
      </button>
      <button
        type="button"
        className="button button--header"
        disabled={working || !allowed}
        title={allowed ? "Import Microsoft Sentinel playbooks or Logic Apps workflows" : NOT_ALLOWED}
        onClick={() => setImportingSentinel(true)}
      >
        From Sentinel…
      </button>
      {importingSentinel && <SentinelImport workspace={workspace} onClose={() => setImportingSentinel(false)} />}
      <button
        type="button"
        className="button button--header"
        disabled={working || !allowed}
        title={allowed ? "Start from a ready-made playbook: enrichment, ticket sync, notifications, response" : NOT_ALLOWED}
        onClick={() => navigate(`${TEMPLATES_PATH}${galleryQuery({ scenario: null, text: "", workspace })}`)}
      >
        New from template
      </button>
      <button
        type="button"
        className="button button--primary button--header"
        disabled={working || !allowed}
        title={allowed ? undefined : NOT_ALLOWED}
        onClick={createNew}
      >
        New playbook
      </button>
    </div>
  );
}
