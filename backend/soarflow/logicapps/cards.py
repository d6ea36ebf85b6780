"""Adaptive Cards that wait for an answer (Teams' "Post an Adaptive Card and wait for a
response") as soarflow approvals: the card's first text is the title and its other texts the
message, its submit buttons are the options, and its choice inputs are the questions, asked
with the buttons that send them (the inputs of a card a button shows go with that card's
buttons only).

A card is JSON text with `@{...}` parts, which may stand for a whole JSON value (a list of
choices a step made) or sit inside a JSON string. Each part is read as WDL and written by the
importer's Writer; images, layout and styles are not carried over."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from soarflow.approvals.questions import QUESTION_ID
from soarflow.logicapps.wdl import Node, Unmapped, Writer, split_template
from soarflow.playbook.document import Json

# Stands for the n-th `@{...}` part in the card's JSON: a control character cannot be in the
# JSON text of a card, so the marker cannot be mistaken for the card's own text.
_MARK = "\x00{}\x00"
_MARKS = re.compile("\x00(\\d+)\x00")
SUBMITS = ("Action.Submit", "Action.Execute")
CONTAINERS = {"Container": "items", "Column": "items", "ColumnSet": "columns"}


@dataclass(frozen=True)
class Card:
    """A card's JSON, its `@{...}` parts standing as markers for the expressions."""

    body: Mapping[str, Any]
    expressions: Sequence[Node]


@dataclass
class CardQuestion:
    element: Mapping[str, Any]
    label: Any
    # The buttons that send it; None: every button.
    for_options: list[str] | None


@dataclass
class _Reading:
    texts: list[Any] = field(default_factory=list)
    questions: list[CardQuestion] = field(default_factory=list)
    options: list[str] = field(default_factory=list)
    # The text just before an input, which labels it when the input has no label.
    last_text: int | None = None


@dataclass(frozen=True)
class _Values:
    """Writes the card's values: texts with markers standing for the card's expressions."""

    writer: Writer
    expressions: Sequence[Node]

    def text(self, value: Any) -> Json:
        if not isinstance(value, str):
            return "" if value is None else str(value)
        parts: list[str | Node] = []
        at = 0
        for found in _MARKS.finditer(value):
            if found.start() > at:
                parts.append(value[at : found.start()])
            parts.append(self.expressions[int(found.group(1))])
            at = found.end()
        if at < len(value):
            parts.append(value[at:])
        return self.writer.parts(parts)


def parse_card(text: str) -> Card:
    """The card in a card template's text; Unmapped when it is not a card."""
    parts = split_template(text)
    expressions: list[Node] = []
    written = ""
    in_string = False
    for part in parts:
        if isinstance(part, str):
            in_string = _in_string_after(part, in_string)
            written += part
            continue
        mark = _MARK.format(len(expressions))
        expressions.append(part)
        written += mark if in_string else json.dumps(mark)
    try:
        body = json.loads(written, strict=False)
    except ValueError as error:
        raise Unmapped(f"an Adaptive Card that is not JSON ({error})") from None
    if not isinstance(body, Mapping) or body.get("type") != "AdaptiveCard":
        raise Unmapped("a message that is not an Adaptive Card")
    return Card(body, expressions)


def _in_string_after(text: str, in_string: bool) -> bool:
    """Whether JSON text that started inside a string (or not) ends inside one."""
    escaped = False
    for char in text:
        if escaped:
            escaped = False
        elif in_string and char == "\\":
            escaped = True
        elif char == '"':
            in_string = not in_string
    return in_string


def multi_select_ids(card: Card) -> frozenset[str]:
    """The ids of the card's inputs that take several values: Teams answers them as one text,
    the values joined by commas."""
    return frozenset(
        str(element.get("id", ""))
        for element in _elements(card.body)
        if element.get("type") == "Input.ChoiceSet" and element.get("isMultiSelect") is True
    )


def _elements(card: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """Every element of a card and of the cards its buttons show."""
    for element in _body(card):
        yield element
        if element.get("type") == "ActionSet":
            yield from _shown_elements(element.get("actions"))
    yield from _shown_elements(card.get("actions"))


def _shown_elements(actions: Any) -> Iterator[Mapping[str, Any]]:
    for action in actions if isinstance(actions, list) else []:
        if isinstance(action, Mapping) and isinstance(action.get("card"), Mapping):
            yield from _elements(action["card"])


def _body(card: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """A card's elements in reading order, through containers and columns."""
    stack: list[Iterator[Any]] = [iter(card.get("body") or [])]
    while stack:
        element = next(stack[-1], None)
        if element is None:
            stack.pop()
            continue
        if not isinstance(element, Mapping):
            continue
        inner = CONTAINERS.get(str(element.get("type")))
        if inner is not None:
            stack.append(iter(element.get(inner) or []))
            continue
        yield element


@dataclass
class CardRequest:
    """What an approval step asks, read from a card."""

    title: Any
    message: Any
    options: list[str]
    questions: list[dict[str, Any]]


def card_request(card: Card, writer: Writer) -> CardRequest:
    values = _Values(writer, card.expressions)
    reading = _Reading()
    _read(card.body, reading, values)
    if len(reading.options) < 2:
        raise Unmapped("a card with fewer than two buttons to answer with")
    if not reading.texts:
        raise Unmapped("a card with no text to ask with")
    title, *lines = reading.texts
    return CardRequest(
        title=title,
        message=_joined(lines),
        options=reading.options,
        questions=[_question(question, values) for question in reading.questions],
    )


def _read(card: Mapping[str, Any], reading: _Reading, values: _Values) -> list[CardQuestion]:
    """Read a card's texts, inputs and buttons into `reading`; the card's own inputs."""
    own: list[CardQuestion] = []
    for element in _body(card):
        kind = str(element.get("type", ""))
        if kind == "TextBlock":
            reading.texts.append(values.text(element.get("text")))
            reading.last_text = len(reading.texts) - 1
            continue
        if kind == "FactSet":
            for fact in element.get("facts") or []:
                if isinstance(fact, Mapping):
                    line = f"{fact.get('title', '')}: {fact.get('value', '')}"
                    reading.texts.append(values.text(line))
        elif kind == "Input.ChoiceSet":
            own.append(_input(element, reading, values))
        elif kind.startswith("Input."):
            raise Unmapped(f"a card that asks with {kind} (soarflow's approvals ask choices)")
        elif kind == "ActionSet":
            own += _buttons(element.get("actions"), reading, values)
        reading.last_text = None
    return own + _buttons(card.get("actions"), reading, values)


def _input(element: Mapping[str, Any], reading: _Reading, values: _Values) -> CardQuestion:
    label: Any = element.get("label")
    if label is not None:
        label = values.text(label)
    elif reading.last_text == 0:
        label = reading.texts[0]  # the card's title asks it, and stays its title
    elif reading.last_text is not None:
        label = reading.texts.pop(reading.last_text)
    else:
        label = str(element.get("id", ""))
    question = CardQuestion(element, label, None)
    reading.questions.append(question)
    return question


def _buttons(actions: Any, reading: _Reading, values: _Values) -> list[CardQuestion]:
    """The options the buttons add; the inputs of the cards they show, which go with the
    shown card's buttons only."""
    inputs: list[CardQuestion] = []
    for action in actions if isinstance(actions, list) else []:
        if not isinstance(action, Mapping):
            continue
        kind, title = str(action.get("type", "")), str(action.get("title", "")).strip()
        if kind in SUBMITS:
            if not title:
                raise Unmapped("a card button without a title")
            if title not in reading.options:
                reading.options.append(title)
        elif kind == "Action.ShowCard" and isinstance(action.get("card"), Mapping):
            before = len(reading.options)
            shown = _read(action["card"], reading, values)
            sent_by = reading.options[before:]
            if shown and not sent_by:
                raise Unmapped("card inputs that no button sends")
            for question in shown:
                if question.for_options is None:  # not already one of a card shown inside
                    question.for_options = sent_by
            if sent_by and title:
                reading.texts.append(values.text(f"{title}: choose {' or '.join(sent_by)}"))
            inputs += shown
        elif kind == "Action.OpenUrl":
            reading.texts.append(values.text(f"{title}: {action.get('url', '')}"))
    return inputs


def _question(question: CardQuestion, values: _Values) -> dict[str, Any]:
    element = question.element
    question_id = str(element.get("id", ""))
    if not QUESTION_ID.fullmatch(question_id):
        raise Unmapped(f"a card input whose id {question_id!r} is no soarflow question id")
    multiple = element.get("isMultiSelect") is True
    made: dict[str, Any] = {
        "id": question_id,
        "label": question.label,
        "choices": _choices(element.get("choices"), values),
        "multiple": multiple,
        "required": element.get("isRequired") is True,
    }
    default = _default(element, multiple, values)
    if default is not None:
        made["default"] = default
    if question.for_options is not None:
        made["for_options"] = question.for_options
    return made


def _choices(choices: Any, values: _Values) -> Json:
    if isinstance(choices, str):
        value = values.text(choices)
        if isinstance(value, str) and value.startswith("{{") and value.endswith("}}"):
            return value  # a list a step made: its items are {title, value} as here
        raise Unmapped("a card input whose choices are text")
    if not isinstance(choices, list) or not choices:
        raise Unmapped("a card input without choices")
    made = []
    for choice in choices:
        if not isinstance(choice, Mapping) or "value" not in choice:
            raise Unmapped("a card choice without a value")
        value = values.text(choice["value"])
        made.append({"title": values.text(choice.get("title", choice["value"])), "value": value})
    return made


def _default(element: Mapping[str, Any], multiple: bool, values: _Values) -> Json:
    """The card's preselected value (`value`, several joined by commas), or its choices
    marked `isSelected`."""
    value = element.get("value")
    if isinstance(value, str) and value:
        written = values.text(value)
        if multiple and isinstance(written, str) and "{{" not in written:
            return [part.strip() for part in written.split(",") if part.strip()]
        return written
    choices = element.get("choices")
    selected = [
        values.text(choice["value"])
        for choice in (choices if isinstance(choices, list) else [])
        if isinstance(choice, Mapping) and choice.get("isSelected") is True and "value" in choice
    ]
    if not selected:
        return None
    return selected if multiple else selected[0]


def _joined(lines: Sequence[Any]) -> str:
    return "\n".join(str(line) for line in lines if str(line).strip())
