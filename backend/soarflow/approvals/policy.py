"""When an approval is decided, and how.

- first: the first answer decides.
- quorum N: the first option to be chosen by N approvers wins.
- all: a quorum of every approver, so every approver must choose the same option.

When the approvers who have not answered can no longer bring any option to the quorum (two
approvers, quorum 2, one chose Ignore and one Block), the request is decided by the last option:
playbooks list the option that changes nothing last (Block, then Ignore), so a split decision
never starts an action nobody agreed on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

KINDS = ("first", "all", "quorum")


@dataclass(frozen=True)
class Policy:
    kind: str
    quorum: int | None = None

    def needed(self, approvers: int) -> int:
        """How many approvers must choose the same option."""
        if self.kind == "first":
            return 1
        if self.kind == "all":
            return approvers
        return min(self.quorum or 1, approvers)


@dataclass(frozen=True)
class Decision:
    option: str
    # The approver whose answer decided it; None when a split left it to the last option.
    decided_by: str | None


def policy_problem(kind: str, quorum: int | None, approvers: int) -> str | None:
    """Why a policy cannot work for this many approvers, or None."""
    if kind not in KINDS:
        return f"the policy is one of {', '.join(KINDS)}, not {kind!r}"
    if kind == "quorum" and (quorum is None or quorum < 1):
        return "a quorum policy needs a quorum of at least 1"
    if kind == "quorum" and quorum is not None and quorum > approvers:
        return f"a quorum of {quorum} needs at least {quorum} approvers, not {approvers}"
    return None


def decide(
    policy: Policy, options: Sequence[str], approvers: int, answers: Sequence[tuple[str, str]]
) -> Decision | None:
    """The decision after these answers (approver, option), in the order they came; None while
    it is still open."""
    needed = policy.needed(approvers)
    counts: Counter[str] = Counter()
    for approver, option in answers:
        counts[option] += 1
        if counts[option] >= needed:
            return Decision(option, approver)
    still_to_answer = approvers - len(answers)
    best = max(counts.values(), default=0)
    if best + still_to_answer < needed:
        return Decision(options[-1], None)
    return None
