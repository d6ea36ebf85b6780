"""The HTTP executor against a local fake: auth, retries, limits, and where credentials go."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, Response, jsonify, redirect, request

from soarflow.connectors.http import ActionFailed, TokenCache, call_action
from soarflow.connectors.retry import RetryPolicy
from tests.connectors.fakes import local_session, serving

SECRET = "s3cr3t-api-key-value"


def fake_api() -> Flask:
    app = Flask("fake")
    counters: dict[str, int] = {}

    def count(name: str) -> int:
        counters[name] = counters.get(name, 0) + 1
        return counters[name]

    @app.route("/echo/<path:rest>", methods=["GET", "POST"])
    def echo(rest: str) -> Response:
        return jsonify(
            path=request.path,
            raw_path=request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI"),
            query=request.args.to_dict(),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=request.get_json(silent=True),
            form=request.form.to_dict(),
            content_type=request.content_type,
        )

    @app.get("/flaky")
    def flaky() -> Any:
        return ("busy", 503) if count("flaky") < 3 else jsonify(ok=True)

    @app.get("/rate")
    def rate() -> Any:
        if count("rate") == 1:
            return Response("slow down", 429, headers={"Retry-After": "0"})
        return jsonify(ok=True)

    @app.get("/always-500")
    def always() -> Any:
        return ("broken", 500)

    @app.get("/slow")
    def slow() -> Any:
        time.sleep(2)
        return jsonify(ok=True)

    @app.get("/huge")
    def huge() -> Response:
        chunk = b"x" * (1024 * 1024)
        return Response((chunk for _ in range(11)), mimetype="application/octet-stream")

    @app.get("/bad-json")
    def bad_json() -> Response:
        return Response("{not json", mimetype="application/json")

    @app.get("/to-metadata")
    def to_metadata() -> Any:
        return redirect("http://169.254.169.254/latest/meta-data/")

    @app.get("/to-other-host")
    def to_other_host() -> Any:
        port = request.host.rsplit(":", 1)[1]
        return redirect(f"http://127.0.0.2:{port}/echo/stolen")

    @app.get("/pages/<int:total>")
    def pages(total: int) -> Any:
        """`total` pages of two items; each names the next by an absolute URL whose query
        holds a skip token, and the third page answers 503 once."""
        page = int(request.args.get("page", "1"))
        if page == 3 and count(f"pages-{total}-3") == 1:
            return ("busy", 503)
        answer: dict[str, Any] = {
            "value": [f"p{page}-a", f"p{page}-b"],
            "key": request.headers.get("x-apikey"),
        }
        if page < total:
            answer["nextLink"] = f"{request.host_url}pages/{total}?page={page + 1}&skip={page * 2}"
        return jsonify(answer)

    @app.get("/pages-elsewhere")
    def pages_elsewhere() -> Any:
        port = request.host.rsplit(":", 1)[1]
        return jsonify(value=[1], nextLink=f"http://127.0.0.2:{port}/pages/2?page=2")

    @app.post("/token")
    def token() -> Any:
        count("token")
        if request.form.get("client_secret") != SECRET:
            return jsonify(error="invalid_client"), 401
        return jsonify(access_token=f"tok-{counters['token']}", expires_in=3600)

    return app


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with serving(fake_api()) as url:
        yield url


def manifest(base_url: str, auth: dict[str, Any]) -> dict[str, Any]:
    return {"connection": {"base_url": base_url, "auth": auth, "allowed_hosts": ["127.0.0.1"]}}


def action(path: str, method: str = "GET", **request: Any) -> dict[str, Any]:
    return {"id": "a", "idempotent": True, "request": {"method": method, "path": path, **request}}


API_KEY = {
    "type": "api_key",
    "in": "header",
    "name": "x-apikey",
    "value": "{{ connection.api_key }}",
}
NO_WAIT = RetryPolicy(interval=0, min_interval=0, max_interval=0)


def run(
    base_url: str, act: dict[str, Any], inputs: dict[str, Any] | None = None, **options: Any
) -> Any:
    return call_action(
        manifest=options.pop("manifest", None) or manifest(base_url, API_KEY),
        action=act,
        inputs=inputs or {},
        connection={"api_key": SECRET, "client_secret": SECRET},
        session=options.pop("session", None) or local_session(),
        retry=options.pop("retry", NO_WAIT),
        **options,
    )


def test_a_request_is_built_from_the_manifest_and_authenticated(base_url: str) -> None:
    act = action(
        "/echo/ip/{{ inputs.ip }}",
        "POST",
        query={"limit": "{{ inputs.limit }}", "empty": "{{ inputs.none }}"},
        headers={"X-Case": "{{ inputs.case }}"},
        body={"ip": "{{ inputs.ip }}", "tags": "{{ inputs.tags }}"},
    )
    inputs = {"ip": "1.2.3.4", "limit": 5, "none": None, "case": "c-1", "tags": ["a", "b"]}
    outcome = run(base_url, act, inputs)
    echoed = outcome.output
    assert outcome.status == 200
    assert echoed["path"] == "/echo/ip/1.2.3.4"
    assert echoed["query"] == {"limit": "5"}
    assert echoed["headers"]["x-apikey"] == SECRET
    assert echoed["headers"]["x-case"] == "c-1"
    assert echoed["body"] == {"ip": "1.2.3.4", "tags": ["a", "b"]}


def test_a_form_body_is_sent_url_encoded(base_url: str) -> None:
    act = action(
        "/echo/block",
        "POST",
        form={"ip": "{{ inputs.ip }}", "note": "{{ inputs.note }}", "unset": "{{ inputs.none }}"},
    )
    echoed = run(base_url, act, {"ip": "1.2.3.4", "note": "a&b=c d", "none": None}).output
    assert echoed["content_type"] == "application/x-www-form-urlencoded"
    assert echoed["form"] == {"ip": "1.2.3.4", "note": "a&b=c d"}
    assert echoed["body"] is None


def test_a_path_value_is_encoded_after_its_filters(base_url: str) -> None:
    act = action(
        "/echo/u/{{ inputs.url | base64_encode(urlsafe=true) | trim('=') }}/{{ inputs.n }}"
    )
    echoed = run(base_url, act, {"url": "http://x.example/a?b=c", "n": 7}).output
    assert echoed["path"] == "/echo/u/aHR0cDovL3guZXhhbXBsZS9hP2I9Yw/7"


def test_inputs_cannot_change_the_path_the_manifest_meant(base_url: str) -> None:
    echoed = run(base_url, action("/echo/ip/{{ inputs.ip }}"), {"ip": "../../admin?x=1"}).output
    assert echoed["path"] == "/echo/ip/../../admin?x=1"
    assert echoed["query"] == {}


def test_other_auth_kinds(base_url: str) -> None:
    basic = {"type": "basic", "username": "soc", "password": "{{ connection.api_key }}"}
    echoed = run(base_url, action("/echo/x"), manifest=manifest(base_url, basic)).output
    assert echoed["headers"]["authorization"].startswith("Basic ")
    query_key = {
        "type": "api_key",
        "in": "query",
        "name": "key",
        "value": "{{ connection.api_key }}",
    }
    echoed = run(base_url, action("/echo/x"), manifest=manifest(base_url, query_key)).output
    assert echoed["query"] == {"key": SECRET}
    oauth = {
        "type": "oauth2_client_credentials",
        "token_url": f"{base_url}/token",
        "client_id": "app",
        "client_secret": "{{ connection.client_secret }}",
        "scope": "https://api.example/.default",
    }
    tokens = TokenCache()
    first = run(base_url, action("/echo/x"), manifest=manifest(base_url, oauth), tokens=tokens)
    second = run(base_url, action("/echo/x"), manifest=manifest(base_url, oauth), tokens=tokens)
    assert first.output["headers"]["authorization"] == "Bearer tok-1"
    assert second.output["headers"]["authorization"] == "Bearer tok-1", "the token is cached"


def test_5xx_and_429_are_retried_then_succeed(base_url: str) -> None:
    waits: list[float] = []
    outcome = run(base_url, action("/flaky"), sleep=waits.append)
    assert (outcome.output, outcome.attempts) == ({"ok": True}, 3)
    assert len(waits) == 2
    outcome = run(base_url, action("/rate"), sleep=waits.append)
    assert outcome.attempts == 2
    assert waits[-1] == 0.0, "Retry-After is honoured"


def test_the_default_retry_policy_is_logic_apps() -> None:
    policy = RetryPolicy()
    assert [policy.delay(n, None) for n in (1, 2, 3, 4)] == [7.5, 15.0, 30.0, 45.0]
    assert policy.retries == 4
    assert policy.delay(1, 120.0) == 120.0
    assert RetryPolicy(policy="none").retries == 0


def test_failures_end_in_clear_step_errors(base_url: str) -> None:
    cases = {
        "/always-500": "http_error",
        "/huge": "response_too_large",
        "/bad-json": "invalid_response",
        "/to-metadata": "credentials_refused",
        "/to-other-host": "credentials_refused",
    }
    for path, code in cases.items():
        with pytest.raises(ActionFailed) as failure:
            run(base_url, action(path), retry=RetryPolicy(policy="none"))
        assert failure.value.code == code, path
        assert SECRET not in failure.value.message
        assert SECRET not in str(failure.value.details)


def test_without_credentials_the_guard_refuses_the_redirect(base_url: str) -> None:
    anonymous = {"connection": {"base_url": base_url, "auth": {"type": "none"}}}
    with pytest.raises(ActionFailed) as failure:
        run(base_url, action("/to-metadata"), manifest=anonymous, retry=RetryPolicy(policy="none"))
    assert failure.value.code == "blocked_destination"
    assert "169.254.169.254" in failure.value.message


def test_a_slow_server_times_out_without_hanging(base_url: str) -> None:
    started = time.monotonic()
    with pytest.raises(ActionFailed) as failure:
        run(
            base_url,
            action("/slow"),
            session=local_session((1, 0.5)),
            retry=RetryPolicy(policy="none"),
        )
    assert failure.value.code == "timeout"
    assert time.monotonic() - started < 2


def test_credentials_go_only_to_allowed_hosts(base_url: str) -> None:
    elsewhere = base_url.replace("127.0.0.1", "127.0.0.2")
    with pytest.raises(ActionFailed) as failure:
        run(
            base_url,
            action(f"{elsewhere}/echo/x"),
            manifest={"connection": {"auth": API_KEY, "allowed_hosts": ["127.0.0.1"]}},
        )
    assert failure.value.code == "credentials_refused"


def test_non_idempotent_actions_carry_an_idempotency_key(base_url: str) -> None:
    act = action("/echo/x", "POST") | {"idempotent": False}
    echoed = run(base_url, act, idempotency_key="run-1/step-2").output
    assert echoed["headers"]["idempotency-key"] == "run-1/step-2"
    plain = run(base_url, action("/echo/x", "POST"), idempotency_key="run-1/step-2").output
    assert "idempotency-key" not in plain["headers"]


def test_an_output_expression_shapes_the_response(base_url: str) -> None:
    act = action("/echo/x", output="{{ response.body.headers['x-apikey'] | length }}")
    assert run(base_url, act).output == len(SECRET)


def test_a_vendor_error_in_a_200_answer_fails_the_step(base_url: str) -> None:
    refusing = action(
        "/echo/x",
        error="{{ 'refused: ' ~ inputs.why if inputs.why else '' }}",
        output="{{ inputs.why | default('fine') }}",
    )
    assert run(base_url, refusing, {"why": None}).output is None
    with pytest.raises(ActionFailed) as failure:
        run(base_url, refusing, {"why": "channel_not_found"})
    assert (failure.value.code, failure.value.message) == (
        "vendor_error",
        "refused: channel_not_found",
    )


def test_an_empty_path_calls_the_base_url_as_given(base_url: str) -> None:
    hook = {"connection": {"base_url": f"{base_url}/echo/hook?sig=a%2Bb", "auth": {"type": "none"}}}
    echoed = run(base_url, action(""), manifest=hook).output
    assert echoed["path"] == "/echo/hook"
    assert echoed["query"] == {"sig": "a+b"}


def test_declared_hosts_hold_without_auth_and_secrets_never_show(base_url: str) -> None:
    secret_url = f"{base_url}/to-other-host?sig={SECRET}"
    webhook = {
        "connection": {
            "fields": {"properties": {"url": {"type": "string", "writeOnly": True}}},
            "base_url": "{{ connection.url }}",
            "auth": {"type": "none"},
            "allowed_hosts": ["127.0.0.1"],
        }
    }
    with pytest.raises(ActionFailed) as failure:
        call_action(
            manifest=webhook,
            action=action(""),
            inputs={},
            connection={"url": secret_url},
            session=local_session(),
            retry=NO_WAIT,
        )
    assert failure.value.code == "credentials_refused", "the redirect leaves the declared host"
    with pytest.raises(ActionFailed) as failure:
        call_action(
            manifest=webhook,
            action=action("", error="{{ 'bad ' ~ response.body.query.sig }}"),
            inputs={},
            connection={"url": f"{base_url}/echo/x?sig={SECRET}"},
            session=local_session(),
            retry=NO_WAIT,
        )
    assert failure.value.message == "bad ***"


PAGES = {"next": "{{ response.body.nextLink | default(none) }}", "items": "value", "max": 4}


def test_a_paged_list_is_read_to_its_end(base_url: str) -> None:
    waits: list[float] = []
    act = action("/pages/4", query={"page": "1"}, pages=PAGES)
    outcome = run(base_url, act, sleep=waits.append)
    assert outcome.output == {
        "value": ["p1-a", "p1-b", "p2-a", "p2-b", "p3-a", "p3-b", "p4-a", "p4-b"],
        "key": SECRET,
    }, "every page is authenticated, and the last page's answer holds every item"
    assert (outcome.attempts, len(waits)) == (5, 1), "a page is retried like any request"
    single = run(base_url, action("/pages/1", pages=PAGES))
    assert (single.output["value"], single.attempts) == (["p1-a", "p1-b"], 1)


def test_the_output_expression_sees_the_joined_pages(base_url: str) -> None:
    act = action("/pages/2", pages=PAGES, output="{{ response.body.value | length }}")
    assert run(base_url, act).output == 4


def test_a_list_longer_than_the_cap_fails_rather_than_being_cut(base_url: str) -> None:
    with pytest.raises(ActionFailed) as failure:
        run(base_url, action("/pages/5", pages=PAGES))
    assert failure.value.code == "too_many_pages"
    assert failure.value.message == "the list has more than 4 pages; it was not read whole"


def test_a_page_without_its_list_or_on_another_host_fails(base_url: str) -> None:
    with pytest.raises(ActionFailed) as failure:
        run(base_url, action("/echo/x", pages=PAGES))
    assert (failure.value.code, failure.value.message) == (
        "invalid_response",
        "a page of the list has no 'value' list",
    )
    with pytest.raises(ActionFailed) as failure:
        run(base_url, action("/pages-elsewhere", pages=PAGES))
    assert failure.value.code == "credentials_refused", "the next link leaves the allowed hosts"
