"""The playbook document: its JSON Schema, graph model and validation.

Pure core: nothing here imports Flask or SQLModel.
"""

from soarflow.playbook.catalog import ActionCatalog, ActionSpec, StaticCatalog, TriggerSpec
from soarflow.playbook.document import FORMAT, Problem
from soarflow.playbook.graph import PlaybookGraph
from soarflow.playbook.summary import trigger_kind
from soarflow.playbook.validate import validate

__all__ = [
    "FORMAT",
    "ActionCatalog",
    "ActionSpec",
    "PlaybookGraph",
    "Problem",
    "StaticCatalog",
    "TriggerSpec",
    "trigger_kind",
    "validate",
]
