import { createContext, useContext, useEffect, useId, useMemo, useRef, useState } from "react";
import { toApiError } from "../api";
import type { ApiError } from "../api";
import { fetchFields } from "./api";
import type { DynamicField } from "./api";
import { designerStore } from "./store";
import { fieldGroups } from "./fields";

/** The step whose fields the pickers inside offer. */
export const PickerNodeContext = createContext<string | null>(null);

type LoadState = { status: "loading" } | { status: "error"; error: ApiError } | { status: "ready"; fields: DynamicField[] };

export function DynamicFieldsButton({ onPick }: { onPick: (expression: string) => void }) {
  const nodeId = useContext(PickerNodeContext);
  const [open, setOpen] = useState(false);
  const wrapper = useRef<HTMLDivElement>(null);
  const popupId = useId();

  useEffect(() => {
    if (!open) return undefined;
    const close = (event: MouseEvent) => {
      if (wrapper.current !== null && !wrapper.current.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("mousedown", close);
    return () => document.removeEventListener("mousedown", close);
  }, [open]);

  if (nodeId === null) return null;
  return (
    <div className="picker" ref={wrapper}>
      <button
        type="button"
        className="picker__button"
        data-testid="dynamic-fields-button"
        aria-expanded={open}
        aria-controls={open ? popupId : undefined}
        title="Insert a field from the trigger or an earlier step"
        onClick={() => setOpen((shown) => !shown)}
      >
        <span aria-hidden="true">{"{ }"}</span>
        <span className="visually-hidden">Insert dynamic field</span>
      </button>
      {open && (
        <FieldList
          id={popupId}
          nodeId={nodeId}
          onPick={(expression) => {
            setOpen(false);
            onPick(expression);
          }}
          onClose={() => setOpen(false)}
        />
      )}
    </div>
  );
}

function FieldList({
  id,
  nodeId,
  onPick,
  onClose,
}: {
  id: string;
  nodeId: string;
  onPick: (expression: string) => void;
  onClose: () => void;
}) {
  const [state, setState] = useState<LoadState>({ status: "loading" });
  const [query, setQuery] = useState("");
  const popup = useRef<HTMLDivElement>(null);

  useEffect(() => {
    popup.current?.scrollIntoView({ block: "nearest" });
  }, [state]);

  useEffect(() => {
    const controller = new AbortController();
    fetchFields(designerStore.getState().document, nodeId, controller.signal).then(
      (fields) => setState({ status: "ready", fields }),
      (error: unknown) => {
        if (!controller.signal.aborted) setState({ status: "error", error: toApiError(error) });
      },
    );
    return () => controller.abort();
  }, [nodeId]);

  const groups = useMemo(
    () => (state.status === "ready" ? fieldGroups(state.fields, query, designerStore.getState().document) : []),
    [state, query],
  );

  return (
    <div className="picker__popup" id={id} ref={popup} role="dialog" aria-label="Dynamic fields">
      <input
        className="input"
        type="search"
        placeholder="Search fields"
        aria-label="Search fields"
        autoFocus
        value={query}
        onChange={(event) => setQuery(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === "Escape") onClose();
        }}
      />
      {state.status === "loading" && <p className="picker__message muted">Loading fields…</p>}
      {state.status === "error" && <p className="picker__message notice--inline-error">{state.error.message}</p>}
      {state.status === "ready" && groups.length === 0 && <p className="picker__message muted">No fields match.</p>}
      <div className="picker__list">
        {groups.map((group) => (
          <section key={group.key}>
            <h3 className="picker__group">{group.title}</h3>
            {group.fields.map((field) => (
              <button
                key={field.expression}
                type="button"
                className="picker__item"
                data-testid="dynamic-field-item"
                title={field.description || field.expression}
                onClick={() => onPick(field.expression)}
              >
                <span className="picker__item-title">{field.title}</span>
                <span className="picker__item-type">{field.type}</span>
              </button>
            ))}
          </section>
        ))}
      </div>
    </div>
  );
}
