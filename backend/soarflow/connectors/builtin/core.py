"""The `core` connector's actions: compose, parse JSON, join, tables, HTTP request, webhook
response. (Select, filter array, variables, delay and terminate are runtime directives.)"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Mapping
from typing import Any

from jsonschema import Draft202012Validator

from soarflow.connectors.builtin import ActionContext
from soarflow.connectors.http import (
    MAX_RESPONSE_BYTES,
    ActionFailed,
    Request,
    Retryable,
    decode_body,
    send,
)

# Spreadsheet programs run cells that start with these as formulas (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Headers a playbook may not answer a webhook call with: hop-by-hop ones (RFC 9110 7.6.1) belong
# to the connection, not the message; Set-Cookie would plant cookies on soarflow's own origin;
# Content-Length is the server's to compute.
REFUSED_RESPONSE_HEADERS = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "set-cookie",
        "content-length",
    }
)
HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")


def compose(
    inputs: Mapping[str, Any], _connection: Mapping[str, Any], _context: ActionContext
) -> Any:
    """The value, as built from its expressions: a way to name an intermediate result."""
    return inputs.get("value")


def parse_json(
    inputs: Mapping[str, Any], _connection: Mapping[str, Any], _context: ActionContext
) -> Any:
    content = inputs["content"]
    if isinstance(content, str):
        if len(content) > MAX_RESPONSE_BYTES:
            raise ActionFailed("too_large", "the JSON text is larger than 10 MB")
        try:
            content = json.loads(content)
        except ValueError as error:
            raise ActionFailed("invalid_json", f"not JSON: {error}") from None
    schema = inputs.get("schema")
    if isinstance(schema, Mapping):
        errors = sorted(Draft202012Validator(schema).iter_errors(content), key=str)
        if errors:
            where = "/".join(str(part) for part in errors[0].absolute_path) or "the top"
            raise ActionFailed(
                "schema_mismatch",
                f"the JSON does not fit the schema at {where}: {errors[0].validator} rule",
            )
    return content


def join(inputs: Mapping[str, Any], _connection: Mapping[str, Any], _context: ActionContext) -> str:
    return str(inputs.get("separator", ",")).join(_text(item) for item in inputs["items"])


def create_table(
    inputs: Mapping[str, Any], _connection: Mapping[str, Any], _context: ActionContext
) -> str:
    rows = [item if isinstance(item, Mapping) else {"value": item} for item in inputs["items"]]
    columns = list(inputs.get("columns") or dict.fromkeys(key for row in rows for key in row))
    if inputs.get("format", "html") == "csv":
        return _csv(rows, columns)
    return _html(rows, columns)


def _csv(rows: list[Mapping[str, Any]], columns: list[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([_cell(column) for column in columns])
    writer.writerows([_cell(_text(row.get(column))) for column in columns] for row in rows)
    return out.getvalue()


def _cell(text: str) -> str:
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _html(rows: list[Mapping[str, Any]], columns: list[str]) -> str:
    head = "".join(f"<th>{html.escape(column)}</th>" for column in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(_text(row.get(c)))}</td>" for c in columns) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def http_request(
    inputs: Mapping[str, Any], _connection: Mapping[str, Any], context: ActionContext
) -> dict[str, Any]:
    """Any HTTP request, through the destination guard; no connection's credentials go along."""
    method = str(inputs.get("method", "GET")).upper()
    sent = {str(k): str(v) for k, v in (inputs.get("headers") or {}).items()}
    body = inputs.get("body")
    # Text goes as it is, as Logic Apps sends it (a form, XML); anything else as JSON.
    text = body.encode("utf-8") if isinstance(body, str) else None
    if text is not None and not any(name.lower() == "content-type" for name in sent):
        sent["Content-Type"] = "text/plain; charset=utf-8"
    request = Request(
        method,
        str(inputs["url"]),
        sent,
        {str(k): str(v) for k, v in (inputs.get("query") or {}).items()},
        None if text is not None else body,
        text,
    )
    try:
        status, headers, raw = send(context.session, request, ["*"])
    except Retryable as failure:
        raise ActionFailed(failure.code, failure.message) from None
    if status >= 400:
        raise ActionFailed(
            "http_error", f"{method} {request.shown_url} answered {status}", status=status
        )
    return {"status": status, "headers": dict(headers), "body": decode_body(headers, raw)}


def response(
    inputs: Mapping[str, Any], _connection: Mapping[str, Any], _context: ActionContext
) -> dict[str, Any]:
    """The answer to the webhook call that started the run; the webhook endpoint sends it."""
    status = inputs.get("status_code", 200)
    if isinstance(status, bool) or not isinstance(status, int) or not 200 <= status <= 599:
        raise ActionFailed("invalid_status", f"the status code is 200 to 599, not {status!r}")
    headers = {str(name): str(value) for name, value in (inputs.get("headers") or {}).items()}
    for name, value in headers.items():
        refusal = response_header_refusal(name, value)
        if refusal:
            raise ActionFailed("forbidden_header", refusal, header=name)
    return {
        "status_code": status,
        "headers": headers,
        "body": inputs.get("body"),
    }


def response_header_refusal(name: str, value: str) -> str | None:
    """Why a header may not go into a webhook's answer, or None when it may."""
    if not HEADER_NAME.match(name):
        return f"'{name}' is not a valid header name"
    if name.lower() in REFUSED_RESPONSE_HEADERS:
        return f"a webhook response may not set the {name} header"
    if any(character in value for character in "\r\n\x00"):
        return f"the {name} header's value holds a line break or NUL"
    return None
