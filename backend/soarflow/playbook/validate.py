"""validate(): every problem of a playbook document, all at once."""

from __future__ import annotations

from collections.abc import Iterable

from soarflow.playbook.catalog import ActionCatalog, StaticCatalog
from soarflow.playbook.checks import STRUCTURE_CHECKS, Check, ValidationContext
from soarflow.playbook.document import Json, Problem
from soarflow.playbook.graph import PlaybookGraph
from soarflow.playbook.schema import schema_problems

NO_ACTIONS = StaticCatalog()


def validate(
    document: Json,
    *,
    catalog: ActionCatalog = NO_ACTIONS,
    checks: Iterable[Check] = STRUCTURE_CHECKS,
) -> list[Problem]:
    """Run every check and return all problems found; an empty list means valid.

    `checks` is the hook for further passes (the expression checks add `bad_expression`,
    `unknown_reference` and `unknown_field`): each receives the same compiled graph.
    """
    if not isinstance(document, dict):
        return list(schema_problems(document))
    context = ValidationContext(document, PlaybookGraph.from_document(document), catalog)
    return [problem for check in checks for problem in check(context)]
