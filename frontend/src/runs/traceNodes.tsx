// The designer's node components with what a run adds: a status mark (icon and duration) on
// every node, and an iteration pager on loops. The mark sits beside the designer's component, not
// around it, so the node keeps its size and handles.

import type { NodeProps, NodeTypes } from "@xyflow/react";
import { memo } from "react";
import type { ComponentType } from "react";
import { ActionNode, ContainerNode, LaneNode, TriggerNode } from "../designer/nodes";
import type { FlowNode, StepFlowNode, TriggerFlowNode } from "../graph/flow";
import { durationText } from "../format";
import { IterationPager } from "./IterationPager";
import { StatusIcon } from "./StatusIcon";
import { nodeStatus, stepDuration } from "./trace";
import { useTrace } from "./traceStore";

function StepMark({ nodeId }: { nodeId: string }) {
  const step = useTrace((state) => state.steps.get(nodeId));
  // Read only while the step runs: a finished step's node need not redraw on every poll.
  const now = useTrace((state) => (step !== undefined && step.endedAt === null ? state.now : 0));
  const status = nodeStatus(step);
  if (step === undefined || status === "skipped") return null;
  const duration = stepDuration(step, now);
  return (
    <span className={`run-mark run-mark--${status}`}>
      <StatusIcon status={status} />
      {duration !== null && <span className="run-mark__time">{durationText(duration)}</span>}
    </span>
  );
}

function documentId(data: FlowNode["data"]): string {
  return "trigger" in data ? data.trigger.id : "node" in data ? data.node.id : "";
}

function traced<P extends NodeProps<TriggerFlowNode> | NodeProps<StepFlowNode>>(Component: ComponentType<P>) {
  return memo(function TracedNode(props: P) {
    const id = documentId(props.data);
    const data = props.data;
    const pager = "node" in data && (data.node.kind === "foreach" || data.node.kind === "until") && !data.collapsed;
    return (
      <>
        <Component {...props} />
        <StepMark nodeId={id} />
        {pager && <IterationPager loopId={id} />}
      </>
    );
  });
}

const TracedContainer = traced(ContainerNode);

export const traceNodeTypes: NodeTypes = {
  trigger: traced(TriggerNode),
  action: traced(ActionNode),
  condition: TracedContainer,
  switch: TracedContainer,
  foreach: TracedContainer,
  until: TracedContainer,
  scope: TracedContainer,
  lane: LaneNode,
};
