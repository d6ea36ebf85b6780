"""The expression language: `{{ }}` expressions in playbook text fields, sandboxed and typed.

parse() decides what is admissible (the validator's bad_expression), evaluate() runs the
expressions inside a JSON value against a run's scope (a failure is the step's
expression_error), FUNCTIONS lists what expressions may call.
"""

from soarflow.expressions.environment import (
    SCOPE_NAMES,
    ExpressionError,
    ExpressionSyntaxError,
    parse,
)
from soarflow.expressions.evaluate import evaluate
from soarflow.expressions.functions import FUNCTIONS
from soarflow.playbook.document import is_expression_text

__all__ = [
    "FUNCTIONS",
    "SCOPE_NAMES",
    "ExpressionError",
    "ExpressionSyntaxError",
    "evaluate",
    "is_expression_text",
    "parse",
]
