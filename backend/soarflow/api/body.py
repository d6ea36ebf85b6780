"""JSON in and out. Request bodies are strict: the content type, UTF-8, no NaN, no duplicate
keys, no NUL, no lone surrogates, bounded nesting; anything else is a 4xx with a stable code."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Response, jsonify, request
from pydantic import BaseModel, ValidationError
from werkzeug.exceptions import RequestEntityTooLarge

from soarflow.api.errors import ApiError
from soarflow.playbook.document import JsonPath, json_path

MAX_DEPTH = 64
Model = TypeVar("Model", bound=BaseModel)


def json_body() -> Any:
    if request.mimetype != "application/json" and not request.mimetype.endswith("+json"):
        raise ApiError(
            415,
            "unsupported_media_type",
            "send the body as JSON with Content-Type: application/json",
            {"content_type": request.mimetype or None},
        )
    return parse_json(request.get_data(cache=True))


def model_body(model: type[Model]) -> Model:
    """The JSON body as a model: 422 'invalid_fields' names every field missing, unknown or
    wrong, all at once."""
    body = json_body()
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "send a JSON object")
    try:
        return model.model_validate(body)
    except ValidationError as error:
        located = validation_problems(error, lambda loc: json_path(loc).removeprefix("$."))
        raise invalid_fields(located) from None


def validation_problems(
    error: ValidationError, field: Callable[[JsonPath], str]
) -> list[dict[str, str]]:
    """A model's validation problems as {field, code, message}, `field` naming each place."""
    return [
        {
            "field": field(tuple(problem["loc"])),
            "code": problem["type"],
            "message": problem["msg"].removeprefix("Value error, "),
        }
        for problem in error.errors(include_url=False, include_input=False)
    ]


def invalid_fields(problems: list[dict[str, str]]) -> ApiError:
    """422 'invalid_fields', naming every field at fault at once."""
    fields = ", ".join(dict.fromkeys(problem["field"] for problem in problems))
    return ApiError(422, "invalid_fields", f"fix these fields: {fields}", {"problems": problems})


def parse_json(raw: bytes) -> Any:
    """Parse JSON as the API accepts it, raising ApiError(400, 'invalid_json') otherwise."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _invalid("the body is not valid UTF-8", at_byte=error.start) from None
    try:
        value = json.loads(
            text,
            object_pairs_hook=_object_without_duplicates,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
        )
    except json.JSONDecodeError as error:
        raise _invalid(
            f"the body is not JSON: {error.msg}", line=error.lineno, column=error.colno
        ) from None
    except RecursionError:
        raise _invalid(f"JSON is nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as error:
        raise _invalid(str(error)) from None
    _check_values(value)
    return value


def _invalid(message: str, **details: Any) -> ApiError:
    return ApiError(400, "invalid_json", message, details)


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key '{key}' in a JSON object")
        result[key] = value
    return result


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    number = float(text)
    if number in (float("inf"), float("-inf")):
        raise ValueError(f"number {text[:40]} is too large")
    return number


def _check_values(value: Any) -> None:
    """Walk the parsed value without recursion: nesting depth and text that stores cannot keep."""
    stack: list[tuple[JsonPath, Any]] = [((), value)]
    while stack:
        path, item = stack.pop()
        if len(path) > MAX_DEPTH:
            raise _invalid(f"JSON is nested deeper than {MAX_DEPTH} levels")
        if isinstance(item, dict):
            for key, child in item.items():
                _check_text(key, (*path, key))
                stack.append(((*path, key), child))
        elif isinstance(item, list):
            stack.extend(((*path, index), child) for index, child in enumerate(item))
        elif isinstance(item, str):
            _check_text(item, path)


def _check_text(text: str, path: JsonPath) -> None:
    if "\x00" in text:
        raise _invalid("text may not contain the NUL character (\\u0000)", path=json_path(path))
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise _invalid("text holds an unpaired UTF-16 surrogate", path=json_path(path)) from None


def raw_body(limit: int, what: str) -> bytes:
    """The request body, reading no more than limit + 1 bytes of it; 413 `too_large` beyond
    `limit` (`what` names what takes bodies that large, for the message)."""
    too_large = ApiError(
        413, "too_large", f"{what} takes bodies of up to {limit:,} bytes", {"limit": limit}
    )
    if request.content_length is not None and request.content_length > limit:
        raise too_large
    request.max_content_length = limit
    try:
        raw = request.stream.read(limit + 1)
    except RequestEntityTooLarge:
        raise too_large from None
    if len(raw) > limit:
        raise too_large
    return raw


def model_response(model: BaseModel) -> Response:
    """A public shape as the JSON response body (dates as ISO 8601 text)."""
    return jsonify(model.model_dump(mode="json"))


def conditional_response(model: BaseModel) -> Response:
    """As model_response, with an ETag; 304 and no body when the caller has that one already,
    so polling a run that has not moved costs no transfer."""
    response = model_response(model)
    response.add_etag()
    response.make_conditional(request)
    return response
