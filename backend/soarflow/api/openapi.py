"""The OpenAPI 3.1 document, built from the app's own routes so it cannot drift from them.

Each API view is decorated with @operation; build_openapi() walks app.url_map and takes every
route's method, path parameters and the metadata its view declares.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from flask import Flask
from pydantic import BaseModel

import soarflow

View = TypeVar("View", bound=Callable[..., Any])
ATTRIBUTE = "__openapi__"
ERROR_SCHEMA = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message", "details"],
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "details": {"type": "object"},
            },
        }
    },
}
_PARAMETER = re.compile(r"<(?:(?P<converter>[a-z]+)(?:\([^)]*\))?:)?(?P<name>\w+)>")


def operation(
    summary: str,
    *,
    tag: str,
    responses: Mapping[int, str | type[BaseModel] | Mapping[str, Any]],
    request: str | type[BaseModel] | Mapping[str, Any] | None = None,
    query: Mapping[str, Mapping[str, Any]] | None = None,
    headers: Mapping[str, Mapping[str, Any]] | None = None,
) -> Callable[[View], View]:
    """Declare what a view takes and answers. A request is a model or a schema; a response is a
    description, a model or a schema; 4xx/5xx responses use the error shape."""

    def decorate(view: View) -> View:
        setattr(
            view,
            ATTRIBUTE,
            {
                "summary": summary,
                "tag": tag,
                "responses": dict(responses),
                "request": request,
                "query": dict(query or {}),
                "headers": dict(headers or {}),
            },
        )
        return view

    return decorate


def build_openapi(app: Flask) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    models: dict[str, Any] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda rule: rule.rule):
        if not rule.rule.startswith("/api/"):
            continue
        meta = getattr(app.view_functions[rule.endpoint], ATTRIBUTE, None)
        if meta is None:
            continue
        path, parameters = _path_and_parameters(rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(
                rule.endpoint, meta, parameters, models
            )
    return {
        "openapi": "3.1.0",
        "info": {"title": "soarflow API", "version": soarflow.__version__},
        "paths": paths,
        "components": {"schemas": {"Error": ERROR_SCHEMA, **models}},
    }


def undocumented_routes(app: Flask) -> list[str]:
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
        and getattr(app.view_functions[rule.endpoint], ATTRIBUTE, None) is None
    )


def openapi_path(rule: str) -> str:
    """/playbooks/<playbook_id> as /playbooks/{playbook_id}."""
    return _PARAMETER.sub(r"{\g<name>}", rule)


def _path_and_parameters(rule: str) -> tuple[str, list[dict[str, Any]]]:
    parameters = [
        {
            "name": match["name"],
            "in": "path",
            "required": True,
            "schema": {"type": "integer" if match["converter"] == "int" else "string"},
        }
        for match in _PARAMETER.finditer(rule)
    ]
    return openapi_path(rule), parameters


def _operation(
    endpoint: str, meta: Mapping[str, Any], parameters: list[dict[str, Any]], models: dict[str, Any]
) -> dict[str, Any]:
    query = [
        {"name": name, "in": "query", "required": False, "schema": dict(schema)}
        for name, schema in meta["query"].items()
    ]
    headers = [
        {"name": name, "in": "header", "required": False, "schema": dict(schema)}
        for name, schema in meta["headers"].items()
    ]
    result: dict[str, Any] = {
        "operationId": endpoint.replace(".", "_"),
        "summary": meta["summary"],
        "tags": [meta["tag"]],
        "parameters": parameters + query + headers,
        "responses": {
            str(status): _response(status, answer, models)
            for status, answer in meta["responses"].items()
        },
    }
    if meta["request"] is not None:
        result["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _schema(meta["request"], models)}},
        }
    return result


def _response(status: int, answer: Any, models: dict[str, Any]) -> dict[str, Any]:
    if status >= 400:
        return {
            "description": answer,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        }
    if isinstance(answer, str):
        return {"description": answer}
    return {
        "description": "OK",
        "content": {"application/json": {"schema": _schema(answer, models)}},
    }


def _schema(source: Any, models: dict[str, Any]) -> dict[str, Any]:
    """A $ref for a model (its schema goes to components), a URL $ref, or an inline schema."""
    if isinstance(source, str):
        return {"$ref": source}
    if isinstance(source, type) and issubclass(source, BaseModel):
        schema = source.model_json_schema(ref_template="#/components/schemas/{model}")
        models.update(schema.pop("$defs", {}))
        models[source.__name__] = schema
        return {"$ref": f"#/components/schemas/{source.__name__}"}
    return dict(source)
