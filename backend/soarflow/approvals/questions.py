"""What an approval asks besides its options: questions, each a choice among values (one, or
several), asked with every option or only with some, such as the severity to close an incident
with or the rule collections to add an address to when the answer is Block.

Pure: the questions a step asks, checked and made uniform; an approver's answers to them,
checked; the answers the step outputs."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

MAX_QUESTIONS = 10
MAX_CHOICES = 500
MAX_TEXT_LENGTH = 500
QUESTION_ID = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,63}")

Question = dict[str, Any]


class QuestionProblem(ValueError):
    """Questions that cannot be asked, or an answer that cannot count: the message says why."""


def read_questions(raw: Any, options: Sequence[str]) -> list[Question]:
    """A step's questions, each as {id, label, choices: [{title, value}], multiple, required,
    default: [values], for_options: [options] | None}. Choices may be texts or {title, value}
    objects (other keys are ignored, as an Adaptive Card's `isSelected`); a default that is not
    one of the values, even when written in another case, preselects nothing."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise QuestionProblem("questions is a list")
    if len(raw) > MAX_QUESTIONS:
        raise QuestionProblem(f"at most {MAX_QUESTIONS} questions, not {len(raw)}")
    questions = [_question(item, index, options) for index, item in enumerate(raw)]
    ids = [question["id"] for question in questions]
    twice = sorted({found for found in ids if ids.count(found) > 1})
    if twice:
        raise QuestionProblem(f"the question id {twice[0]!r} is used twice")
    return questions


def _question(raw: Any, index: int, options: Sequence[str]) -> Question:
    where = f"question {index + 1}"
    if not isinstance(raw, Mapping):
        raise QuestionProblem(f"{where} is an object with an id, a label and choices")
    question_id = raw.get("id")
    if not isinstance(question_id, str) or not QUESTION_ID.fullmatch(question_id):
        raise QuestionProblem(
            f"{where}: its id is a letter then up to 63 letters, digits or _, not {question_id!r}"
        )
    where = f"question {question_id}"
    label = _text(raw.get("label"), f"{where}: its label")
    choices = _choices(raw.get("choices"), where)
    multiple = raw.get("multiple", False) is True
    for_options = raw.get("for_options")
    if for_options is not None:
        if not isinstance(for_options, list) or not for_options:
            raise QuestionProblem(f"{where}: for_options lists the options it is asked with")
        unknown = [str(option) for option in for_options if option not in options]
        if unknown:
            raise QuestionProblem(f"{where}: {unknown[0]!r} is not one of the options")
    return {
        "id": question_id,
        "label": label,
        "choices": choices,
        "multiple": multiple,
        "required": raw.get("required", False) is True,
        "default": _default(raw.get("default"), choices, multiple),
        "for_options": None if for_options is None else [str(option) for option in for_options],
    }


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise QuestionProblem(f"{what} is a text")
    if len(value) > MAX_TEXT_LENGTH:
        raise QuestionProblem(f"{what} is at most {MAX_TEXT_LENGTH} characters")
    return value


def _choices(raw: Any, where: str) -> list[dict[str, str]]:
    if not isinstance(raw, list) or not raw:
        raise QuestionProblem(f"{where}: its choices are a list of at least one")
    if len(raw) > MAX_CHOICES:
        raise QuestionProblem(f"{where}: at most {MAX_CHOICES} choices, not {len(raw)}")
    choices = []
    for item in raw:
        if isinstance(item, Mapping):
            value = _text(item.get("value"), f"{where}: a choice's value")
            title = _text(item.get("title", value), f"{where}: a choice's title")
        else:
            value = title = _text(item, f"{where}: a choice")
        choices.append({"title": title, "value": value})
    values = [choice["value"] for choice in choices]
    twice = [value for value in values if values.count(value) > 1]
    if twice:
        raise QuestionProblem(f"{where}: the choice {twice[0]!r} is there twice")
    return choices


def _default(raw: Any, choices: Sequence[Mapping[str, str]], multiple: bool) -> list[str]:
    wanted = raw if isinstance(raw, list) else [] if raw in (None, "") else [raw]
    by_case = {choice["value"].casefold(): choice["value"] for choice in choices}
    found = []
    for value in wanted:
        match = by_case.get(str(value).casefold())
        if match is not None and match not in found:
            found.append(match)
    return found if multiple else found[:1]


def asked_with(question: Mapping[str, Any], option: str) -> bool:
    for_options = question.get("for_options")
    return for_options is None or option in for_options


def check_answers(
    questions: Sequence[Mapping[str, Any]], option: str, given: Mapping[str, Any]
) -> dict[str, Any]:
    """An approver's answers to the questions asked with the option: each a value, a list of
    values (a question with several answers), or None where it was left unanswered."""
    by_id = {question["id"]: question for question in questions}
    for question_id in given:
        if question_id not in by_id:
            raise QuestionProblem(f"there is no question {question_id!r}")
        if not asked_with(by_id[question_id], option) and given[question_id] not in (None, []):
            raise QuestionProblem(f"the question {question_id!r} is not asked with {option!r}")
    return {
        question["id"]: _answer(question, given.get(question["id"]))
        for question in questions
        if asked_with(question, option)
    }


def _answer(question: Mapping[str, Any], raw: Any) -> Any:
    values = [] if raw in (None, "") else raw if isinstance(raw, list) else [raw]
    label = question["label"]
    if question["required"] and not values:
        raise QuestionProblem(f"answer {label!r}: it is required")
    if not question["multiple"] and len(values) > 1:
        raise QuestionProblem(f"choose one answer to {label!r}")
    known = {choice["value"] for choice in question["choices"]}
    unknown = [value for value in values if value not in known]
    if unknown:
        raise QuestionProblem(f"{unknown[0]!r} is not one of the choices of {label!r}")
    if question["multiple"]:
        return list(dict.fromkeys(values))
    return values[0] if values else None


def output_answers(
    questions: Sequence[Mapping[str, Any]], answers: Mapping[str, Any] | None
) -> dict[str, Any]:
    """Every question's answer for the step's output: the deciding approver's where they
    answered it, the question's default where not (a list for questions with several
    answers, the value or null for the others)."""
    given = answers or {}
    out: dict[str, Any] = {}
    for question in questions:
        if question["id"] in given:
            out[question["id"]] = given[question["id"]]
        elif question["multiple"]:
            out[question["id"]] = list(question["default"])
        else:
            out[question["id"]] = question["default"][0] if question["default"] else None
    return out
