"""Every API error is JSON: {"error": {"code", "message", "details"}}, with a stable code."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    411: "length_required",
    412: "version_conflict",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = dict(details or {})
        self.headers = dict(headers or {})


def not_found(resource: str, identifier: object) -> ApiError:
    return ApiError(
        404, "not_found", f"no {resource} '{identifier}'", {"resource": resource, "id": identifier}
    )


def error_response(
    status: int, code: str, message: str, details: Mapping[str, Any] | None = None
) -> Response:
    response = jsonify(
        {"error": {"code": code, "message": message, "details": dict(details or {})}}
    )
    response.status_code = status
    return response


def init_app(app: Flask) -> None:
    app.register_error_handler(ApiError, _api_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def _api_error(error: ApiError) -> Response:
    response = error_response(error.status, error.code, error.message, error.details)
    response.headers.update(error.headers)
    return response


def _http_error(error: HTTPException) -> Response | HTTPException:
    status = error.code or 500
    if not request.path.startswith("/api/") and status == 404:
        return error
    code = _HTTP_CODES.get(status, "bad_request" if status < 500 else "internal_error")
    message = {
        413: "the request body is larger than the 2 MB limit",
        404: f"no such resource: {request.path}",
        405: f"{request.method} is not allowed on {request.path}",
    }.get(status, error.description or error.name)
    response = error_response(status, code, message)
    if status == 405 and error.valid_methods:  # type: ignore[attr-defined]
        response.headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
    return response


def _unexpected_error(error: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_response(500, "internal_error", "the server failed to handle this request")
