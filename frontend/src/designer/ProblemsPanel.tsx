import { useReactFlow } from "@xyflow/react";
import { useState } from "react";
import { problemCountText } from "../format";
import type { FlowEdge, FlowNode } from "../graph/flow";
import { documentIdOf } from "./canvasModel";
import type { Problem } from "./api";
import { designerStore, useDesigner } from "./store";

export function ProblemsPanel() {
  const problems = useDesigner((state) => state.problems);
  const checked = useDesigner((state) => state.problemsOf === state.document);
  const [open, setOpen] = useState(true);
  const { getInternalNode, setCenter, getZoom } = useReactFlow<FlowNode, FlowEdge>();

  const focus = (problem: Problem) => {
    if (problem.nodeId === null) return;
    const store = designerStore.getState();
    const node = store.nodes.find((candidate) => documentIdOf(candidate) === problem.nodeId);
    if (node === undefined) return;
    store.select([node.id]);
    const internal = getInternalNode(node.id);
    if (internal === undefined) return;
    const { x, y } = internal.internals.positionAbsolute;
    const width = internal.measured.width ?? node.width ?? 0;
    const height = internal.measured.height ?? node.height ?? 0;
    void setCenter(x + width / 2, y + height / 2, { zoom: Math.max(getZoom(), 0.8), duration: 300 });
  };

  const summary = problems.length === 0 ? "No problems" : problemCountText(problems.length);
  return (
    <section className={open ? "problems problems--open" : "problems"} data-testid="problems-panel" aria-label="Problems">
      <button type="button" className="problems__header" aria-expanded={open} onClick={() => setOpen((shown) => !shown)}>
        <span className={problems.length === 0 ? "problems__dot problems__dot--ok" : "problems__dot"} aria-hidden="true" />
        <span className="problems__summary">{summary}</span>
        {!checked && <span className="problems__checking muted">checking…</span>}
        <span className="problems__chevron" aria-hidden="true">
          {open ? "▾" : "▴"}
        </span>
      </button>
      {open && problems.length > 0 && (
        <ul className="problems__list">
          {problems.map((problem, index) => (
            <li key={`${problem.code}:${problem.path}:${index}`}>
              <button
                type="button"
                className="problem"
                data-testid="problem-item"
                {...(problem.nodeId === null ? {} : { "data-node-id": problem.nodeId })}
                disabled={problem.nodeId === null}
                onClick={() => focus(problem)}
              >
                <span className="problem__node">{problem.nodeId ?? "Playbook"}</span>
                <span className="problem__message">{problem.message}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
