// What the list pages share: filter fields that write the address, and the paged rows.

import { useEffect, useState } from "react";
import type { FormEvent, ReactNode } from "react";
import { ErrorMessage } from "../ErrorMessage";
import { rangeText } from "./listing";
import type { Page } from "./model";
import type { LoadState } from "./useLoad";

/** Long enough that a word typed at a normal pace is one request, short enough to feel live. */
const TYPING_DELAY_MS = 300;

export function FilterBar({ children }: { children: ReactNode }) {
  return <div className="list-filters">{children}</div>;
}

interface SelectProps {
  label: string;
  value: string | null;
  /** Shown for "no filter". */
  anyLabel: string;
  options: readonly { value: string; label: string }[];
  onChange: (value: string | null) => void;
}

export function FilterSelect({ label, value, anyLabel, options, onChange }: SelectProps) {
  // A value from the address that this build does not know stays selectable, so the select says
  // what the list is filtered by while the server explains a refusal.
  const unknown = value !== null && !options.some((option) => option.value === value);
  return (
    <label className="list-filters__field">
      <span>{label}</span>
      <select className="input" value={value ?? ""} onChange={(event) => onChange(event.target.value || null)}>
        <option value="">{anyLabel}</option>
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
        {unknown && <option value={value}>{value}</option>}
      </select>
    </label>
  );
}

interface TextProps {
  label: string;
  value: string | null;
  placeholder: string;
  /** Called once typing pauses, or on Enter, with the trimmed text (null when empty). */
  onChange: (value: string | null) => void;
  type?: "search" | "text";
}

export function FilterText({ label, value, placeholder, onChange, type = "search" }: TextProps) {
  const [text, setText] = useState(value ?? "");
  const committed = value ?? "";

  // The address changed without typing (Back, a link): show what it now says.
  useEffect(() => {
    setText((current) => (current.trim() === committed ? current : committed));
  }, [committed]);

  useEffect(() => {
    if (text.trim() === committed) return undefined;
    const timer = window.setTimeout(() => onChange(text.trim() || null), TYPING_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [text, committed, onChange]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    onChange(text.trim() || null);
  };
  return (
    <form className="list-filters__field list-filters__text" onSubmit={submit}>
      <label>
        <span>{label}</span>
        <input
          type={type}
          className="input"
          placeholder={placeholder}
          value={text}
          onChange={(event) => setText(event.target.value)}
        />
      </label>
    </form>
  );
}

interface PagerProps {
  offset: number;
  shown: number;
  total: number;
  pageSize: number;
  onOffset: (offset: number) => void;
}

/** Previous and next, when the list is longer than a page. */
export function Pager({ offset, shown, total, pageSize, onOffset }: PagerProps) {
  if (total <= shown && offset === 0) return null;
  return (
    <nav className="pager" aria-label="Pages">
      <span className="pager__range">{rangeText(offset, shown, total)}</span>
      <button
        type="button"
        className="button button--small"
        disabled={offset === 0}
        onClick={() => onOffset(Math.max(0, offset - pageSize))}
      >
        ← Newer
      </button>
      <button
        type="button"
        className="button button--small"
        disabled={offset + shown >= total}
        onClick={() => onOffset(offset + pageSize)}
      >
        Older →
      </button>
    </nav>
  );
}

interface PagedListProps<T> {
  state: LoadState<Page<T>>;
  /** What the rows are, in the plural: "incidents". */
  noun: string;
  retry: () => void;
  offset: number;
  pageSize: number;
  onOffset: (offset: number) => void;
  /** What an empty page says (and offers: clearing the filters, going back). */
  empty: ReactNode;
  children: (rows: T[]) => ReactNode;
}

/** A list's page as it loads: a message, the API's refusal, or the rows with the pager. */
export function PagedList<T>({ state, noun, retry, offset, pageSize, onOffset, empty, children }: PagedListProps<T>) {
  if (state.status === "loading") {
    return (
      <p className="panel__message" role="status">
        Loading {noun}…
      </p>
    );
  }
  if (state.status === "error") {
    return <ErrorMessage title={`Could not load ${noun}`} error={state.error} action={{ label: "Try again", onClick: retry }} />;
  }
  const rows = state.data.data;
  if (rows.length === 0) return <>{empty}</>;
  return (
    <>
      {children(rows)}
      <Pager offset={offset} shown={rows.length} total={state.data.total} pageSize={pageSize} onOffset={onOffset} />
    </>
  );
}
