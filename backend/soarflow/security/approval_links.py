"""The links approvers answer with: a token signed with the installation's secret keys, bound
to one approval and one approver. The token is the credential (no sign-in), so it must not be
guessable or forgeable; single use is the store's job (one answer per approver)."""

from __future__ import annotations

from collections.abc import Sequence

from itsdangerous import BadData, URLSafeSerializer

SALT = "soarflow.approval-link.v1"


class InvalidLink(Exception):
    """The token was not made here, was changed, or is not a token at all."""


class ApprovalLinks:
    def __init__(self, keys: Sequence[bytes]) -> None:
        # itsdangerous signs with the last key and accepts any: the newest key goes last.
        self._serializer = URLSafeSerializer(list(reversed(keys)), salt=SALT)

    def token(self, approval_id: str, approver: str) -> str:
        return str(self._serializer.dumps([approval_id, approver]))

    def read(self, token: str) -> tuple[str, str]:
        """The approval id and approver a token is for."""
        try:
            value = self._serializer.loads(token)
        except BadData:
            raise InvalidLink from None
        if (
            not isinstance(value, list)
            or len(value) != 2
            or not all(isinstance(part, str) for part in value)
        ):
            raise InvalidLink
        return value[0], value[1]
