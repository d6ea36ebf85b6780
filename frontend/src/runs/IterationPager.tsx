// On a loop in the run view: which iteration the nodes inside it show, with its status; previous,
// next, the next failed one, and a list of the iterations with their statuses to pick from.

import { useState } from "react";
import type { MouseEvent } from "react";
import { runStatusLabel } from "../incidents/model";
import { StatusIcon } from "./StatusIcon";
import { loopKeyOf } from "./trace";
import { iterationOf, traceStore, useTrace } from "./traceStore";

function nextFailed(failed: readonly { index: number }[], chosen: number): number | undefined {
  return (failed.find((item) => item.index > chosen) ?? failed[0])?.index;
}

function stopPropagation(event: MouseEvent): void {
  event.stopPropagation();
}

export function IterationPager({ loopId }: { loopId: string }) {
  const total = useTrace((state) => state.steps.get(loopId)?.iterations ?? 0);
  const loopKey = useTrace((state) =>
    state.document === null ? null : loopKeyOf(state.document, loopId, state.selections),
  );
  const loop = useTrace((state) => (loopKey === null ? undefined : state.iterations.get(loopKey)));
  // What was asked for shows at once; the nodes inside follow when its steps arrive.
  const chosen = useTrace((state) => state.wanted.get(loopId) ?? state.selections.get(loopId));
  const [listOpen, setListOpen] = useState(false);
  const [failedOnly, setFailedOnly] = useState(false);
  if (total === 0 || chosen === undefined) return null;

  const pick = (index: number) => traceStore.getState().pick(loopId, index);
  const current = iterationOf(loop, chosen);
  const failed = loop?.failed;
  const jump = failed === undefined ? undefined : nextFailed(failed.data, chosen);
  const listed = failedOnly ? (failed?.data ?? []) : (loop?.page.data ?? []);

  return (
    // Choosing an iteration is not a click on the loop: its details stay as they are.
    <div className="iteration-pager nodrag nopan nowheel" data-testid="iteration-pager" onClick={stopPropagation}>
      <button
        type="button"
        className="iteration-pager__step"
        aria-label="Previous iteration"
        disabled={chosen <= 0}
        onClick={() => pick(chosen - 1)}
      >
        ‹
      </button>
      <button
        type="button"
        className="iteration-pager__current"
        aria-expanded={listOpen}
        aria-haspopup="listbox"
        title="Choose an iteration"
        onClick={() => setListOpen((open) => !open)}
      >
        {current !== undefined && <StatusIcon status={current.status} />}
        <span>
          Iteration {chosen + 1} of {total}
        </span>
      </button>
      <button
        type="button"
        className="iteration-pager__step"
        aria-label="Next iteration"
        disabled={chosen >= total - 1}
        onClick={() => pick(chosen + 1)}
      >
        ›
      </button>
      {failed !== undefined && failed.total > 0 && jump !== undefined && (
        <button
          type="button"
          className="iteration-pager__failed"
          title="Go to the next failed iteration"
          onClick={() => pick(jump)}
        >
          {failed.total} failed ›
        </button>
      )}
      {listOpen && (
        <div className="iteration-list">
          <label className="iteration-list__filter">
            <input type="checkbox" checked={failedOnly} onChange={(event) => setFailedOnly(event.target.checked)} />
            Failed only
          </label>
          <ul role="listbox" aria-label="Iterations">
            {listed.map((item) => (
              <li key={item.index} role="option" aria-selected={item.index === chosen} data-status={item.status}>
                <button
                  type="button"
                  onClick={() => {
                    pick(item.index);
                    setListOpen(false);
                  }}
                >
                  <StatusIcon status={item.status} />
                  <span>Iteration {item.index + 1}</span>
                  <span className="muted">{runStatusLabel(item.status)}</span>
                </button>
              </li>
            ))}
          </ul>
          {!failedOnly && loop !== undefined && loop.page.total > loop.offset + loop.page.data.length && (
            <p className="iteration-list__more muted">
              Showing {loop.offset + 1}–{loop.offset + loop.page.data.length} of {loop.page.total}; step with ‹ › for
              the others.
            </p>
          )}
        </div>
      )}
    </div>
  );
}
