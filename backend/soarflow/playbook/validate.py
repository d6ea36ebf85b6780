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
    checks: Iterable[Check] | None = None,
) -> list[Problem]:
    """Run every check and return all problems found; an empty list means valid.

    By default the structure checks run, then the expression pass (`bad_expression`,
    `unknown_reference`, `unknown_field`); each check receives the same compiled graph.
    """
    if checks is None:
        # Imported here: the expression package builds on this one's document module.
        from soarflow.expressions.validation import check_expressions

        checks = (*STRUCTURE_CHECKS, check_expressions)
    if not isinstance(document, dict):
        return list(schema_problems(document))
    context = ValidationContext(document, PlaybookGraph.from_document(document), catalog)
    return [problem for check in checks for problem in check(context)]
