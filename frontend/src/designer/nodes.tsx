// The canvas's node components, one per kind. Memoised, and each reads only its own slice of the
// store (its problem count, its connector), so an edit re-renders the nodes it touched.

import { Handle, Position } from "@xyflow/react";
import type { NodeProps, NodeTypes } from "@xyflow/react";
import { memo } from "react";
import { branchHandleId } from "../graph/connections";
import type { ContainerNode as ContainerSpec } from "../graph/document";
import { indexDocument, stepById } from "../graph/graph";
import type { LaneFlowNode, StepFlowNode, TriggerFlowNode } from "../graph/flow";
import { BRANCH_HANDLE_TOP } from "./canvasModel";
import { actionInfo, branchTitle, triggerTitle } from "./labels";
import { CONTROL_TITLES } from "./nodeEdits";
import { useDesigner } from "./store";

function ProblemBadge({ id }: { id: string }) {
  const count = useDesigner((state) => state.problemCounts.get(id) ?? 0);
  if (count === 0) return null;
  return (
    <span className="node-badge" title={`${count} ${count === 1 ? "problem" : "problems"}`}>
      {count}
    </span>
  );
}

export const TriggerNode = memo(function TriggerNode({ data }: NodeProps<TriggerFlowNode>) {
  const catalogue = useDesigner((state) => state.catalogue);
  const { trigger } = data;
  return (
    <div className="node node--trigger">
      <div className="node__icon node__icon--trigger" aria-hidden="true">
        <svg viewBox="0 0 16 16">
          <path d="M9 1L3 9h4l-1 6 6-8H8z" />
        </svg>
      </div>
      <div className="node__text">
        <div className="node__eyebrow">Trigger</div>
        <div className="node__title">{trigger.title ?? triggerTitle(catalogue, trigger.type)}</div>
        <div className="node__subtitle">{trigger.type}</div>
      </div>
      <ProblemBadge id={trigger.id} />
      <Handle type="source" position={Position.Bottom} className="handle" />
    </div>
  );
});

export const ActionNode = memo(function ActionNode({ data }: NodeProps<StepFlowNode>) {
  const catalogue = useDesigner((state) => state.catalogue);
  const { node } = data;
  if (node.kind !== "action") return null;
  const info = actionInfo(catalogue, node.action);
  return (
    <div className="node node--action">
      <Handle type="target" position={Position.Top} className="handle" />
      <div className="node__icon">
        {info.iconUrl !== null ? <img src={info.iconUrl} alt="" width={24} height={24} /> : <span aria-hidden="true">?</span>}
      </div>
      <div className="node__text">
        <div className="node__eyebrow">{info.connectorName}</div>
        <div className="node__title">{node.title ?? info.actionTitle}</div>
        <div className="node__subtitle">{node.title === undefined ? node.id : info.actionTitle}</div>
      </div>
      <ProblemBadge id={node.id} />
      <Handle type="source" position={Position.Bottom} className="handle" />
    </div>
  );
});

function ContainerBox({ id, data }: NodeProps<StepFlowNode>) {
  const lanes = useDesigner((state) => state.lanes.get(id));
  const node = data.node as ContainerSpec;
  return (
    <div className={`node-container node-container--${node.kind}`}>
      <Handle type="target" position={Position.Top} className="handle" />
      <div className="node-container__header">
        <span className="node-container__kind">{CONTROL_TITLES[node.kind]}</span>
        <span className="node-container__title">{node.title ?? node.id}</span>
        <ProblemBadge id={node.id} />
      </div>
      {!data.collapsed &&
        (lanes ?? []).map((lane) => (
          <Handle
            key={lane.branch}
            type="source"
            id={branchHandleId(lane.branch)}
            position={Position.Bottom}
            className="handle handle--branch"
            title={`Start of the ${branchTitle(node, lane.branch)} branch`}
            style={{ left: lane.x + lane.width / 2, top: BRANCH_HANDLE_TOP }}
          />
        ))}
      <Handle type="source" position={Position.Bottom} className="handle" />
    </div>
  );
}

export const ContainerNode = memo(ContainerBox);

export const LaneNode = memo(function LaneNode({ data }: NodeProps<LaneFlowNode>) {
  // Through the document's index (built once per document): a scan per lane would make every
  // store change cost lanes × nodes.
  const container = useDesigner((state) => stepById(indexDocument(state.document), data.containerId));
  return (
    <div className="lane" data-branch={data.branch}>
      <div className="lane__label">{container === undefined ? data.branch : branchTitle(container, data.branch)}</div>
    </div>
  );
});

export const nodeTypes: NodeTypes = {
  trigger: TriggerNode,
  action: ActionNode,
  condition: ContainerNode,
  switch: ContainerNode,
  foreach: ContainerNode,
  until: ContainerNode,
  scope: ContainerNode,
  lane: LaneNode,
};
