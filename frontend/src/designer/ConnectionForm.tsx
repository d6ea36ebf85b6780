// A new connection, typed in the inspector: a name and the connector's connection fields.
// Secret fields are password inputs; what is typed stays in this form until the server took it.

import { getDefaultFormState } from "@rjsf/utils";
import validator from "@rjsf/validator-ajv8";
import { useId, useMemo, useState } from "react";
import { toApiError } from "../api";
import { isObject } from "../json";
import type { JsonObject } from "../json";
import { createConnection } from "./api";
import type { Connection, ManifestConnection } from "./api";
import { connectionUiSchema, fieldProblems, missingFields } from "./connectionChoice";
import { ConnectionFailureMessage, ConnectionFields } from "./ConnectionFields";
import type { ConnectionFailure } from "./ConnectionFields";
import { cleanInputs, formSchema } from "./formSchema";

interface ConnectionFormProps {
  connectorId: string;
  connectorName: string;
  workspaceId: string;
  spec: ManifestConnection;
  onCreated: (connection: Connection) => void;
  onCancel: () => void;
}


export function ConnectionForm({ connectorId, connectorName, workspaceId, spec, onCreated, onCancel }: ConnectionFormProps) {
  const schema = useMemo(() => formSchema(spec.fields), [spec.fields]);
  const uiSchema = useMemo(() => connectionUiSchema(spec.fields), [spec.fields]);
  const [name, setName] = useState("");
  const [data, setData] = useState<JsonObject>(() => {
    const defaults: unknown = getDefaultFormState(validator, schema, {}, schema);
    return isObject(defaults) ? defaults : {};
  });
  const [failure, setFailure] = useState<ConnectionFailure | null>(null);
  const [creating, setCreating] = useState(false);
  const nameId = useId();

  const create = async () => {
    if (creating) return;
    const fields = cleanInputs(data);
    const missing = [...(name.trim() === "" ? ["Name"] : []), ...missingFields(spec.fields, fields)];
    if (missing.length > 0) {
      setFailure({ message: `Fill in ${missing.join(", ")}.`, problems: [] });
      return;
    }
    setCreating(true);
    setFailure(null);
    try {
      onCreated(await createConnection({ connectorId, workspaceId, name: name.trim(), fields }));
    } catch (error) {
      const apiError = toApiError(error);
      setFailure({ message: apiError.message, problems: fieldProblems(spec.fields, apiError.details) });
      setCreating(false);
    }
  };

  return (
    <div className="connection-form" data-testid="connection-form" role="group" aria-label={`New ${connectorName} connection`}>
      <h4 className="connection-form__title">New {connectorName} connection</h4>
      <div className="form-field">
        <label htmlFor={nameId} className="form-field__label">
          Name
          <span className="form-field__required" aria-label="required">
            *
          </span>
        </label>
        <p className="field-description">How steps refer to it, e.g. {connectorId}-main.</p>
        <input
          id={nameId}
          className="input"
          type="text"
          data-testid="connection-name"
          autoComplete="off"
          maxLength={200}
          value={name}
          onChange={(event) => setName(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === "Enter") void create();
          }}
        />
      </div>
      <ConnectionFields
        schema={schema}
        uiSchema={uiSchema}
        data={data}
        disabled={creating}
        onChange={setData}
        onSubmit={() => void create()}
      />
      {failure !== null && <ConnectionFailureMessage failure={failure} className="connection-form__error" />}
      <div className="connection-form__actions">
        <button
          type="button"
          className="button button--primary"
          data-testid="connection-create"
          disabled={creating}
          onClick={() => void create()}
        >
          {creating ? "Creating…" : "Create"}
        </button>
        <button type="button" className="button" disabled={creating} onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
