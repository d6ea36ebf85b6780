// JSON as a tree of collapsible objects and arrays: a step's inputs and outputs. Long arrays show
// their first items; the rest are counted, not drawn.

import { isObject } from "../json";

const SHOWN_ITEMS = 100;
const OPEN_DEPTH = 2;

function Scalar({ value }: { value: unknown }) {
  if (typeof value === "string") return <span className="json__string">"{value}"</span>;
  if (value === null || value === undefined) return <span className="json__null">null</span>;
  return <span className="json__literal">{String(value)}</span>;
}

function summary(value: unknown[] | Record<string, unknown>): string {
  return Array.isArray(value) ? `[${value.length}]` : `{${Object.keys(value).length}}`;
}

function Entries({ value, depth }: { value: unknown[] | Record<string, unknown>; depth: number }) {
  const entries: [string, unknown][] = Array.isArray(value)
    ? value.slice(0, SHOWN_ITEMS).map((item, index) => [String(index), item])
    : Object.entries(value);
  const hidden = Array.isArray(value) ? value.length - entries.length : 0;
  return (
    <ul className="json__entries">
      {entries.map(([key, item]) => (
        <li key={key}>
          <JsonNode label={key} value={item} depth={depth + 1} />
        </li>
      ))}
      {hidden > 0 && <li className="muted">… {hidden} more</li>}
    </ul>
  );
}

function JsonNode({ label, value, depth }: { label: string | null; value: unknown; depth: number }) {
  const name = label === null ? null : <span className="json__key">{label}: </span>;
  if (!Array.isArray(value) && !isObject(value)) {
    return (
      <span>
        {name}
        <Scalar value={value} />
      </span>
    );
  }
  return (
    <details open={depth < OPEN_DEPTH}>
      <summary>
        {name}
        <span className="json__summary">{summary(value)}</span>
      </summary>
      <Entries value={value} depth={depth} />
    </details>
  );
}

export function JsonView({ value }: { value: unknown }) {
  return (
    <div className="json">
      <JsonNode label={null} value={value} depth={0} />
    </div>
  );
}
