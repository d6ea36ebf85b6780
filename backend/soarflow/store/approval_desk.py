"""The approvals the `approvals` connector opens, in the store, with the links approvers answer
with: what a run's step reaches through its context."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.engine import Engine
from sqlmodel import Session

from soarflow.connectors.builtin import ApprovalRequest, OpenedApproval
from soarflow.security.approval_links import ApprovalLinks
from soarflow.store import approvals as repo

APPROVE_PATH = "/approve/"
INBOX_PATH = "/approvals"


def link_url(base_url: str, token: str) -> str:
    return f"{base_url.rstrip('/')}{APPROVE_PATH}{token}"


def is_email(approver: str) -> bool:
    return "@" in approver


class StoreApprovalDesk:
    def __init__(self, engine: Engine, links: Callable[[], ApprovalLinks], base_url: str) -> None:
        self.engine = engine
        # Made on first use: the signing keys come from the installation's key store.
        self._links = links
        self.base_url = base_url.rstrip("/")

    def open(self, request: ApprovalRequest) -> OpenedApproval:
        with Session(self.engine) as session:
            approval, created = repo.open_approval(session, request)
            approvers = list(approval.approvers)
            approval_id = approval.id
        links = self._links()
        return OpenedApproval(
            created=created,
            links={
                approver: link_url(self.base_url, links.token(approval_id, approver))
                for approver in approvers
                if is_email(approver)
            },
            inbox_url=f"{self.base_url}{INBOX_PATH}",
        )

    def discard(self, approval_id: str) -> None:
        with Session(self.engine) as session:
            repo.discard(session, approval_id)
