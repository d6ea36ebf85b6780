// The trigger's own settings in the inspector: its params as a form generated from the params
// schema its manifest declares (a schedule's cron and time zone, a webhook's signing and mode),
// a manual trigger's inputs as a JSON Schema, and a webhook's URL and signing secret.

import { useEffect, useMemo, useState } from "react";
import { toApiError } from "../api";
import type { ApiError } from "../api";
import type { JsonMap, TriggerSpec } from "../graph/document";
import { isObject } from "../json";
import type { JsonObject } from "../json";
import { fetchWebhook, rotateWebhookSecret } from "./api";
import type { Webhook } from "./api";
import { loadManifest } from "./controller";
import { cleanInputs } from "./formSchema";
import { InputsForm } from "./InputsForm";
import { designerStore, useDesigner } from "./store";
import { updateTrigger } from "./nodeEdits";

const WEBHOOK = "core.webhook";

function setParams(trigger: TriggerSpec, params: JsonMap, field: string): void {
  const store = designerStore.getState();
  const { params: _old, ...rest } = trigger;
  const next = Object.keys(params).length === 0 ? rest : { ...rest, params };
  store.apply(
    updateTrigger(store.document, () => next),
    { mergeKey: `trigger:params:${field}` },
  );
}

/** The params schema split in two: fields the generated form edits, and fields whose value is
 * itself a JSON Schema (an object schema that names no properties), edited as JSON. */
export function splitParams(schema: JsonObject): { form: JsonObject | null; schemas: string[] } {
  const properties = isObject(schema["properties"]) ? schema["properties"] : {};
  const schemas = Object.keys(properties).filter((name) => {
    const property = properties[name];
    return isObject(property) && property["type"] === "object" && !isObject(property["properties"]);
  });
  const kept = Object.fromEntries(Object.entries(properties).filter(([name]) => !schemas.includes(name)));
  const form = Object.keys(kept).length === 0 ? null : { ...schema, properties: kept };
  return { form, schemas };
}

export function TriggerParams({ trigger }: { trigger: TriggerSpec }) {
  const [connectorId, triggerId] = splitType(trigger.type);
  const manifest = useDesigner((state) => state.manifests[connectorId]);
  useEffect(() => loadManifest(connectorId), [connectorId]);
  const spec = manifest?.triggers.find((candidate) => candidate.id === triggerId);
  const split = useMemo(() => splitParams(spec?.params ?? {}), [spec]);
  const params: JsonMap = trigger.params ?? {};
  if (spec === undefined) return null;
  return (
    <section className="inspector__section" data-testid="trigger-params">
      {(split.form !== null || split.schemas.length > 0) && <h3 className="inspector__subheading">Settings</h3>}
      {spec.description !== "" && <p className="muted">{spec.description}</p>}
      {split.form !== null && (
        <InputsForm
          schema={split.form}
          inputs={params}
          onChange={(next) => setParams(trigger, { ...only(params, split.schemas), ...(cleanInputs(next) as JsonMap) }, "form")}
        />
      )}
      {split.schemas.map((name) => (
        <SchemaParam key={`${trigger.type}:${name}`} name={name} trigger={trigger} params={params} />
      ))}
      {trigger.type === WEBHOOK && <WebhookPanel />}
    </section>
  );
}

// The form gives back every field it edits (a cleared one left out): keep only the others.
function only(params: JsonMap, names: readonly string[]): JsonMap {
  return Object.fromEntries(Object.entries(params).filter(([name]) => names.includes(name)));
}

function splitType(type: string): [string, string] {
  const dot = type.indexOf(".");
  return dot < 0 ? [type, ""] : [type.slice(0, dot), type.slice(dot + 1)];
}

/** A param that is a JSON Schema, as JSON text: applied when it parses to an object. */
function SchemaParam({ name, trigger, params }: { name: string; trigger: TriggerSpec; params: JsonMap }) {
  const stored = params[name];
  const [text, setText] = useState(() => (stored === undefined ? "" : JSON.stringify(stored, null, 2)));
  const [problem, setProblem] = useState<string | null>(null);
  const change = (value: string) => {
    setText(value);
    if (value.trim() === "") {
      const { [name]: _gone, ...rest } = params;
      setProblem(null);
      setParams(trigger, rest, name);
      return;
    }
    try {
      const parsed: unknown = JSON.parse(value);
      if (!isObject(parsed)) throw new Error("a JSON Schema is an object");
      setProblem(null);
      setParams(trigger, { ...params, [name]: parsed as JsonMap }, name);
    } catch (error) {
      setProblem(error instanceof Error ? error.message : String(error));
    }
  };
  return (
    <label className="setting" data-testid={`trigger-param-${name}`}>
      <span className="setting__label">{name === "inputs" ? "Inputs (a JSON Schema of what a person gives)" : name}</span>
      <textarea
        className="input input--code"
        rows={8}
        spellCheck={false}
        value={text}
        placeholder='{"type": "object", "required": ["ip"], "properties": {"ip": {"type": "string"}}}'
        onChange={(event) => change(event.target.value)}
      />
      {problem !== null && (
        <span className="notice--inline-error" role="alert">
          Not applied: {problem}
        </span>
      )}
    </label>
  );
}

type WebhookState = { status: "loading" } | { status: "error"; error: ApiError } | { status: "ready"; webhook: Webhook };

/** The webhook's URL (a credential: shown to its designers only) and its signing secret. */
function WebhookPanel() {
  const playbookId = useDesigner((state) => state.playbookId);
  const savedVersion = useDesigner((state) => state.version);
  const [state, setState] = useState<WebhookState>({ status: "loading" });

  useEffect(() => {
    if (playbookId === null) return undefined;
    const controller = new AbortController();
    fetchWebhook(playbookId, controller.signal).then(
      (webhook) => setState({ status: "ready", webhook }),
      (error: unknown) => {
        if (!controller.signal.aborted) setState({ status: "error", error: toApiError(error) });
      },
    );
    return () => controller.abort();
  }, [playbookId, savedVersion]);

  const rotate = () => {
    if (playbookId === null) return;
    rotateWebhookSecret(playbookId).then(
      (webhook) => setState({ status: "ready", webhook }),
      (error: unknown) => setState({ status: "error", error: toApiError(error) }),
    );
  };

  if (state.status === "loading") return <p className="muted">Loading the webhook…</p>;
  if (state.status === "error") {
    const unsaved = state.error.code === "no_webhook";
    return <p className="muted">{unsaved ? "Save the playbook to get its webhook URL." : state.error.message}</p>;
  }
  const { webhook } = state;
  return (
    <div className="webhook" data-testid="webhook-panel">
      <label className="setting">
        <span className="setting__label">Webhook URL (anyone who has it can start the playbook)</span>
        <input className="input input--code" readOnly value={webhook.url} onFocus={(event) => event.target.select()} />
      </label>
      {webhook.secret !== null ? (
        <p className="notice notice--info" role="status">
          Signing secret, shown this once: <code data-testid="webhook-secret">{webhook.secret}</code>
        </p>
      ) : (
        <p className="muted">
          {webhook.secretSet ? "A signing secret is set." : "No signing secret yet."}
          {webhook.signature === "standard" && !webhook.secretSet && " Signed calls are refused until one is made."}
        </p>
      )}
      <button type="button" className="button button--small" onClick={rotate}>
        {webhook.secretSet ? "Make a new signing secret" : "Make a signing secret"}
      </button>
    </div>
  );
}
