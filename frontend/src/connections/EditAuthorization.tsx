// The edit-authorization dialog: the connector's connection fields with the stored plain values
// and empty secrets. Loaded when first opened: the generated form (rjsf, ajv) is the designer's
// code, not the list's.

import { getDefaultFormState } from "@rjsf/utils";
import validator from "@rjsf/validator-ajv8";
import { useMemo, useState } from "react";
import { toApiError } from "../api";
import { fetchManifest } from "../designer/api";
import type { ManifestConnection } from "../designer/api";
import { fieldProblems, missingFields } from "../designer/connectionChoice";
import { ConnectionFailureMessage, ConnectionFields } from "../designer/ConnectionFields";
import type { ConnectionFailure } from "../designer/ConnectionFields";
import { cleanInputs, formSchema } from "../designer/formSchema";
import { ErrorMessage } from "../ErrorMessage";
import { useLoad } from "../incidents/useLoad";
import { isObject } from "../json";
import type { JsonObject } from "../json";
import { Modal } from "../Modal";
import { replaceAuthorization } from "./api";
import type { ListedConnection } from "./api";
import { authorizationFields, authorizationUiSchema, initialAuthorization } from "./authorization";

interface Props {
  connection: ListedConnection;
  connectorName: string;
  onCancel: () => void;
  onSaved: (connection: ListedConnection) => void;
}

export default function EditAuthorization({ connection, connectorName, onCancel, onSaved }: Props) {
  const manifest = useLoad(`manifest:${connection.connectorId}`, (signal) => fetchManifest(connection.connectorId, signal));
  const [saving, setSaving] = useState(false);
  const spec = manifest.state.status === "ready" ? manifest.state.data.connection : null;

  return (
    <Modal
      labelledBy="edit-connection-title"
      className="connection-dialog"
      busy={saving}
      onCancel={onCancel}
      testId="edit-connection-dialog"
    >
      <h2 id="edit-connection-title">Edit authorization of “{connection.name}”</h2>
      <p className="muted">
        {connectorName} connection. Saving replaces the values; the connection counts as untested until it is
        tested again.
      </p>
      {manifest.state.status === "loading" && (
        <p className="muted" role="status">
          Loading the connector’s fields…
        </p>
      )}
      {manifest.state.status === "error" && (
        <ErrorMessage
          title="Could not load the connector’s fields"
          error={manifest.state.error}
          action={{ label: "Try again", onClick: manifest.retry }}
        />
      )}
      {manifest.state.status === "ready" && spec === null && (
        <p className="dialog-error" role="alert">
          The {connectorName} connector no longer takes a connection.
        </p>
      )}
      {spec !== null && (
        <AuthorizationForm
          connection={connection}
          spec={spec}
          saving={saving}
          onSaving={setSaving}
          onCancel={onCancel}
          onSaved={onSaved}
        />
      )}
      {spec === null && (
        <div className="dialog__actions">
          <button type="button" className="button" onClick={onCancel}>
            Close
          </button>
        </div>
      )}
    </Modal>
  );
}

interface FormProps {
  connection: ListedConnection;
  spec: ManifestConnection;
  saving: boolean;
  onSaving: (saving: boolean) => void;
  onCancel: () => void;
  onSaved: (connection: ListedConnection) => void;
}


function AuthorizationForm({ connection, spec, saving, onSaving, onCancel, onSaved }: FormProps) {
  const fields = useMemo(
    () => authorizationFields(spec.fields, connection.secretFieldsSet),
    [spec.fields, connection.secretFieldsSet],
  );
  const schema = useMemo(() => formSchema(fields), [fields]);
  const uiSchema = useMemo(
    () => authorizationUiSchema(spec.fields, connection.secretFieldsSet),
    [spec.fields, connection.secretFieldsSet],
  );
  const [data, setData] = useState<JsonObject>(() => {
    const stored = initialAuthorization(spec.fields, connection.fields);
    const filled: unknown = getDefaultFormState(validator, schema, stored, schema);
    return isObject(filled) ? filled : stored;
  });
  const [failure, setFailure] = useState<ConnectionFailure | null>(null);

  const save = () => {
    if (saving) return;
    const values = cleanInputs(data);
    const missing = missingFields(fields, values);
    if (missing.length > 0) {
      setFailure({ message: `Fill in ${missing.join(", ")}.`, problems: [] });
      return;
    }
    onSaving(true);
    setFailure(null);
    replaceAuthorization(connection.id, values).then(onSaved, (error: unknown) => {
      const apiError = toApiError(error);
      onSaving(false);
      setFailure({ message: apiError.message, problems: fieldProblems(spec.fields, apiError.details) });
    });
  };

  return (
    <>
      <div className="authorization-form">
        <ConnectionFields
          schema={schema}
          uiSchema={uiSchema}
          data={data}
          disabled={saving}
          onChange={setData}
          onSubmit={save}
        />
      </div>
      {failure !== null && <ConnectionFailureMessage failure={failure} className="dialog-error" />}
      <div className="dialog__actions">
        <button type="button" className="button" onClick={onCancel} disabled={saving}>
          Cancel
        </button>
        <button
          type="button"
          className="button button--primary"
          data-testid="save-authorization"
          disabled={saving}
          onClick={save}
        >
          {saving ? "Saving…" : "Save"}
        </button>
      </div>
    </>
  );
}
