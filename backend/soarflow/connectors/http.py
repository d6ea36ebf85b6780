"""Run a connector's declarative HTTP action: build the request from the manifest, authenticate,
send it through the destination guard, retry like Logic Apps, and shape the output.

Credentials go only to the hosts the manifest allows, whatever URL a playbook's inputs build,
and never follow a redirect to another host."""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import json
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qsl, quote, urljoin, urlsplit

import requests

from soarflow.connectors.registry import secret_fields
from soarflow.connectors.retry import DEFAULT_RETRY, RetryPolicy, is_retryable_status
from soarflow.expressions import ExpressionError, evaluate
from soarflow.expressions.functions import to_text
from soarflow.security.outbound import BlockedDestination
from soarflow.security.secret_box import mask

MAX_RESPONSE_BYTES = 10 * 1024 * 1024
MAX_REDIRECTS = 5
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
IDEMPOTENCY_HEADER = "Idempotency-Key"
_EXPRESSION = re.compile(r"\{\{.*?\}\}", re.DOTALL)


class ActionFailed(Exception):
    """The step fails with this code; message and details hold no secret."""

    def __init__(self, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details


@dataclass
class TokenCache:
    """OAuth2 client-credentials tokens, kept until shortly before they expire."""

    tokens: dict[tuple[str, str, str, str], tuple[str, float]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def forget_all(self) -> None:
        with self.lock:
            self.tokens.clear()


@dataclass(frozen=True)
class Outcome:
    output: Any
    status: int
    attempts: int


def call_action(
    *,
    manifest: Mapping[str, Any],
    action: Mapping[str, Any],
    inputs: Mapping[str, Any],
    connection: Mapping[str, Any],
    session: requests.Session,
    retry: RetryPolicy = DEFAULT_RETRY,
    idempotency_key: str | None = None,
    tokens: TokenCache | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Outcome:
    """Run one HTTP action to its end: an Outcome, or ActionFailed."""
    request = build_request(manifest, action, inputs, connection)
    if idempotency_key and not action.get("idempotent", True):
        request.headers[IDEMPOTENCY_HEADER] = idempotency_key
    auth = manifest.get("connection", {}).get("auth", {"type": "none"})
    # Without credentials and without declared hosts there is nothing to keep from other hosts
    # (the guard still applies); a webhook URL is itself the credential, so declared hosts hold.
    guarded = auth.get("type") != "none" or "allowed_hosts" in manifest.get("connection", {})
    allowed = allowed_hosts(manifest, connection) if guarded else ["*"]
    try:
        return _run(
            request, action, inputs, connection, auth, allowed, session, retry, tokens, sleep
        )
    except ActionFailed as failure:
        secrets = [str(connection[name]) for name in secret_fields(manifest) if name in connection]
        raise _masked(
            failure, [part for value in secrets for part in _secret_parts(value)]
        ) from None


def _secret_parts(value: str) -> list[str]:
    """A secret and, when it is a URL (a webhook's), the path and query values that make it
    one, since messages show URLs in pieces."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https"):
        return [value]
    pieces = [value, parts.path] + [v for _, v in parse_qsl(parts.query)]
    return [piece for piece in pieces if len(piece) >= 8]


def _masked(failure: ActionFailed, values: list[str]) -> ActionFailed:
    """The failure with the connection's secrets hidden: a URL or an echoed body may hold one."""
    details = mask(failure.details, values)
    return ActionFailed(failure.code, str(mask(failure.message, values)), **details)


def _run(
    request: Request,
    action: Mapping[str, Any],
    inputs: Mapping[str, Any],
    connection: Mapping[str, Any],
    auth: Mapping[str, Any],
    allowed: list[str],
    session: requests.Session,
    retry: RetryPolicy,
    tokens: TokenCache | None,
    sleep: Callable[[float], None],
) -> Outcome:
    held = tokens if tokens is not None else TokenCache()

    def exchange(one: Request) -> Answer:
        answer = _exchange(one, auth, connection, allowed, session, retry, held, sleep)
        _raise_vendor_error(action, inputs, answer.status, answer.headers, answer.body)
        return answer

    answer = exchange(request)
    pages = action["request"].get("pages")
    if pages is not None:
        answer = _every_page(pages, request, answer, inputs, exchange)
    output = _output(action, inputs, answer.status, answer.headers, answer.body)
    return Outcome(output, answer.status, answer.attempts)


@dataclass(frozen=True)
class Answer:
    """One request's decoded answer, and how many attempts it took."""

    status: int
    headers: Mapping[str, str]
    body: Any
    attempts: int


def _exchange(
    request: Request,
    auth: Mapping[str, Any],
    connection: Mapping[str, Any],
    allowed: list[str],
    session: requests.Session,
    retry: RetryPolicy,
    tokens: TokenCache,
    sleep: Callable[[float], None],
) -> Answer:
    """One request to its answer: authenticated, retried like Logic Apps, decoded."""
    attempt = 0
    refreshed = False
    while True:
        attempt += 1
        authed = authenticate(request, auth, connection, session, tokens, allowed)
        try:
            status, headers, body = send(session, authed, allowed)
        except Retryable as failure:
            if attempt > retry.retries:
                raise ActionFailed(failure.code, failure.message, attempts=attempt) from None
            sleep(retry.delay(attempt, None))
            continue
        if status == 401 and auth.get("type") == "oauth2_client_credentials" and not refreshed:
            # A revoked or rotated token: fetch a new one once rather than fail until it expires.
            tokens.forget_all()
            refreshed = True
            continue
        if is_retryable_status(status) and attempt <= retry.retries:
            sleep(retry.delay(attempt, _retry_after(headers)))
            continue
        if status >= 400:
            raise ActionFailed(
                "http_error",
                f"{request.method} {request.shown_url} answered {status}",
                status=status,
                attempts=attempt,
                body=_excerpt(body),
                **_retry_after_detail(headers),
            )
        return Answer(status, headers, decode_body(headers, body), attempt)


def _every_page(
    pages: Mapping[str, Any],
    first: Request,
    answer: Answer,
    inputs: Mapping[str, Any],
    exchange: Callable[[Request], Answer],
) -> Answer:
    """A list the API answers in pages, read to its end: the last page's answer holding every
    page's items. Each page comes from the link the one before gave, which carries its own
    query; send() keeps it to the hosts the credentials may go to. A list longer than the
    manifest's cap fails the step rather than being cut short unseen."""
    key = pages["items"]
    items = _page_items(answer.body, key)
    attempts, count = answer.attempts, 1
    while link := _shaped(
        pages["next"], "request.pages.next", inputs, answer.status, answer.headers, answer.body
    ):
        if count >= pages["max"]:
            raise ActionFailed(
                "too_many_pages",
                f"the list has more than {pages['max']} pages; it was not read whole",
                pages=count,
                attempts=attempts,
            )
        url = urljoin(first.url, str(link))
        answer = exchange(replace(first, method="GET", url=url, params={}, json=None, form=None))
        attempts += answer.attempts
        count += 1
        items += _page_items(answer.body, key)
    return replace(answer, body={**answer.body, key: items}, attempts=attempts)


def _page_items(body: Any, key: str) -> list[Any]:
    items = body.get(key) if isinstance(body, Mapping) else None
    if not isinstance(items, list):
        raise ActionFailed("invalid_response", f"a page of the list has no {key!r} list")
    return list(items)


@dataclass
class Request:
    method: str
    url: str
    headers: dict[str, str]
    params: dict[str, str]
    json: Any
    # Sent instead of a JSON body, when given: a form as application/x-www-form-urlencoded, or
    # bytes as they are (a text body).
    form: dict[str, str] | bytes | None = None

    @property
    def shown_url(self) -> str:
        """The URL without its query, which may hold an API key."""
        parts = urlsplit(self.url)
        return f"{parts.scheme}://{parts.netloc}{parts.path}"


def build_request(
    manifest: Mapping[str, Any],
    action: Mapping[str, Any],
    inputs: Mapping[str, Any],
    connection: Mapping[str, Any],
) -> Request:
    spec = action["request"]
    scope = {"inputs": inputs, "connection": connection}
    try:
        base = str(evaluate(manifest.get("connection", {}).get("base_url", ""), scope))
        path = _render_path(spec["path"], scope)
        headers = _strings(evaluate(spec.get("headers", {}), scope))
        params = _strings(evaluate(spec.get("query", {}), scope))
        body = evaluate(spec["body"], scope) if "body" in spec else None
        form = _strings(evaluate(spec["form"], scope)) if "form" in spec else None
    except ExpressionError as error:
        raise ActionFailed("expression_error", error.reason, field=error.path) from None
    if not path:
        url = base
    elif base:
        url = base.rstrip("/") + "/" + path.lstrip("/")
    else:
        url = path
    return Request(spec["method"], url, headers, params, body, form)


def _render_path(template: str, scope: Mapping[str, Any]) -> str:
    """The path with each expression's value percent-encoded whole, after its filters ran: an
    input cannot add path segments ("../admin") or a query to the URL the manifest meant."""
    pieces: list[str] = []
    last = 0
    for found in _EXPRESSION.finditer(template):
        value = evaluate(found.group(0), scope, path="$.request.path")
        pieces += [template[last : found.start()], quote(to_text(value), safe="")]
        last = found.end()
    return "".join([*pieces, template[last:]])


def _strings(values: Any) -> dict[str, str]:
    """Header and query values as text; a value that came out empty or null is left out."""
    if not isinstance(values, Mapping):
        return {}
    return {str(k): str(v) for k, v in values.items() if v is not None and v != ""}


def allowed_hosts(manifest: Mapping[str, Any], connection: Mapping[str, Any]) -> list[str]:
    declared = manifest.get("connection", {}).get("allowed_hosts")
    if declared is None:
        base = str(
            evaluate(manifest.get("connection", {}).get("base_url", ""), {"connection": connection})
        )
        return [urlsplit(base).hostname or ""]
    return [_host_pattern(host, connection) for host in declared]


def _host_pattern(declared: str, connection: Mapping[str, Any]) -> str:
    """A manifest's host pattern with connection values filled in as plain text: a value holding
    `*`, `?` or `[` must not widen where the credentials may go."""
    if "{{" not in declared:
        return declared.lower()
    escaped = {
        key: re.sub(r"([*?\[])", r"[\1]", value) if isinstance(value, str) else value
        for key, value in connection.items()
    }
    return str(evaluate(declared, {"connection": escaped})).lower()


def host_allowed(url: str, allowed: list[str]) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return any(fnmatch.fnmatchcase(host, pattern) for pattern in allowed)


def authenticate(
    request: Request,
    auth: Mapping[str, Any],
    connection: Mapping[str, Any],
    session: requests.Session,
    tokens: TokenCache,
    allowed: list[str],
) -> Request:
    """A copy of the request with the connection's credentials applied."""
    scope = {"connection": connection}
    kind = auth.get("type", "none")
    headers, params = dict(request.headers), dict(request.params)
    if kind == "api_key":
        value = str(evaluate(auth.get("value", ""), scope))
        (headers if auth.get("in", "header") == "header" else params)[auth["name"]] = value
    elif kind == "basic":
        username = evaluate(auth.get("username", ""), scope)
        pair = f"{username}:{evaluate(auth.get('password', ''), scope)}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    elif kind == "bearer":
        headers["Authorization"] = f"Bearer {evaluate(auth.get('token', ''), scope)}"
    elif kind == "oauth2_client_credentials":
        token = _client_token(auth, scope, session, tokens, allowed)
        headers["Authorization"] = f"Bearer {token}"
    return replace(request, headers=headers, params=params)


def _client_token(
    auth: Mapping[str, Any],
    scope: Mapping[str, Any],
    session: requests.Session,
    tokens: TokenCache,
    allowed: list[str],
) -> str:
    url = str(evaluate(auth["token_url"], scope))
    if not host_allowed(url, allowed):
        raise ActionFailed(
            "credentials_refused",
            f"{urlsplit(url).hostname} is not a host this connection's credentials may go to",
        )
    client_id = str(evaluate(auth.get("client_id", ""), scope))
    secret = str(evaluate(auth.get("client_secret", ""), scope))
    scopes = str(evaluate(auth.get("scope", ""), scope))
    # The secret's digest is part of the key: a connection with the same client id but another
    # (or a wrong) secret must never be handed a token fetched for someone else.
    key = (url, client_id, scopes, hashlib.sha256(secret.encode()).hexdigest())
    with tokens.lock:
        cached = tokens.tokens.get(key)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        form = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
        if scopes:
            form["scope"] = scopes
        try:
            # A redirect would resend the secret to wherever it points.
            answer = session.post(url, data=form, timeout=(5, 30), allow_redirects=False)
            token = answer.json()
        except (requests.RequestException, ValueError):
            raise ActionFailed("auth_failed", "the OAuth2 token endpoint did not answer") from None
        if answer.status_code != 200 or "access_token" not in token:
            raise ActionFailed(
                "auth_failed", f"the OAuth2 token endpoint refused: {answer.status_code}"
            )
        # Renew a minute early so a token never expires between check and use.
        lifetime = float(token.get("expires_in", 3600)) - 60
        tokens.tokens[key] = (str(token["access_token"]), time.monotonic() + max(lifetime, 0))
        return str(token["access_token"])


class Retryable(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def send(
    session: requests.Session, request: Request, allowed: list[str]
) -> tuple[int, Mapping[str, str], bytes]:
    url, method, body, form = request.url, request.method, request.json, request.form
    for _ in range(MAX_REDIRECTS + 1):
        if not host_allowed(url, allowed):
            raise ActionFailed(
                "credentials_refused",
                f"{urlsplit(url).hostname} is not a host this connection's credentials may go to",
            )
        try:
            response = session.request(
                method,
                url,
                headers=request.headers,
                params=request.params,
                json=body,
                data=form,
                allow_redirects=False,
                stream=True,
            )
        except BlockedDestination as blocked:
            raise ActionFailed(blocked.code, str(blocked)) from None
        except requests.Timeout:
            raise Retryable("timeout", f"{method} {request.shown_url} timed out") from None
        except requests.ConnectionError:
            raise Retryable("connection_error", f"cannot connect to {request.shown_url}") from None
        with response:
            if response.status_code in REDIRECT_STATUSES and "Location" in response.headers:
                url = urljoin(url, response.headers["Location"])
                if response.status_code == 303:
                    method, body, form = "GET", None, None
                continue
            return response.status_code, response.headers, _read_capped(response)
    raise ActionFailed("too_many_redirects", f"more than {MAX_REDIRECTS} redirects")


def _read_capped(response: requests.Response) -> bytes:
    chunks, size = [], 0
    try:
        for chunk in response.iter_content(64 * 1024):
            size += len(chunk)
            if size > MAX_RESPONSE_BYTES:
                raise ActionFailed(
                    "response_too_large",
                    f"the response is larger than {MAX_RESPONSE_BYTES // (1024 * 1024)} MB",
                )
            chunks.append(chunk)
    except requests.RequestException:
        raise Retryable("connection_error", "the connection broke while reading") from None
    return b"".join(chunks)


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("Retry-After")
    try:
        return max(float(value), 0.0) if value is not None else None
    except ValueError:
        return None


def _retry_after_detail(headers: Mapping[str, str]) -> dict[str, float]:
    """Retry-After for whoever retries next (the runtime, when this call made no retries)."""
    seconds = _retry_after(headers)
    return {} if seconds is None else {"retry_after": seconds}


def _excerpt(body: bytes) -> str:
    return body[:500].decode("utf-8", "replace")


def _raise_vendor_error(
    action: Mapping[str, Any],
    inputs: Mapping[str, Any],
    status: int,
    headers: Mapping[str, str],
    body: Any,
) -> None:
    """Some APIs answer 200 to a refusal; the manifest's `error` expression says when."""
    text = action["request"].get("error")
    if text is None:
        return
    reason = _shaped(text, "request.error", inputs, status, headers, body)
    if reason not in (None, "", False):
        raise ActionFailed("vendor_error", str(reason)[:500], status=status)


def _output(
    action: Mapping[str, Any],
    inputs: Mapping[str, Any],
    status: int,
    headers: Mapping[str, str],
    body: Any,
) -> Any:
    shape = action["request"].get("output")
    if shape is None:
        return body
    return _shaped(shape, "request.output", inputs, status, headers, body)


def _shaped(
    text: str,
    field: str,
    inputs: Mapping[str, Any],
    status: int,
    headers: Mapping[str, str],
    body: Any,
) -> Any:
    response = {"status": status, "headers": dict(headers), "body": body}
    try:
        return evaluate(text, {"response": response, "inputs": inputs})
    except ExpressionError as error:
        raise ActionFailed("expression_error", error.reason, field=field) from None


def decode_body(headers: Mapping[str, str], raw: bytes) -> Any:
    if not raw:
        return None
    text = raw.decode("utf-8", "replace")
    if "json" in headers.get("Content-Type", "").lower():
        try:
            return json.loads(text)
        except ValueError:
            raise ActionFailed("invalid_response", "the response says JSON but is not") from None
    return text
