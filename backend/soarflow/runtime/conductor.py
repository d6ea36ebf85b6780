"""The conductor: given a run's state and what just happened, decides what happens next.

Pure: it reads no clock (`now` comes with every call), touches no database and calls no
connector. It changes the RunState it is given, marking what changed, and returns the action
attempts to dispatch. Run-after semantics follow DESIGN.md section 3."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping
from typing import Any

from soarflow.connectors.retry import is_retryable
from soarflow.expressions import ExpressionError, evaluate
from soarflow.expressions.functions import duration_seconds
from soarflow.playbook.document import CONTAINER_KINDS, branch_name
from soarflow.runtime import directives
from soarflow.runtime.conditions import ConditionError, holds
from soarflow.runtime.plan import (
    FOREACH_CONCURRENCY,
    FOREACH_MAX_ITEMS,
    UNTIL_MAX_ITERATIONS,
    UNTIL_TIMEOUT,
    Plan,
    PlanNode,
)
from soarflow.runtime.state import (
    STEP_FAILED,
    STEP_TERMINAL,
    Dispatch,
    RunState,
    Step,
    StepFailed,
    StepResult,
    StepsView,
    iterations,
    prefix_of,
    secret_texts,
)

MASK = "***"
Frame = tuple[str | None, str | None, str]  # container step key, branch, prefix


class Conductor:
    """Decides one run's next steps; one per plan, shared by every run of that version."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan

    def start(self, state: RunState, now: float) -> list[Dispatch]:
        turn = Turn(self.plan, state, now)
        state.status, state.started_at = "running", now
        state.dirty.add("")  # the run row too: resume() starts again a run stored as queued
        trigger = turn.new_step(self.plan.trigger_id, self.plan.trigger_id, "succeeded")
        trigger.output, trigger.ended_at = state.trigger, now
        turn.open_frame(None, None, "")
        return turn.done()

    def on_result(self, state: RunState, result: StepResult, now: float) -> list[Dispatch]:
        step = state.steps.get(result.key)
        if (
            state.finished
            or step is None
            or step.status != "running"
            or step.attempts != result.attempt
        ):
            return []  # late (timed out, cancelled) or a duplicate report
        turn = Turn(self.plan, state, now)
        turn.record_result(step, result)
        return turn.done()

    def on_answer(
        self, state: RunState, key: str, output: Any, final: bool, now: float
    ) -> list[Dispatch]:
        """An answer to a step that asked someone (approvals): the step's output so far, and
        whether it is decided. It may come before the step's own result has been recorded (the
        step is still running then); that later result is ignored as late."""
        step = state.steps.get(key)
        if state.finished or step is None or step.status not in ("running", "waiting"):
            return []
        turn = Turn(self.plan, state, now)
        if final:
            turn.finish(step, "succeeded", output=output)
        else:
            step.output = output
            turn.touch(step)
        return turn.done()

    def on_timers(self, state: RunState, now: float) -> list[Dispatch]:
        turn = Turn(self.plan, state, now)
        due = sorted((at, key) for key, at in state.wakes.items() if at <= now)
        for _, key in due:
            if not state.finished:
                turn.wake(state.steps[key])
        return turn.done()

    def cancel(self, state: RunState, now: float, message: str) -> None:
        if not state.finished:
            Turn(self.plan, state, now).end_run(
                "cancelled", {"code": "cancelled", "message": message}
            )

    def adopt(self, state: RunState) -> None:
        """Fill in what a state loaded from the store does not hold: the steps in flight."""
        state.in_flight = {
            key
            for key, step in state.steps.items()
            if step.status == "running" and self.plan.nodes[step.node_id].kind == "action"
        }

    def resume(self, state: RunState, now: float) -> list[Dispatch]:
        """After a restart: start a queued run, dispatch again what was in flight."""
        if state.status == "queued":
            return self.start(state, now)
        turn = Turn(self.plan, state, now)
        for key in sorted(state.in_flight):
            turn.dispatch(state.steps[key])
        return turn.done()

    def restart(self, state: RunState, now: float) -> list[Dispatch]:
        """Run again what failed, timed out, was skipped or cancelled, and what follows it;
        keep what succeeded. Variables keep their values."""
        turn = Turn(self.plan, state, now)
        turn.forget(turn.to_redo())
        state.status, state.error, state.ended_at = "running", None, None
        state.dirty.add("")
        turn.open_frame(None, None, "")
        return turn.done()


class Turn:
    """One round of decisions: a work list instead of recursion, since a chain of steps that
    finish at once (variables, skips) can be as long as the playbook."""

    def __init__(self, plan: Plan, state: RunState, now: float) -> None:
        self.plan = plan
        self.state = state
        self.now = now
        self.dispatches: list[Dispatch] = []
        self._agenda: deque[tuple[Callable[..., None], tuple[Any, ...]]] = deque()

    def done(self) -> list[Dispatch]:
        while self._agenda and not self.state.finished:
            work, args = self._agenda.popleft()
            work(*args)
        self._update_run_status()
        return self.dispatches

    # -- steps ------------------------------------------------------------------------------

    def new_step(self, key: str, node_id: str, status: str) -> Step:
        step = Step(key, node_id, status, started_at=self.now)
        self.state.steps[key] = step
        self.state.created.append(key)
        self.state.deleted.discard(key)
        self.touch(step)
        return step

    def touch(self, step: Step) -> None:
        self.state.dirty.add(step.key)

    def finish(
        self,
        step: Step,
        status: str,
        *,
        output: Any = None,
        error: Mapping[str, Any] | None = None,
    ) -> None:
        step.status, step.output, step.ended_at = status, output, self.now
        step.error = dict(error) if error is not None else None
        self.set_wake(step, None)
        self.state.in_flight.discard(step.key)
        self.touch(step)
        node = self.plan.nodes[step.node_id]
        if node.secret_outputs:
            self.keep_secrets(secret_texts(output, node.secret_outputs))
        prefix = prefix_of(step.key)
        for successor in node.succs:
            self._agenda.append((self.consider, (prefix, successor)))
        self._agenda.append((self.close, self.frame_of(step.key, node)))

    def keep_secrets(self, values: set[str]) -> None:
        """Values that are secrets from now on in this run; the run row keeps them (sealed)."""
        if not values <= self.state.secrets:
            self.state.secrets |= values
            self.state.dirty.add("")

    def set_wake(self, step: Step, at: float | None) -> None:
        step.wake_at = at
        if at is None:
            self.state.wakes.pop(step.key, None)
        else:
            self.state.wakes[step.key] = at

    def frame_of(self, key: str, node: PlanNode) -> Frame:
        prefix = prefix_of(key)
        if node.parent is None:
            return (None, None, prefix)
        if self.plan.nodes[node.parent].is_loop:
            return (prefix_of(prefix[:-1]) + node.parent, node.branch, prefix)
        return (prefix + node.parent, node.branch, prefix)

    # -- deciding ---------------------------------------------------------------------------

    def open_frame(self, container: str | None, branch: str | None, prefix: str) -> None:
        container_id = self.state.steps[container].node_id if container else None
        for node_id in self.plan.frame(container_id, branch):
            self._agenda.append((self.consider, (prefix, node_id)))
        self._agenda.append((self.close, (container, branch, prefix)))

    def consider(self, prefix: str, node_id: str) -> None:
        """Start the node, or skip it, once every run-after source has finished."""
        key = prefix + node_id
        if key in self.state.steps:
            return
        node = self.plan.nodes[node_id]
        runs = True
        for source, when in node.preds:
            status = "succeeded"
            if source is not None:
                found = self.state.steps.get(prefix + source)
                if found is None or found.status not in STEP_TERMINAL:
                    return
                status = found.status
            runs = runs and status in when
        if not runs:
            self.finish(self.new_step(key, node_id, "pending"), "skipped")
            return
        step = self.new_step(key, node_id, "running")
        try:
            START[node.kind](self, step, node, prefix)
        except StepFailed as failure:
            self.finish(step, "failed", error=failure.error)
        except (ExpressionError, ConditionError) as error:
            self.finish(step, "failed", error=expression_error(error))

    def close(self, container: str | None, branch: str | None, prefix: str) -> None:
        """When every node of a frame has finished, its container (or the run) moves on."""
        steps = self.state.steps
        container_id = steps[container].node_id if container else None
        ids = self.plan.frame(container_id, branch)
        failure: Step | None = None
        for node_id in ids:
            step = steps.get(prefix + node_id)
            if step is None or step.status not in STEP_TERMINAL:
                return
            if (
                failure is None
                and step.status in STEP_FAILED
                and step.status not in self.plan.nodes[node_id].handled
            ):
                failure = step
        error = None if failure is None else _child_failed(failure)
        if container is None:
            self.end_run("failed" if error else "succeeded", error)
            return
        owner = steps[container]
        if owner.status != "running":
            return
        CLOSE[self.plan.nodes[owner.node_id].kind](self, owner, ids, prefix, error)

    def end_run(self, status: str, error: dict[str, Any] | None) -> None:
        state = self.state
        state.status, state.error, state.ended_at = status, error, self.now
        state.dirty.add("")
        for step in state.steps.values():
            if step.status not in STEP_TERMINAL:
                step.status, step.ended_at = "cancelled", self.now
                step.wake_at = None
                self.touch(step)
        state.wakes.clear()
        state.in_flight.clear()

    def _update_run_status(self) -> None:
        state = self.state
        if state.finished:
            return
        status = "waiting" if not state.in_flight and state.wakes else "running"
        if status != state.status:
            state.status = status
            state.dirty.add("")

    # -- actions ----------------------------------------------------------------------------

    def scope(self, prefix: str) -> dict[str, Any]:
        state = self.state
        values: dict[str, Any] = {
            "trigger": state.trigger,
            "steps": StepsView(state.steps, prefix),
            "vars": state.variables,
            **state.context,
        }
        loop_items: dict[str, Any] = {}
        for loop_key, node_id, index in iterations(prefix):
            if self.plan.nodes[node_id].kind == "foreach":
                item = state.steps[loop_key].inputs["items"][index]
                loop_items[node_id] = values["item"] = item
                values["index"] = index
        values["items"] = loop_items
        return values

    def start_action(self, step: Step, node: PlanNode, prefix: str) -> None:
        directive = directives.DIRECTIVES.get(node.directive or "")
        raw = node.data.get("inputs", {})
        if node.item_inputs:
            raw = {name: value for name, value in raw.items() if name not in node.item_inputs}
        inputs = evaluate(raw, self.scope(prefix), path=node.path + ".inputs")
        step.inputs = _masked(inputs, node.secret_inputs)
        if directive is not None:
            directive(self, step, node, inputs, prefix)
            return
        step.attempts = 1
        if node.timeout is not None:
            step.state["deadline"] = self.now + node.timeout
            self.set_wake(step, step.state["deadline"])
        self.dispatch(step, inputs)

    def dispatch(self, step: Step, inputs: Any = None) -> None:
        node = self.plan.nodes[step.node_id]
        if inputs is None:
            inputs = self._inputs_again(step, node)
        self.state.in_flight.add(step.key)
        self.dispatches.append(
            Dispatch(
                self.state.id,
                self.state.workspace_id,
                step.key,
                node.id,
                str(node.data["action"]),
                node.data.get("connection"),
                inputs,
                step.attempts,
                f"{self.state.id}/{step.key}",
            )
        )

    def _inputs_again(self, step: Step, node: PlanNode) -> Any:
        """The inputs of a step dispatched again: as stored, with masked secrets evaluated anew."""
        if not node.secret_inputs:
            return step.inputs
        raw = {k: v for k, v in node.data.get("inputs", {}).items() if k in node.secret_inputs}
        fresh = evaluate(raw, self.scope(prefix_of(step.key)), path=node.path + ".inputs")
        return {**step.inputs, **fresh}

    def record_result(self, step: Step, result: StepResult) -> None:
        if result.wait_until is not None:
            self.await_answer(step, result.output, result.wait_until)
            return
        if result.error is None:
            self.finish(step, "succeeded", output=result.output)
            return
        node = self.plan.nodes[step.node_id]
        if is_retryable(result.error) and step.attempts <= node.retry.retries:
            retry_after = result.error.get("details", {}).get("retry_after")
            retry_at = self.now + node.retry.delay(step.attempts, retry_after)
            deadline = step.state.get("deadline")
            step.status, step.error = "waiting", dict(result.error)
            step.state["retry_at"] = retry_at
            self._log_attempt(step, result.error)
            self.state.in_flight.discard(step.key)
            self.set_wake(step, retry_at if deadline is None else min(retry_at, deadline))
            self.touch(step)
            return
        self.finish(step, "failed", error=result.error)

    def await_answer(self, step: Step, progress: Any, until: float) -> None:
        """The action asked someone: the step waits, holding nothing, for the answer
        (Conductor.on_answer) or its deadline, whichever comes first."""
        deadline = min(step.state.get("deadline", until), until)
        step.status, step.output = "waiting", progress
        step.state.update({"awaiting": True, "deadline": deadline})
        self.state.in_flight.discard(step.key)
        self.set_wake(step, deadline)
        self.touch(step)

    def _log_attempt(self, step: Step, error: Mapping[str, Any]) -> None:
        """Keep an attempt that will be retried for the trace; the last attempt is the step."""
        step.state.setdefault("attempt_log", []).append(
            {
                "attempt": step.attempts,
                "started_at": step.state.get("attempt_started_at", step.started_at),
                "ended_at": self.now,
                "error": dict(error),
            }
        )

    def wake(self, step: Step) -> None:
        deadline = step.state.get("deadline")
        if deadline is not None and self.now >= deadline:
            timeout = self.plan.nodes[step.node_id].timeout
            if step.state.get("awaiting"):
                message = "no answer came before the deadline"
            else:
                message = f"the step did not finish within {timeout:g} s"
            self.finish(
                step,
                "timed_out",
                output=step.output if step.state.get("awaiting") else None,
                error={"code": "timed_out", "message": message},
            )
        elif step.state.pop("retry_at", None) is not None:
            step.status = "running"
            step.attempts += 1
            step.state["attempt_started_at"] = self.now
            self.set_wake(step, deadline)
            self.touch(step)
            self.dispatch(step)
        else:
            self.finish(step, "succeeded", output=step.output)

    # -- restart ----------------------------------------------------------------------------

    def to_redo(self) -> set[str]:
        """Keys to run again: every step that failed, timed out, was cancelled or skipped by
        run-after, what follows it in its frame, the containers around it, and everything
        inside a container that follows (it runs again whole)."""
        steps = self.state.steps
        redo = {
            key
            for key, step in steps.items()
            if step.status != "succeeded" and not step.state.get("branch_not_taken")
        }
        whole: set[str] = set()
        work = list(redo)
        while work:
            key = work.pop()
            node = self.plan.nodes[steps[key].node_id]
            prefix = prefix_of(key)
            for follower in (prefix + successor for successor in node.succs):
                if follower in steps and follower not in redo:
                    redo.add(follower)
                    work.append(follower)
                    if self.plan.nodes[steps[follower].node_id].kind in CONTAINER_KINDS:
                        whole.add(follower)
            container, _, _ = self.frame_of(key, node)
            if container is not None and container not in redo:
                redo.add(container)
                work.append(container)
        return redo | {key for key in steps if self._inside_any(key, whole)}

    def _inside_any(self, key: str, containers: set[str]) -> bool:
        node = self.plan.nodes[self.state.steps[key].node_id]
        while node.parent is not None:
            container, _, _ = self.frame_of(key, node)
            assert container is not None
            if container in containers:
                return True
            key, node = container, self.plan.nodes[node.parent]
        return False

    def forget(self, keys: set[str]) -> None:
        for key in keys:
            del self.state.steps[key]
            self.state.wakes.pop(key, None)
        # A forgotten step made again in the same turn keeps its row (an update, not a delete).
        self.state.dirty -= keys
        self.state.deleted |= keys


# -- node kinds -----------------------------------------------------------------------------


def _start_condition(turn: Turn, step: Step, node: PlanNode, prefix: str) -> None:
    taken = holds(node.data["condition"], turn.scope(prefix), node.path + ".condition")
    _enter_branch(turn, step, node, prefix, "true" if taken else "false")


def _start_switch(turn: Turn, step: Step, node: PlanNode, prefix: str) -> None:
    value = evaluate(node.data["on"], turn.scope(prefix), path=node.path + ".on")
    branch = next(
        (branch_name(case) for case in node.data["cases"] if _same(case, value)), "default"
    )
    _enter_branch(turn, step, node, prefix, branch)


def _same(case: Any, value: Any) -> bool:
    if isinstance(case, bool) or isinstance(value, bool):
        return case is value
    return bool(case == value)


def _enter_branch(turn: Turn, step: Step, node: PlanNode, prefix: str, branch: str) -> None:
    step.state["branch"] = branch
    for (container, other), ids in turn.plan.frames.items():
        if container == node.id and other != branch:
            for node_id in ids:
                skipped = turn.new_step(prefix + node_id, node_id, "skipped")
                skipped.ended_at = turn.now
                skipped.state["branch_not_taken"] = True
    turn.open_frame(step.key, branch, prefix)


def _start_foreach(turn: Turn, step: Step, node: PlanNode, prefix: str) -> None:
    items = evaluate(node.data["items"], turn.scope(prefix), path=node.path + ".items")
    if not isinstance(items, list):
        raise StepFailed("not_a_list", f"the items are {type(items).__name__}, not a list")
    if len(items) > FOREACH_MAX_ITEMS:
        raise StepFailed("too_many_items", f"{len(items)} items; at most {FOREACH_MAX_ITEMS}")
    step.inputs = {"items": items}
    step.state.update({"count": len(items), "next": 0, "open": [], "failed": 0})
    if not items:
        turn.finish(step, "succeeded", output=[])
        return
    for _ in range(min(int(node.data.get("concurrency", FOREACH_CONCURRENCY)), len(items))):
        _open_iteration(turn, step, node)


def _open_iteration(turn: Turn, step: Step, node: PlanNode) -> None:
    index = step.state["next"]
    step.state["next"] = index + 1
    step.state["open"].append(index)
    turn.touch(step)
    turn.open_frame(step.key, "body", f"{prefix_of(step.key)}{node.id}[{index}]/")


def _start_until(turn: Turn, step: Step, node: PlanNode, prefix: str) -> None:
    timeout = node.data.get("timeout")
    limit = UNTIL_TIMEOUT if timeout is None else duration_seconds(timeout)
    step.state.update({"pass": 0, "deadline": turn.now + limit})
    turn.open_frame(step.key, "body", f"{prefix}{node.id}[0]/")


def _start_scope(turn: Turn, step: Step, node: PlanNode, prefix: str) -> None:
    turn.open_frame(step.key, "body", prefix)


START: dict[str, Callable[[Turn, Step, PlanNode, str], None]] = {
    "action": Turn.start_action,
    "condition": _start_condition,
    "switch": _start_switch,
    "foreach": _start_foreach,
    "until": _start_until,
    "scope": _start_scope,
}

Close = Callable[[Turn, Step, tuple[str, ...], str, "dict[str, Any] | None"], None]


def _close_branch(
    turn: Turn, owner: Step, _ids: tuple[str, ...], _prefix: str, error: dict[str, Any] | None
) -> None:
    output = {"branch": owner.state["branch"]}
    turn.finish(owner, "failed" if error else "succeeded", output=output, error=error)


def _close_scope(
    turn: Turn, owner: Step, ids: tuple[str, ...], prefix: str, error: dict[str, Any] | None
) -> None:
    output = {node_id: turn.state.steps[prefix + node_id].output for node_id in ids}
    turn.finish(owner, "failed" if error else "succeeded", output=output, error=error)


def _close_iteration(
    turn: Turn, owner: Step, ids: tuple[str, ...], prefix: str, error: dict[str, Any] | None
) -> None:
    index = _last_index(prefix)
    if index not in owner.state["open"]:
        return
    owner.state["open"].remove(index)
    owner.state["failed"] += 1 if error else 0
    turn.touch(owner)
    node = turn.plan.nodes[owner.node_id]
    if owner.state["next"] < owner.state["count"]:
        _open_iteration(turn, owner, node)
    elif not owner.state["open"]:
        failed = owner.state["failed"]
        turn.finish(
            owner,
            "failed" if failed else "succeeded",
            output=_passes(turn, owner, ids, owner.state["count"]),
            error={"code": "iterations_failed", "message": f"{failed} iteration(s) failed"}
            if failed
            else None,
        )


def _close_pass(
    turn: Turn, owner: Step, ids: tuple[str, ...], prefix: str, error: dict[str, Any] | None
) -> None:
    number = owner.state["pass"]
    if _last_index(prefix) != number:
        return
    node = turn.plan.nodes[owner.node_id]
    output = _passes(turn, owner, ids, number + 1)
    if error:
        turn.finish(owner, "failed", output=output, error=error)
        return
    try:
        exit_now = holds(node.data["condition"], turn.scope(prefix), node.path + ".condition")
    except (ExpressionError, ConditionError) as failure:
        turn.finish(owner, "failed", output=output, error=expression_error(failure))
        return
    limit = int(node.data.get("max_iterations", UNTIL_MAX_ITERATIONS))
    if exit_now or number + 1 >= limit:
        owner.state["limit_reached"] = not exit_now
        turn.finish(owner, "succeeded", output=output)
    elif turn.now >= owner.state["deadline"]:
        message = "the loop's time limit passed before its condition held"
        turn.finish(
            owner, "timed_out", output=output, error={"code": "timed_out", "message": message}
        )
    else:
        owner.state["pass"] = number + 1
        turn.touch(owner)
        turn.open_frame(owner.key, "body", f"{prefix_of(owner.key)}{node.id}[{number + 1}]/")


def _passes(turn: Turn, owner: Step, ids: tuple[str, ...], count: int) -> list[dict[str, Any]]:
    """A loop's output: per iteration, its nodes' outputs by id."""
    base = f"{prefix_of(owner.key)}{owner.node_id}"
    steps = turn.state.steps
    return [
        {node_id: _output_of(steps.get(f"{base}[{index}]/{node_id}")) for node_id in ids}
        for index in range(count)
    ]


def _output_of(step: Step | None) -> Any:
    return None if step is None else step.output


def _last_index(prefix: str) -> int:
    return int(prefix[prefix.rindex("[", 0, -1) + 1 : -2])


CLOSE: dict[str, Close] = {
    "condition": _close_branch,
    "switch": _close_branch,
    "scope": _close_scope,
    "foreach": _close_iteration,
    "until": _close_pass,
}


def _child_failed(step: Step) -> dict[str, Any]:
    reason = (step.error or {}).get("message", step.status)
    return {
        "code": "action_failed",
        "message": f"{step.key} {step.status.replace('_', ' ')}: {reason}",
        "details": {"step": step.key},
    }


def expression_error(error: ExpressionError | ConditionError) -> dict[str, Any]:
    if isinstance(error, ExpressionError):
        details = {"expression": error.expression, "path": error.path}
        return {"code": error.code, "message": error.message, "details": details}
    return {"code": "condition_error", "message": str(error), "details": {}}


def _masked(inputs: Any, secret: frozenset[str]) -> Any:
    if not secret or not isinstance(inputs, Mapping):
        return inputs
    return {name: MASK if name in secret else value for name, value in inputs.items()}
