// What the designer asks of the server: loading, saving (with the version conflict), enabling,
// the catalogue and manifests. Components call these; they keep no state of their own.

import { toApiError } from "../api";
import { problemCountText, versionText } from "../format";
import {
  conflictVersion,
  fetchCatalogue,
  fetchManifest,
  fetchPlaybook,
  savePlaybook,
  setPlaybookEnabled,
} from "./api";
import { autoLayout } from "./autoLayout";
import { designerStore } from "./store";

let catalogueRequest: Promise<void> | null = null;

/** Loads the connector catalogue once per page load; a failure can be retried by calling again. */
export function loadCatalogue(): void {
  if (designerStore.getState().catalogue !== null || catalogueRequest !== null) return;
  catalogueRequest = fetchCatalogue().then(
    (catalogue) => designerStore.getState().setCatalogue(catalogue),
    (error: unknown) => {
      catalogueRequest = null;
      designerStore.getState().notify(`Could not load the connectors: ${toApiError(error).message}`, "error");
    },
  );
}

const manifestRequests = new Map<string, Promise<void>>();

export function loadManifest(connectorId: string): void {
  if (designerStore.getState().manifests[connectorId] !== undefined || manifestRequests.has(connectorId)) return;
  manifestRequests.set(
    connectorId,
    fetchManifest(connectorId).then(
      (manifest) => designerStore.getState().addManifest(manifest),
      (error: unknown) => {
        manifestRequests.delete(connectorId);
        designerStore.getState().notify(`Could not load connector '${connectorId}': ${toApiError(error).message}`, "error");
      },
    ),
  );
}

/** Saves the document as the version after `version`; a 412 opens the conflict dialog. */
export async function save(version?: number): Promise<void> {
  const store = designerStore.getState();
  if (store.playbookId === null || store.saving) return;
  const sent = store.document;
  store.setSaving(true);
  try {
    const playbook = await savePlaybook(store.playbookId, sent, version ?? store.version);
    const after = designerStore.getState();
    after.markSaved(sent, playbook);
    after.setProblems(sent, playbook.problems);
    const problems = playbook.problems.length;
    after.notify(
      problems === 0
        ? `Saved as ${versionText(playbook.version)}.`
        : `Saved as ${versionText(playbook.version)}, a draft with ${problemCountText(problems)}.`,
    );
  } catch (error) {
    const apiError = toApiError(error);
    const after = designerStore.getState();
    if (apiError.status === 412) {
      after.setConflict({ currentVersion: conflictVersion(apiError.details) });
    } else {
      after.setSaving(false);
      after.notify(`Could not save: ${apiError.message}`, "error");
    }
  }
}

/** Saves over whatever was saved since: the user chose their version in the conflict dialog. */
export async function overwrite(): Promise<void> {
  const store = designerStore.getState();
  if (store.playbookId === null) return;
  let version = store.conflict?.currentVersion ?? null;
  if (version === null) {
    try {
      version = (await fetchPlaybook(store.playbookId)).version;
    } catch (error) {
      store.notify(`Could not read the latest version: ${toApiError(error).message}`, "error");
      return;
    }
  }
  store.setConflict(null);
  await save(version);
}

/** Drops the local edits and shows the saved playbook. */
export async function reload(): Promise<void> {
  const store = designerStore.getState();
  if (store.playbookId === null) return;
  try {
    designerStore.getState().load(await fetchPlaybook(store.playbookId));
  } catch (error) {
    store.notify(`Could not reload: ${toApiError(error).message}`, "error");
  }
}

export async function toggleEnabled(): Promise<void> {
  const store = designerStore.getState();
  if (store.playbookId === null) return;
  const enable = !store.enabled;
  try {
    const playbook = await setPlaybookEnabled(store.playbookId, enable);
    designerStore.getState().setEnabled(playbook.enabled);
    designerStore.getState().notify(playbook.enabled ? "Enabled: the playbook now runs on its trigger." : "Disabled.");
  } catch (error) {
    designerStore.getState().notify(`Could not ${enable ? "enable" : "disable"}: ${toApiError(error).message}`, "error");
  }
}

/** Lays the canvas out (one undoable edit), unless the user edited while the layout ran. */
export async function arrange(): Promise<boolean> {
  const before = designerStore.getState().document;
  try {
    const next = await autoLayout(before);
    if (designerStore.getState().document !== before) return false;
    designerStore.getState().apply(next);
    return true;
  } catch (error) {
    designerStore.getState().notify(`Could not lay out the canvas: ${toApiError(error).message}`, "error");
    return false;
  }
}
