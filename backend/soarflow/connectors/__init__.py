"""Connectors: manifests (soarflow.connector/v1), the registry that loads them, and the actions
they offer to playbooks. Pure core: nothing here imports Flask or SQLModel."""

from soarflow.connectors.registry import ConnectorRegistry, ManifestProblem

__all__ = ["ConnectorRegistry", "ManifestProblem"]
